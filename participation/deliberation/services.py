"""Services for deliberation: comments, comment votes, flags and moderation decisions.

Every change runs inside the caller's write transaction (core.db.write_transaction)
and locks the rows it changes first, so double clicks and parallel requests give
one result on both databases. Rows are always locked in one order, so two
requests never wait for each other on PostgreSQL: the subject (the idea), then
the comment, then the queue item. Counters (visible comments, up and down votes)
are caches recounted from the rows whenever they change, under the subject's lock.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError

from participation.accounts.models import Role, User
from participation.core import audit, signals
from participation.core.db import lock_for_update
from participation.core.errors import ServiceError
from participation.core.i18n import lazy_gettext as _l
from participation.core.i18n import lazy_ngettext
from participation.core.sanitize import render_markdown
from participation.core.text import normalize_newlines
from participation.deliberation import permissions, subjects
from participation.deliberation.models import (
    BODY_MAX,
    FLAG_TEXT_MAX,
    FLAGS_TO_HIDE,
    HIDE_REASONS,
    MAX_DEPTH,
    NEW_ACCOUNT_AGE,
    NEW_ACCOUNT_COMMENTS,
    NOTE_MAX,
    RESTORE_REASONS,
    Comment,
    CommentStatus,
    CommentVote,
    Flag,
    FlagReason,
    ModerationAction,
    ModerationActionKind,
    ModerationItem,
    QueueReason,
    Stance,
    Thread,
)
from participation.extensions import db
from participation.ideas import services as idea_services
from participation.ideas.models import LISTED_STATUSES, Idea

SUSPENSION_DAYS = (1, 3, 7, 30, 90)


# --- threads ---------------------------------------------------------------------------


def find_thread(subject) -> Thread | None:
    kind = subjects.kind_of(subject)
    return db.session.scalar(select(Thread).where(Thread.subject_kind == kind.name, Thread.subject_id == subject.id))


def _thread_for_writing(subject, now: datetime) -> Thread:
    """The subject's thread, created on its first comment. The subject row is locked
    first, so two first comments at once make one thread."""
    lock_for_update(subject)
    thread = find_thread(subject)
    if thread is None:
        thread = Thread(subject_kind=subjects.kind_of(subject).name, subject_id=subject.id, comment_count=0, created_at=now)
        db.session.add(thread)
        db.session.flush()
    return thread


def subject_of(thread: Thread):
    kind, subject = subjects.load(thread.subject_kind, thread.subject_id)
    return subject


def _lock_comment(comment: Comment):
    """Lock a comment's subject, then the comment (the one lock order), and return the subject."""
    subject = subject_of(comment.thread)
    lock_for_update(subject)
    lock_for_update(comment)
    return subject


def _recount(thread: Thread, subject) -> None:
    """Recount the visible comments. The caller holds the subject's lock, so two
    recounts never interleave and the cache cannot drift."""
    db.session.flush()
    count = db.session.scalar(
        select(func.count()).select_from(Comment).where(Comment.thread_id == thread.id, Comment.status == CommentStatus.VISIBLE)
    )
    thread.comment_count = count
    kind = subjects.kind_of(subject)
    if kind.count_changed is not None:
        kind.count_changed(subject, count)


def _recount_replies(comment: Comment | None) -> None:
    if comment is None:
        return
    db.session.flush()
    comment.reply_count = db.session.scalar(
        select(func.count()).select_from(Comment).where(Comment.parent_id == comment.id)
    )


# --- comments ------------------------------------------------------------------------------


def _clean_body(body: str | None) -> str:
    text = normalize_newlines(body).strip()
    if not text:
        raise ServiceError(_l("Write something before posting."), field="body", code="empty")
    if len(text) > BODY_MAX:
        raise ServiceError(
            _l("A comment can be at most %(max)d characters; this one has %(count)d.", max=BODY_MAX, count=len(text)),
            field="body",
            code="too_long",
        )
    return text


def _clean_stance(stance: str | None) -> str:
    if stance not in {s.value for s in Stance}:
        raise ServiceError(_l("Choose for, against or neutral."), field="stance", code="bad_stance")
    return stance


def _is_staff(user: User) -> bool:
    return any(user.has_role(r) for r in (Role.OFFICIAL, Role.MODERATOR, Role.ADMIN))


