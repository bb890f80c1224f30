"""Reading threads, the moderation queue and the public log, each page in a fixed number of queries.

A thread page is one page of top-level comments (PER_PAGE) with the first
REPLIES_SHOWN replies under each, however long the thread: top-level comments
come from one indexed query, their replies from one more (a window function
numbers the replies under each top-level comment), and the viewer's own votes
and reports from one each. Bodies were sanitised once, when written.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

from participation.deliberation import permissions, subjects
from participation.deliberation.models import (
    PER_PAGE,
    REPLIES_SHOWN,
    UNPUBLISHED,
    Comment,
    CommentStatus,
    CommentVote,
    Flag,
    ModerationAction,
    ModerationItem,
    Stance,
    Thread,
)
from participation.extensions import db

SORTS = ("oldest", "newest", "best")
QUEUE_PER_PAGE = 20
LOG_PER_PAGE = 50


@dataclass
class Summary:
    counts: dict[str, int]
    best: dict[str, Comment | None]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def share(self, stance: str) -> int:
        """Whole percent of the stance among visible comments."""
        return round(100 * self.counts.get(stance, 0) / self.total) if self.total else 0


@dataclass
class ThreadPage:
    subject: object
    kind: subjects.SubjectKind
    thread: Thread | None
    comments: list[Comment]
    page: int
    pages: int
    total_top: int
    sort: str
    summary: Summary
    my_votes: dict[int, int] = field(default_factory=dict)
    my_flags: set[int] = field(default_factory=set)

    # What templates/_pagination.html asks of a page.
    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def _viewer_id(viewer) -> int | None:
    return viewer.id if viewer is not None and getattr(viewer, "is_authenticated", False) else None


def _shown_to(viewer_id: int | None):
    """Held and turned-down comments are shown only to their authors (they were never
    published); everything else keeps its place in the tree."""
    if viewer_id is None:
        return Comment.status.not_in(UNPUBLISHED)
    return or_(Comment.status.not_in(UNPUBLISHED), Comment.author_id == viewer_id)


def _order(sort: str):
    if sort == "newest":
        return (Comment.created_at.desc(), Comment.id.desc())
    if sort == "best":
        return (Comment.best_score.desc(), Comment.created_at.asc(), Comment.id.asc())
    return (Comment.created_at.asc(), Comment.id.asc())


def _with_people():
    return (joinedload(Comment.author), joinedload(Comment.official_department))


def summary(thread: Thread | None) -> Summary:
    """Counts by stance among visible comments, and the best comment for and against."""
    counts = {s.value: 0 for s in Stance}
    best: dict[str, Comment | None] = {Stance.FOR.value: None, Stance.AGAINST.value: None}
    if thread is None:
        return Summary(counts, best)
    rows = db.session.execute(
        select(Comment.stance, func.count())
        .where(Comment.thread_id == thread.id, Comment.status == CommentStatus.VISIBLE.value)
        .group_by(Comment.stance)
    ).all()
    counts.update({stance: n for stance, n in rows})
    ranked = (
        select(
            Comment.id.label("id"),
            func.row_number()
            .over(partition_by=Comment.stance, order_by=(Comment.best_score.desc(), Comment.created_at.asc(), Comment.id.asc()))
            .label("rank"),
        )
        .where(
            Comment.thread_id == thread.id,
            Comment.status == CommentStatus.VISIBLE.value,
            Comment.stance.in_([Stance.FOR.value, Stance.AGAINST.value]),
            Comment.up_count > 0,
        )
        .subquery()
    )
    for comment in db.session.scalars(
        select(Comment).join(ranked, ranked.c.id == Comment.id).where(ranked.c.rank == 1).options(*_with_people())
    ):
        best[comment.stance] = comment
    return Summary(counts, best)


def thread_page(subject, viewer, sort: str, page: int, now: datetime) -> ThreadPage:
    kind = subjects.kind_of(subject)
    sort = sort if sort in SORTS else "oldest"
    thread = db.session.scalar(select(Thread).where(Thread.subject_kind == kind.name, Thread.subject_id == subject.id))
    if thread is None:
        return ThreadPage(subject, kind, None, [], 1, 1, 0, sort, summary(None))
    viewer_id = _viewer_id(viewer)
    top = and_(Comment.thread_id == thread.id, Comment.depth == 0, _shown_to(viewer_id))
    total_top = db.session.scalar(select(func.count()).select_from(Comment).where(top))
    pages = max(1, math.ceil(total_top / PER_PAGE))
    page = min(max(1, page), pages)
    comments = list(
        db.session.scalars(
            select(Comment).where(top).order_by(*_order(sort)).limit(PER_PAGE).offset((page - 1) * PER_PAGE).options(*_with_people())
        )
    )
    _attach_replies(comments, viewer_id)
    _attach_decisions(list(_walk(comments)), viewer_id)
    shown = [c.id for c in comments] + [r.id for c in comments for r in _walk(c.replies)]
    my_votes: dict[int, int] = {}
    my_flags: set[int] = set()
    if viewer_id is not None and shown:
        my_votes = dict(
            db.session.execute(
                select(CommentVote.comment_id, CommentVote.value).where(CommentVote.user_id == viewer_id, CommentVote.comment_id.in_(shown))
            ).all()
        )
        my_flags = set(
            db.session.scalars(select(Flag.comment_id).where(Flag.user_id == viewer_id, Flag.comment_id.in_(shown)))
        )
    return ThreadPage(subject, kind, thread, comments, page, pages, total_top, sort, summary(thread), my_votes, my_flags)


def _walk(comments):
    for comment in comments:
        yield comment
        yield from _walk(comment.replies)


def _attach_replies(tops: list[Comment], viewer_id: int | None, limit: int | None = REPLIES_SHOWN) -> None:
    """Hang the first `limit` replies (oldest first) under each top-level comment, as a tree.

    Replies are numbered in order of creation, and a parent is always older than
    its replies, so the first `limit` never leave a reply without its parent.
    """
    for top in tops:
        top.replies, top.hidden_replies, top.reply_total = [], 0, 0
    if not tops:
        return
    ranked = (
        select(
            Comment.id.label("id"),
            func.row_number().over(partition_by=Comment.root_id, order_by=(Comment.created_at, Comment.id)).label("n"),
            func.count().over(partition_by=Comment.root_id).label("total"),
        )
        .where(Comment.root_id.in_([t.id for t in tops]), Comment.depth > 0, _shown_to(viewer_id))
        .subquery()
    )
    stmt = select(Comment, ranked.c.total).join(ranked, ranked.c.id == Comment.id).order_by(ranked.c.n).options(*_with_people())
    if limit is not None:
        stmt = stmt.where(ranked.c.n <= limit)
    by_id = {t.id: t for t in tops}
    children: dict[int, list[Comment]] = defaultdict(list)
    totals: dict[int, int] = {}
    for reply, total in db.session.execute(stmt).all():
        reply.replies, reply.hidden_replies = [], 0
        by_id[reply.id] = reply
        children[reply.parent_id].append(reply)
        totals[reply.root_id] = total
    for parent_id, replies in children.items():
        if parent_id in by_id:
            by_id[parent_id].replies = replies
    shown: dict[int, int] = defaultdict(int)
    for replies in children.values():
        for reply in replies:
            shown[reply.root_id] += 1
    for top in tops:
        top.reply_total = totals.get(top.id, 0)
        top.hidden_replies = top.reply_total - shown[top.id]


def comment_tree(comment: Comment, viewer) -> Comment:
    """A top-level comment with every reply under it, for its own page."""
    root = comment if comment.depth == 0 else db.session.get(Comment, comment.root_id, options=list(_with_people()))
    _attach_replies([root], _viewer_id(viewer), limit=None)
    _attach_decisions(list(walk(root)), _viewer_id(viewer))
    return root


def _attach_decisions(comments: list[Comment], viewer_id: int | None) -> None:
    """The last moderation decision on each of the viewer's own hidden comments, in one query."""
    mine = {c.id: c for c in comments if viewer_id is not None and c.author_id == viewer_id and c.status in (CommentStatus.HIDDEN, CommentStatus.REJECTED)}
    if not mine:
        return
    ranked = (
        select(
            ModerationAction.id.label("id"),
            func.row_number()
            .over(partition_by=ModerationAction.comment_id, order_by=(ModerationAction.occurred_at.desc(), ModerationAction.id.desc()))
            .label("n"),
        )
        .where(ModerationAction.comment_id.in_(list(mine)))
        .subquery()
    )
    for action in db.session.scalars(select(ModerationAction).join(ranked, ranked.c.id == ModerationAction.id).where(ranked.c.n == 1)):
        mine[action.comment_id].latest_decision = action


