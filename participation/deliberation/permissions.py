"""Who may read, comment, reply, edit, delete, vote, flag and moderate, by role and by the subject's phase."""
from __future__ import annotations

from datetime import datetime

from participation.accounts.models import Role
from participation.deliberation import subjects
from participation.deliberation.models import EDIT_WINDOW, MAX_DEPTH, Comment, CommentStatus

_TAKING_PART = (Role.RESIDENT, Role.OFFICIAL, Role.MODERATOR, Role.ADMIN)


def _signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated and not user.is_deleted)


def can_take_part(user, now: datetime) -> bool:
    """A signed-in person with an active account who is not suspended."""
    return _signed_in(user) and any(user.has_role(r) for r in _TAKING_PART) and not user.is_suspended(now)


def taking_part_refusal(user, now: datetime):
    """What a signed-in person who may not take part is told (a suspension and its end), or None."""
    if _signed_in(user) and user.is_suspended(now):
        from participation.core.i18n import lazy_gettext as _l
        from participation.core.time import format_local_datetime

        return _l("Your account is suspended until %(when)s.", when=format_local_datetime(user.suspended_until))
    return None


def can_moderate(user) -> bool:
    return _signed_in(user) and (user.has_role(Role.MODERATOR) or user.has_role(Role.ADMIN))


def can_read_moderation_log(user) -> bool:
    """Public: every moderation action, with its reason code and time, never the moderator's name."""
    return True


def can_read_thread(user, subject, now: datetime) -> bool:
    return subjects.kind_of(subject).can_read(user, subject, now)


def closed_reason(subject, now: datetime):
    """Why the subject's thread is read-only now, or None while it is open."""
    return subjects.kind_of(subject).closed_reason(subject, now)


def can_comment(user, subject, now: datetime) -> bool:
    return can_take_part(user, now) and can_read_thread(user, subject, now) and closed_reason(subject, now) is None


def _is_author(user, comment: Comment) -> bool:
    return _signed_in(user) and comment.author_id is not None and comment.author_id == user.id


class ThreadAccess:
    """What one person may do with the comments of one thread, now.

    Worked out once per page (role, suspension and the subject's phase do not
    change between comments), then asked for each comment: a thread page of
    hundreds of comments asks these questions thousands of times.
    """

    __slots__ = ("user_id", "taking_part", "open", "moderator", "now")

    def __init__(self, user, subject, now: datetime):
        self.user_id = user.id if _signed_in(user) else None
        self.taking_part = can_take_part(user, now)
        self.open = self.taking_part and can_read_thread(user, subject, now) and closed_reason(subject, now) is None
        self.moderator = can_moderate(user)
        self.now = now

    def is_author(self, comment: Comment) -> bool:
        return self.user_id is not None and comment.author_id == self.user_id

    def can_reply(self, comment: Comment) -> bool:
        return self.open and comment.status == CommentStatus.VISIBLE and comment.depth < MAX_DEPTH

    def can_edit(self, comment: Comment) -> bool:
        """The author, within EDIT_WINDOW of posting, while the thread is open."""
        return (
            self.open
            and self.is_author(comment)
            and comment.status in (CommentStatus.VISIBLE, CommentStatus.HELD)
            and self.now < comment.created_at + EDIT_WINDOW
        )

    def can_delete(self, comment: Comment) -> bool:
        """Authors may always take their own words back; the place in the tree stays."""
        return self.is_author(comment) and comment.status != CommentStatus.DELETED

    def can_vote(self, comment: Comment) -> bool:
        """Anyone taking part, on others' visible comments, while the thread is open."""
        return self.open and comment.status == CommentStatus.VISIBLE and not self.is_author(comment)

    def can_flag(self, comment: Comment) -> bool:
        """Anyone taking part, on others' visible comments (the service refuses a second report)."""
        return self.taking_part and comment.status == CommentStatus.VISIBLE and not self.is_author(comment)

    def can_see_hidden(self, comment: Comment) -> bool:
        """The words of a hidden or held comment: its author and the moderators."""
        return self.is_author(comment) or self.moderator


def can_reply(user, comment: Comment, subject, now: datetime) -> bool:
    return ThreadAccess(user, subject, now).can_reply(comment)


def can_edit_comment(user, comment: Comment, subject, now: datetime) -> bool:
    return ThreadAccess(user, subject, now).can_edit(comment)


def edit_refusal(user, comment: Comment, subject, now: datetime):
    """Why `user` may not edit `comment` now (a message), or None when they may.

    The same rules as can_edit_comment, asked one at a time so that the author
    is told the real reason: a suspension, a read-only thread, a comment that is
    no longer shown, or the end of the editing window.
    """
    from participation.core.i18n import lazy_gettext as _l

    if not _is_author(user, comment):
        return _l("Only its author can edit a comment.")
    if user.is_suspended(now):
        return taking_part_refusal(user, now)
    if comment.status == CommentStatus.DELETED:
        return _l("A deleted comment cannot be edited.")
    if comment.status not in (CommentStatus.VISIBLE, CommentStatus.HELD):
        return _l("A comment hidden by moderators cannot be edited.")
    closed = closed_reason(subject, now)
    if closed is not None:
        return closed
    if not (can_take_part(user, now) and can_read_thread(user, subject, now)):
        return _l("This comment can no longer be edited.")
    if now >= comment.created_at + EDIT_WINDOW:
        return _l("Comments can be edited for 15 minutes after posting.")
    return None


def can_delete_comment(user, comment: Comment) -> bool:
    return _is_author(user, comment) and comment.status != CommentStatus.DELETED


def can_vote_comment(user, comment: Comment, subject, now: datetime) -> bool:
    return ThreadAccess(user, subject, now).can_vote(comment)


def can_flag(user, now: datetime) -> bool:
    """Any resident may report a comment or an idea (once each; the service says why not)."""
    return can_take_part(user, now)


def can_see_hidden_content(user, comment: Comment) -> bool:
    """The words of a hidden or held comment: its author and the moderators."""
    return _is_author(user, comment) or can_moderate(user)



def can_request_review(user, *, author_id: int | None, hidden: bool, requested_at, hidden_at=None) -> bool:
    """The author of a hidden comment or idea may ask for one review of each decision
    to hide it: none yet, or the last one asked before the item was hidden again."""
    if not (_signed_in(user) and author_id is not None and author_id == user.id and hidden):
        return False
    return requested_at is None or (hidden_at is not None and requested_at < hidden_at)