def _must_wait_for_review(author: User, body_html: str, now: datetime) -> bool:
    """A new account's first comments that contain links wait for a moderator (spam's favourite shape)."""
    if _is_staff(author) or "<a " not in body_html:
        return False
    if author.created_at is not None and now - author.created_at >= NEW_ACCOUNT_AGE:
        return False
    published = db.session.scalar(
        select(func.count()).select_from(Comment).where(Comment.author_id == author.id, Comment.status == CommentStatus.VISIBLE)
    )
    return published < NEW_ACCOUNT_COMMENTS


def post_comment(author: User, subject, stance: str, body: str, parent: Comment | None, now: datetime) -> Comment:
    stance = _clean_stance(stance)
    text = _clean_body(body)
    # The subject is locked (and re-read) first; its phase and the parent are
    # checked as they are now, not as the request loaded them.
    thread = _thread_for_writing(subject, now)
    reason = permissions.closed_reason(subject, now)
    if reason is not None:
        raise ServiceError(reason, code="thread_closed")
    if author.is_suspended(now):
        raise ServiceError(_suspended_message(author), code="suspended")
    depth, root_id = 0, None
    if parent is not None:
        lock_for_update(parent)
        if parent.thread_id != thread.id:
            raise ServiceError(_l("That comment belongs to another discussion."), code="wrong_thread")
        if parent.depth >= MAX_DEPTH:
            raise ServiceError(
                lazy_ngettext("Replies go at most %(depth)d level deep. Reply to an earlier comment instead.", "Replies go at most %(depth)d levels deep. Reply to an earlier comment instead.", MAX_DEPTH, depth=MAX_DEPTH),
                code="too_deep",
            )
        if parent.status != CommentStatus.VISIBLE:
            raise ServiceError(_l("You can only reply to a comment that is shown."), code="parent_not_visible")
        depth, root_id = parent.depth + 1, parent.root_id
    html = str(render_markdown(text))
    held = _must_wait_for_review(author, html, now)
    department = author.department_id if author.has_role(Role.OFFICIAL) else None
    comment = Comment(
        thread=thread,
        parent=parent,
        depth=depth,
        author=author,
        official_department_id=department,
        stance=stance,
        body=text,
        body_html=html,
        status=(CommentStatus.HELD if held else CommentStatus.VISIBLE).value,
        up_count=0,
        down_count=0,
        best_score=0.0,
        reply_count=0,
        created_at=now,
    )
    db.session.add(comment)
    db.session.flush()
    comment.root_id = root_id or comment.id
    if held:
        _open_item(comment=comment, reason=QueueReason.HELD, now=now)
    _recount_replies(parent)
    _recount(thread, subject)
    audit.record("comment.posted", now, actor=author, subject=comment, held=held)
    signals.comment_posted.send(comment, subject=subject, now=now)
    return comment


def edit_comment(actor: User, comment: Comment, stance: str, body: str, now: datetime) -> Comment:
    subject = _lock_comment(comment)
    refusal = permissions.edit_refusal(actor, comment, subject, now)
    if refusal is not None:
        raise ServiceError(refusal, code="not_editable")
    stance = _clean_stance(stance)
    text = _clean_body(body)
    if text == comment.body and stance == comment.stance:
        return comment
    html = str(render_markdown(text))
    hold = comment.status == CommentStatus.VISIBLE and _must_wait_for_review(actor, html, now)
    if hold and comment.reply_count:
        # Holding it now would take the context away from its replies.
        raise ServiceError(
            _l("A new account's links wait for a moderator, and this comment already has replies. Post the link in a new comment instead."),
            field="body",
            code="link_after_reply",
        )
    comment.body, comment.stance, comment.body_html = text, stance, html
    comment.edited_at = now
    if hold:
        comment.status = CommentStatus.HELD.value
        _open_item(comment=comment, reason=QueueReason.HELD, now=now)
        _recount(comment.thread, subject)
    audit.record("comment.edited", now, actor=actor, subject=comment)
    return comment


def delete_comment(actor: User, comment: Comment, now: datetime) -> None:
    """Soft delete: the words go, the place in the tree stays so replies keep their context."""
    subject = _lock_comment(comment)
    if not permissions.can_delete_comment(actor, comment):
        raise ServiceError(_l("This comment was already deleted."), code="not_deletable")
    _erase(comment, now)
    _recount(comment.thread, subject)
    audit.record("comment.deleted", now, actor=actor, subject=comment)