def my_votes_and_flags(viewer, comments) -> tuple[dict[int, int], set[int]]:
    viewer_id = _viewer_id(viewer)
    ids = [c.id for c in comments]
    if viewer_id is None or not ids:
        return {}, set()
    votes = dict(
        db.session.execute(
            select(CommentVote.comment_id, CommentVote.value).where(CommentVote.user_id == viewer_id, CommentVote.comment_id.in_(ids))
        ).all()
    )
    flags = set(db.session.scalars(select(Flag.comment_id).where(Flag.user_id == viewer_id, Flag.comment_id.in_(ids))))
    return votes, flags


def walk(comment: Comment):
    yield comment
    yield from _walk(comment.replies)


# --- moderation -----------------------------------------------------------------------------


@dataclass
class QueueEntry:
    item: ModerationItem
    flags: list[Flag]
    subject: object | None  # what a flagged comment is about
    subject_title: str
    subject_url: str | None


def _subjects_of(threads: list[Thread]) -> dict[int, object]:
    """The subjects of several threads, one query per kind."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for thread in threads:
        wanted[thread.subject_kind].add(thread.subject_id)
    found: dict[tuple[str, int], object] = {}
    for kind_name, ids in wanted.items():
        kind = subjects.kind_named(kind_name)
        if kind is None:
            continue
        for record in db.session.scalars(select(kind.model).where(kind.model.id.in_(ids))):
            found[(kind_name, record.id)] = record
    return {t.id: found.get((t.subject_kind, t.subject_id)) for t in threads}


def _describe(subject) -> tuple[str, str | None]:
    if subject is None:
        return "", None
    kind = subjects.kind_of(subject)
    return kind.title(subject), kind.url(subject)


def _queue_items():
    return select(ModerationItem).options(
        joinedload(ModerationItem.comment).joinedload(Comment.author),
        joinedload(ModerationItem.comment).joinedload(Comment.thread),
        joinedload(ModerationItem.comment).joinedload(Comment.parent),
        joinedload(ModerationItem.idea),
    )


def open_queue(page: int):
    """Open items, oldest first, with their flags and what each comment is about."""
    stmt = _queue_items().where(ModerationItem.closed_at.is_(None)).order_by(ModerationItem.opened_at.asc(), ModerationItem.id.asc())
    result = db.paginate(stmt, page=page, per_page=QUEUE_PER_PAGE, error_out=False)
    return result, _entries(result.items)


def open_item(item_id: int) -> QueueEntry | None:
    """One open item, as the queue shows it."""
    item = db.session.scalar(_queue_items().where(ModerationItem.id == item_id, ModerationItem.closed_at.is_(None)))
    return _entries([item])[0] if item is not None else None


def _entries(items: list[ModerationItem]) -> list[QueueEntry]:
    comment_ids = [i.comment_id for i in items if i.comment_id]
    idea_ids = [i.idea_id for i in items if i.idea_id]
    flags: dict[tuple[str, int], list[Flag]] = defaultdict(list)
    if items:
        for row in db.session.scalars(
            select(Flag)
            .where(Flag.resolved_at.is_(None), or_(Flag.comment_id.in_(comment_ids), Flag.idea_id.in_(idea_ids)))
            .order_by(Flag.created_at)
        ):
            flags[("comment", row.comment_id) if row.comment_id else ("idea", row.idea_id)].append(row)
    threads = _subjects_of([i.comment.thread for i in items if i.comment is not None])
    entries = []
    for item in items:
        if item.comment is not None:
            subject = threads.get(item.comment.thread_id)
            key = ("comment", item.comment_id)
        else:
            subject = item.idea
            key = ("idea", item.idea_id)
        title, url = _describe(subject)
        entries.append(QueueEntry(item, flags.get(key, []), subject, title, url))
    return entries


def queue_size() -> int:
    return db.session.scalar(select(func.count()).select_from(ModerationItem).where(ModerationItem.closed_at.is_(None)))


@dataclass
class LogEntry:
    action: ModerationAction
    title: str
    url: str | None


def log_statement():
    """Every moderation action, newest first (what the public log lists)."""
    return (
        select(ModerationAction)
        .order_by(ModerationAction.occurred_at.desc(), ModerationAction.id.desc())
        .options(joinedload(ModerationAction.comment).joinedload(Comment.thread), joinedload(ModerationAction.idea))
    )


def log_entries(actions: list[ModerationAction]) -> list[LogEntry]:
    """What the log shows of each action: the subject's title and address; never the moderator."""
    threads = _subjects_of([a.comment.thread for a in actions if a.comment is not None])
    entries = []
    for action in actions:
        if action.comment is not None:
            title, url = _describe(threads.get(action.comment.thread_id))
        elif action.idea is not None:
            title, url = _describe(action.idea)
        else:
            title, url = "", None
        entries.append(LogEntry(action, title, url))
    return entries


def moderation_log(page: int):
    """The public log, newest first: item, action, reason code and time; never the moderator."""
    result = db.paginate(log_statement(), page=page, per_page=LOG_PER_PAGE, error_out=False)
    return result, log_entries(result.items)


def can_read_comment(viewer, comment: Comment, now: datetime) -> tuple[bool, object]:
    subject = db.session.get(subjects.kind_named(comment.thread.subject_kind).model, comment.thread.subject_id)
    return (subject is not None and permissions.can_read_thread(viewer, subject, now)), subject