def _erase(comment: Comment, now: datetime) -> None:
    comment.status = CommentStatus.DELETED.value
    comment.body = ""
    comment.body_html = ""
    comment.deleted_at = now
    # Nothing is left to moderate.
    _close_items(comment=comment, moderator=None, now=now)


def withdraw_unpublished(user: User, now: datetime) -> int:
    """A deleted account's comments still waiting for a moderator are deleted too:
    nobody can answer for them any more. Held comments are not counted, so no
    thread count changes. Returns how many."""
    held = db.session.scalars(
        select(Comment).where(Comment.author_id == user.id, Comment.status == CommentStatus.HELD.value).order_by(Comment.id)
    ).all()
    for comment in held:
        lock_for_update(comment)
        if comment.status == CommentStatus.HELD:
            _erase(comment, now)
    return len(held)


# --- comment votes ---------------------------------------------------------------------------------


def wilson_lower_bound(up: int, down: int, z: float = 1.96) -> float:
    """The lower bound of the 95% Wilson score interval for the share of up votes.

    Ranks 40 up / 5 down above 3 up / 0 down: a comment needs both approval and
    enough votes to be sure of it, so a handful of early votes cannot pin a
    comment to the top of a long thread.
    """
    n = up + down
    if n == 0:
        return 0.0
    p = up / n
    return (p + z * z / (2 * n) - z * math.sqrt((p * (1 - p) + z * z / (4 * n)) / n)) / (1 + z * z / n)


@dataclass
class CommentVoteResult:
    up: int
    down: int
    mine: int  # 1, -1 or 0


def vote_comment(user: User, comment: Comment, value: int, now: datetime) -> CommentVoteResult:
    """Up (1) or down (-1). The same vote again takes it back; the other one replaces it."""
    if value not in (1, -1):
        raise ServiceError(_l("Choose up or down."), code="bad_value")
    lock_for_update(comment)
    if comment.author_id == user.id:
        raise ServiceError(_l("You cannot vote on your own comment."), code="own_comment")
    if not permissions.can_vote_comment(user, comment, subject_of(comment.thread), now):
        raise ServiceError(_l("Votes are closed for this comment."), code="not_allowed")
    existing = db.session.scalar(select(CommentVote).where(CommentVote.comment_id == comment.id, CommentVote.user_id == user.id))
    mine = value
    if existing is None:
        try:
            with db.session.begin_nested():
                db.session.add(CommentVote(comment_id=comment.id, user_id=user.id, value=value, created_at=now))
        except IntegrityError as exc:
            raise ServiceError(_l("Your vote on this comment is already counted."), code="already_voted") from exc
    elif existing.value == value:
        db.session.delete(existing)
        mine = 0
    else:
        existing.value = value
    db.session.flush()
    up, down = db.session.execute(
        select(
            func.coalesce(func.sum(case((CommentVote.value > 0, 1), else_=0)), 0),
            func.coalesce(func.sum(case((CommentVote.value < 0, 1), else_=0)), 0),
        ).where(CommentVote.comment_id == comment.id)
    ).one()
    comment.up_count, comment.down_count = int(up), int(down)
    comment.best_score = wilson_lower_bound(comment.up_count, comment.down_count)
    return CommentVoteResult(up=comment.up_count, down=comment.down_count, mine=mine)


# --- flags --------------------------------------------------------------------------------------------


def _target_filter(model, *, comment: Comment | None = None, idea: Idea | None = None):
    return model.comment_id == comment.id if comment is not None else model.idea_id == idea.id


def _open_item(*, comment: Comment | None = None, idea: Idea | None = None, reason: QueueReason, now: datetime) -> ModerationItem:
    """The target's open queue item, opened now if it has none."""
    item = db.session.scalar(
        select(ModerationItem).where(_target_filter(ModerationItem, comment=comment, idea=idea), ModerationItem.closed_at.is_(None))
    )
    if item is None:
        item = ModerationItem(
            comment_id=comment.id if comment is not None else None,
            idea_id=idea.id if idea is not None else None,
            reason=reason.value,
            opened_at=now,
            review_requested=False,
        )
        db.session.add(item)
        db.session.flush()
    return item


def _close_items(*, comment: Comment | None = None, idea: Idea | None = None, moderator: User | None, now: datetime) -> None:
    db.session.execute(
        update(ModerationItem)
        .where(_target_filter(ModerationItem, comment=comment, idea=idea), ModerationItem.closed_at.is_(None))
        .values(closed_at=now, decided_by_id=getattr(moderator, "id", None))
    )
    db.session.execute(
        update(Flag).where(_target_filter(Flag, comment=comment, idea=idea), Flag.resolved_at.is_(None)).values(resolved_at=now)
    )


def close_idea_items(idea: Idea, now: datetime) -> None:
    """A withdrawn idea leaves the queue: its reports and requests have nothing left to decide."""
    _close_items(idea=idea, moderator=None, now=now)


def _clean_flag(reason: str | None, text: str | None) -> tuple[str, str | None]:
    if reason not in {r.value for r in FlagReason}:
        raise ServiceError(_l("Choose a reason."), field="reason", code="bad_reason")
    text = normalize_newlines(text).strip() or None
    if reason == FlagReason.OTHER and not text:
        raise ServiceError(_l("Tell the moderators what is wrong."), field="text", code="text_required")
    if text and len(text) > FLAG_TEXT_MAX:
        raise ServiceError(_l("Keep it under %(max)d characters.", max=FLAG_TEXT_MAX), field="text", code="too_long")
    return reason, text


def flag(user: User, target, reason: str, text: str | None, now: datetime) -> Flag:
    """Report a comment or an idea. The FLAGS_TO_HIDE-th open flag hides it until a moderator reviews it."""
    reason, text = _clean_flag(reason, text)
    comment, idea = (target, None) if isinstance(target, Comment) else (None, target)
    _lock_target(target)
    if target.author_id == user.id:
        raise ServiceError(_l("You cannot report your own writing. You can edit or delete it instead."), code="own_item")
    if comment is not None and comment.status != CommentStatus.VISIBLE:
        raise ServiceError(_l("This comment is not shown, so there is nothing to report."), code="not_visible")
    if idea is not None and idea.status not in LISTED_STATUSES:
        raise ServiceError(_l("This idea is not shown, so there is nothing to report."), code="not_visible")
    already = db.session.scalar(select(Flag.id).where(_target_filter(Flag, comment=comment, idea=idea), Flag.user_id == user.id))
    if already is not None:
        raise ServiceError(_l("You already reported this. Moderators will look at it."), code="already_flagged")
    row = Flag(comment_id=getattr(comment, "id", None), idea_id=getattr(idea, "id", None), user_id=user.id, reason=reason, text=text, created_at=now)
    db.session.add(row)
    _open_item(comment=comment, idea=idea, reason=QueueReason.FLAGGED, now=now)
    db.session.flush()
    reasons = db.session.scalars(
        select(Flag.reason).where(_target_filter(Flag, comment=comment, idea=idea), Flag.resolved_at.is_(None))
    ).all()
    if len(reasons) >= FLAGS_TO_HIDE:
        # The commonest reason among the open flags is the public reason code.
        common = Counter(reasons).most_common(1)[0][0]
        _hide(comment=comment, idea=idea, reason=common, now=now)
        action = _log(ModerationActionKind.AUTO_HIDDEN, comment=comment, idea=idea, reason=common, note=None, moderator=None, now=now)
        db.session.flush()
        signals.moderation_decided.send(action, now=now)
    audit.record("flag.raised", now, actor=user, subject=target, reason=reason)
    return row


def _lock_target(target):
    """Lock a comment (after its subject) or an idea (its own subject) in the one lock order."""
    if isinstance(target, Comment):
        return _lock_comment(target)
    lock_for_update(target)
    return target


def _hide(*, comment: Comment | None, idea: Idea | None, reason: str, now: datetime) -> None:
    """The caller holds the subject's and the target's locks."""
    if comment is not None:
        # A held comment was never published: turning it down keeps it out of the thread.
        never_shown = comment.status in (CommentStatus.HELD, CommentStatus.REJECTED)
        comment.status = (CommentStatus.REJECTED if never_shown else CommentStatus.HIDDEN).value
        if not never_shown:
            _recount(comment.thread, subject_of(comment.thread))
    else:
        idea_services.hide_idea(idea, reason, now)


def _log(kind: ModerationActionKind, *, comment=None, idea=None, user=None, reason, note, moderator, now, until=None):
    action = ModerationAction(
        comment_id=getattr(comment, "id", None),
        idea_id=getattr(idea, "id", None),
        user_id=getattr(user, "id", None),
        action=kind.value,
        reason=reason,
        note=note,
        until=until,
        moderator_id=getattr(moderator, "id", None),
        occurred_at=now,
    )
    db.session.add(action)
    return action


# --- moderation ---------------------------------------------------------------------------------------


def _clean_note(note: str | None) -> str | None:
    note = normalize_newlines(note).strip() or None
    if note and len(note) > NOTE_MAX:
        raise ServiceError(_l("Keep it under %(max)d characters.", max=NOTE_MAX), field="note", code="too_long")
    return note


def decide(moderator: User, item: ModerationItem, decision: str, reason: str, note: str | None, now: datetime) -> ModerationAction:
    """A moderator hides or restores the item's comment or idea, with a reason code and a note for the author."""
    note = _clean_note(note)
    if decision == "hide":
        allowed = HIDE_REASONS
    elif decision == "restore":
        allowed = RESTORE_REASONS
    else:
        raise ServiceError(_l("Choose hide or restore."), field="decision", code="bad_decision")
    if reason not in {r.value for r in allowed}:
        raise ServiceError(_l("Choose a reason that fits the decision."), field="reason", code="bad_reason")
    comment, idea = item.comment, item.idea
    target = comment if comment is not None else idea
    # The one lock order: subject, target, then the item.
    _lock_target(target)
    lock_for_update(item)
    if item.closed_at is not None:
        raise ServiceError(_l("Another moderator has already decided on this item."), code="already_decided")
    if decision == "hide":
        if comment is not None and comment.status == CommentStatus.DELETED:
            raise ServiceError(_l("Its author deleted this comment, so there is nothing left to hide."), code="deleted")
        if idea is not None and idea.status not in (*LISTED_STATUSES, "hidden"):
            raise ServiceError(_l("This idea is no longer shown, so there is nothing to hide."), code="not_listed")
        never_shown = comment is not None and comment.status in (CommentStatus.HELD, CommentStatus.REJECTED)
        kind = ModerationActionKind.REJECTED if never_shown else ModerationActionKind.HIDDEN
        _hide(comment=comment, idea=idea, reason=reason, now=now)
    elif comment is not None:
        kind = _show_comment(comment, now)
    else:
        kind = ModerationActionKind.RESTORED if idea.status == "hidden" else ModerationActionKind.DISMISSED
        idea_services.restore_idea(idea, reason, now)
    _close_items(comment=comment, idea=idea, moderator=moderator, now=now)
    action = _log(kind, comment=comment, idea=idea, reason=reason, note=note, moderator=moderator, now=now)
    audit.record("moderation.decided", now, actor=moderator, subject=target, decision=decision, reason=reason)
    signals.moderation_decided.send(action, now=now)
    return action


def _show_comment(comment: Comment, now: datetime) -> ModerationActionKind:
    """Publish a held or turned-down comment, restore a hidden one, or dismiss the reports on a shown one."""
    if comment.status == CommentStatus.DELETED:
        raise ServiceError(_l("Its author deleted this comment, so there is nothing to show."), code="deleted")
    if comment.status in (CommentStatus.HELD, CommentStatus.REJECTED):
        author = comment.author
        if author is None or author.is_deleted:
            raise ServiceError(_l("The author's account was deleted, so this comment cannot be published."), code="author_deleted")
        if author.is_suspended(now):
            raise ServiceError(
                _l("The author is suspended until %(when)s; decide after the suspension ends, or keep it unpublished.",
                   when=_format_when(author.suspended_until)),
                code="author_suspended",
            )
        kind = ModerationActionKind.APPROVED
    elif comment.status == CommentStatus.HIDDEN:
        kind = ModerationActionKind.RESTORED
    else:
        return ModerationActionKind.DISMISSED
    comment.status = CommentStatus.VISIBLE.value
    _recount(comment.thread, subject_of(comment.thread))
    return kind


def raise_for_decision(moderator: User, target, now: datetime) -> ModerationItem:
    """A moderator puts a comment or an idea they came across in the queue, to decide on it there."""
    comment, idea = (target, None) if isinstance(target, Comment) else (None, target)
    _lock_target(target)
    if comment is not None and comment.status == CommentStatus.DELETED:
        raise ServiceError(_l("This comment was already deleted."), code="deleted")
    if idea is not None and idea.status not in (*LISTED_STATUSES, "hidden"):
        raise ServiceError(_l("This idea is no longer shown, so there is nothing to decide."), code="not_listed")
    item = _open_item(comment=comment, idea=idea, reason=QueueReason.MODERATOR, now=now)
    audit.record("moderation.raised", now, actor=moderator, subject=target)
    return item


def request_review(author: User, target, note: str | None, now: datetime) -> ModerationItem:
    """The author of a hidden comment or idea asks the moderators to look again, once."""
    note = _clean_note(note)
    comment, idea = (target, None) if isinstance(target, Comment) else (None, target)
    _lock_target(target)
    if not may_request_review(author, target):
        raise ServiceError(_l("A review can be requested once for each decision to hide an item of your own."), code="not_allowed")
    item = _open_item(comment=comment, idea=idea, reason=QueueReason.REVIEW_REQUESTED, now=now)
    item.review_requested = True
    item.review_requested_at = now
    item.review_note = note
    if comment is not None:
        comment.review_requested_at = now
    audit.record("moderation.review_requested", now, actor=author, subject=target)
    return item


def review_requested_at(target):
    """When the author of this comment or idea last asked for a review, if ever."""
    if isinstance(target, Comment):
        return target.review_requested_at
    return db.session.scalar(select(func.max(ModerationItem.review_requested_at)).where(ModerationItem.idea_id == target.id))


def _is_unpublished(target) -> bool:
    return target.status in (CommentStatus.HIDDEN, CommentStatus.REJECTED)


def may_request_review(user, target, decision: ModerationAction | None = None) -> bool:
    """The author of a hidden (or turned-down) comment or idea may ask for one review
    of each decision to hide it. `decision` saves a query when the caller has it."""
    decision = decision or (latest_decision(target) if _is_unpublished(target) else None)
    return permissions.can_request_review(
        user,
        author_id=target.author_id,
        hidden=_is_unpublished(target),
        requested_at=review_requested_at(target),
        hidden_at=decision.occurred_at if decision is not None else None,
    )


def latest_decision(target) -> ModerationAction | None:
    """The last moderation action on a comment or idea: what its author is told."""
    column = ModerationAction.comment_id if isinstance(target, Comment) else ModerationAction.idea_id
    return db.session.scalar(
        select(ModerationAction).where(column == target.id).order_by(ModerationAction.occurred_at.desc(), ModerationAction.id.desc()).limit(1)
    )


def _format_when(moment: datetime):
    from participation.core.time import format_local_datetime

    return format_local_datetime(moment)


def _suspended_message(user: User):
    return _l("Your account is suspended until %(when)s.", when=_format_when(user.suspended_until))


def suspend(moderator: User, user: User, days: int, reason: str, note: str | None, now: datetime) -> ModerationAction:
    """Suspend an account for a set number of days (0 lifts a suspension)."""
    note = _clean_note(note)
    if days not in (0, *SUSPENSION_DAYS):
        raise ServiceError(_l("Choose one of the periods."), field="days", code="bad_days")
    if reason not in {r.value for r in HIDE_REASONS} and days:
        raise ServiceError(_l("Choose a reason."), field="reason", code="bad_reason")
    lock_for_update(user)
    if user.id == moderator.id:
        raise ServiceError(_l("You cannot suspend your own account."), code="self")
    if user.is_deleted:
        raise ServiceError(_l("This account was deleted."), code="deleted")
    if user.has_role(Role.MODERATOR) or user.has_role(Role.ADMIN):
        raise ServiceError(_l("Moderators and administrators cannot be suspended; an administrator can change their roles."), code="staff")
    if days == 0:
        if not user.is_suspended(now):
            raise ServiceError(_l("This account is not suspended."), field="days", code="not_suspended")
        user.suspended_until = None
        kind, until = ModerationActionKind.SUSPENSION_LIFTED, None
    else:
        until = now + timedelta(days=days)
        if user.is_suspended(now) and user.suspended_until > until:
            # A shorter period never quietly cuts a longer one short.
            raise ServiceError(
                _l("This account is already suspended until %(when)s, which is longer. Lift that suspension first to set a shorter one.",
                   when=_format_when(user.suspended_until)),
                field="days",
                code="longer_suspension",
            )
        user.suspended_until = until
        kind = ModerationActionKind.SUSPENDED
    action = _log(kind, user=user, reason=reason if days else None, note=note, moderator=moderator, now=now, until=until)
    audit.record("moderation.suspended", now, actor=moderator, subject=user, days=days, reason=reason)
    return action

