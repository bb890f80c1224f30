"""Threads, comments, comment votes, flags, the moderation queue and the public moderation log.

A thread belongs to a subject named by kind and id ("idea", 42): any kind of
record opts in by registering itself in `deliberation.subjects`, so the tables
here never change when a new kind of subject gains a discussion.
"""
from __future__ import annotations

import enum
from datetime import datetime, timedelta

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation.accounts.models import Department, User
from participation.core.language import WrittenLanguageMixin
from participation.core.models import UTCDateTime
from participation.extensions import db
from participation.ideas.models import Idea

BODY_MAX = 3_000
MAX_DEPTH = 3  # a top-level comment is depth 0; replies go to depth 3
EDIT_WINDOW = timedelta(minutes=15)
PER_PAGE = 50  # top-level comments per page
REPLIES_SHOWN = 20  # replies under each top-level comment on a thread page; the rest on the comment's own page
FLAGS_TO_HIDE = 3
# A new account's first comments with links wait for a moderator.
NEW_ACCOUNT_AGE = timedelta(days=7)
NEW_ACCOUNT_COMMENTS = 3
FLAG_TEXT_MAX = 500
NOTE_MAX = 1_000


class Stance(enum.StrEnum):
    FOR = "for"
    AGAINST = "against"
    NEUTRAL = "neutral"


class CommentStatus(enum.StrEnum):
    VISIBLE = "visible"
    HELD = "held"  # waiting for a moderator (a new account's comment with links)
    REJECTED = "rejected"  # held, then turned down: never published, so never in the public tree
    HIDDEN = "hidden"  # hidden by moderation, or by flags until reviewed
    DELETED = "deleted"  # deleted by its author; stays in the tree as a placeholder


class FlagReason(enum.StrEnum):
    SPAM = "spam"
    ABUSE = "abuse"
    PERSONAL_DATA = "personal_data"
    OFF_TOPIC = "off_topic"
    OTHER = "other"


class ModerationReason(enum.StrEnum):
    """Reason codes for moderators' decisions; the first five match the flag reasons."""

    SPAM = "spam"
    ABUSE = "abuse"
    PERSONAL_DATA = "personal_data"
    OFF_TOPIC = "off_topic"
    OTHER = "other"
    NO_VIOLATION = "no_violation"


HIDE_REASONS = (
    ModerationReason.SPAM,
    ModerationReason.ABUSE,
    ModerationReason.PERSONAL_DATA,
    ModerationReason.OFF_TOPIC,
    ModerationReason.OTHER,
)
RESTORE_REASONS = (ModerationReason.NO_VIOLATION, ModerationReason.OTHER)


class ModerationActionKind(enum.StrEnum):
    AUTO_HIDDEN = "auto_hidden"  # hidden by reaching FLAGS_TO_HIDE flags, until reviewed
    HIDDEN = "hidden"
    RESTORED = "restored"
    APPROVED = "approved"  # a held comment published after review
    REJECTED = "rejected"  # a held comment turned down: it was never published
    DISMISSED = "dismissed"  # reports looked at and the item left as it was
    SUSPENDED = "suspended"
    SUSPENSION_LIFTED = "suspension_lifted"


class QueueReason(enum.StrEnum):
    FLAGGED = "flagged"
    HELD = "held"
    REVIEW_REQUESTED = "review_requested"
    MODERATOR = "moderator"  # a moderator came across it and put it up for a decision


class Thread(db.Model):
    __tablename__ = "threads"
    __table_args__ = (UniqueConstraint("subject_kind", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(24))
    subject_id: Mapped[int] = mapped_column(Integer)
    # Visible comments; a cache the services recount from the rows on every change.
    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Comment(WrittenLanguageMixin, db.Model):
    __tablename__ = "comments"
    __language_of__ = ("body",)
    __language_writer__ = "author"
    __table_args__ = (
        CheckConstraint("stance IN ('for', 'against', 'neutral')", name="stance"),
        CheckConstraint("status IN ('visible', 'held', 'rejected', 'hidden', 'deleted')", name="status"),
        CheckConstraint(f"depth BETWEEN 0 AND {MAX_DEPTH}", name="depth"),
        CheckConstraint("(depth = 0) = (parent_id IS NULL)", name="parent_depth"),
        CheckConstraint("up_count >= 0 AND down_count >= 0", name="vote_counts"),
        # A page of top-level comments in each order.
        Index("ix_comments_thread_top_created", "thread_id", "depth", "created_at", "id"),
        Index("ix_comments_thread_top_best", "thread_id", "depth", "best_score", "created_at"),
        Index("ix_comments_thread_stance", "thread_id", "status", "stance"),
        # The replies under a page of top-level comments.
        Index("ix_comments_root_created", "root_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"), index=True)
    # The top-level comment this one hangs under (itself for a top-level comment).
    root_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    depth: Mapped[int] = mapped_column(SmallInteger, default=0)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # The department of an official, as it was when they wrote (the "official" badge).
    official_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    stance: Mapped[str] = mapped_column(String(8))
    body: Mapped[str] = mapped_column(Text)
    # The body rendered once through core.sanitize, at write time.
    body_html: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8), default=CommentStatus.VISIBLE.value)
    up_count: Mapped[int] = mapped_column(Integer, default=0)
    down_count: Mapped[int] = mapped_column(Integer, default=0)
    # Lower bound of the 95% Wilson interval of the share of up votes: "best" order.
    best_score: Mapped[float] = mapped_column(Float, default=0.0)
    reply_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    thread: Mapped[Thread] = relationship()
    author: Mapped[User | None] = relationship()
    official_department: Mapped[Department | None] = relationship()
    parent: Mapped[Comment | None] = relationship(remote_side=[id], foreign_keys=[parent_id])

    # Filled by the thread page loader (deliberation.reading): the replies shown
    # under this comment, and how many more its own page has.
    replies = ()
    reply_total = 0
    hidden_replies = 0
    # The last moderation decision, filled for the viewer's own hidden comments (what their author is told).
    latest_decision = None

    @property
    def is_visible(self) -> bool:
        return self.status == CommentStatus.VISIBLE

    @property
    def is_unpublished(self) -> bool:
        """Held for a moderator or turned down: only its author and the moderators know it exists."""
        return self.status in UNPUBLISHED


UNPUBLISHED = (CommentStatus.HELD.value, CommentStatus.REJECTED.value)


class CommentVote(db.Model):
    __tablename__ = "comment_votes"
    __table_args__ = (UniqueConstraint("comment_id", "user_id"), CheckConstraint("value IN (-1, 1)", name="value"))

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    value: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


_ONE_TARGET = "(comment_id IS NULL) <> (idea_id IS NULL)"


class Flag(db.Model):
    """A resident's report of a comment or an idea; one per person and item."""

    __tablename__ = "flags"
    __table_args__ = (
        CheckConstraint(_ONE_TARGET, name="one_target"),
        CheckConstraint("reason IN ('spam', 'abuse', 'personal_data', 'off_topic', 'other')", name="reason"),
        UniqueConstraint("comment_id", "user_id"),
        UniqueConstraint("idea_id", "user_id"),
        Index("ix_flags_idea", "idea_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    reason: Mapped[str] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Set when a moderator decides on the item; only unresolved flags count towards hiding.
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ModerationItem(db.Model):
    """An entry in the moderators' queue: one open item per comment or idea at a time."""

    __tablename__ = "moderation_items"
    __table_args__ = (
        CheckConstraint(_ONE_TARGET, name="one_target"),
        Index("ix_moderation_items_open", "closed_at", "opened_at"),
        Index("ix_moderation_items_comment", "comment_id"),
        Index("ix_moderation_items_idea", "idea_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(20))  # QueueReason: why it entered the queue
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    review_requested: Mapped[bool] = mapped_column(default=False)
    review_note: Mapped[str | None] = mapped_column(Text)  # the author's words when asking for a review
    review_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    comment: Mapped[Comment | None] = relationship()
    idea: Mapped[Idea | None] = relationship()


class ModerationAction(db.Model):
    """One row of the public moderation log. The moderator is kept for the audit, never shown."""

    __tablename__ = "moderation_actions"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN comment_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN idea_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN user_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_target",
        ),
        Index("ix_moderation_actions_time", "occurred_at", "id"),
        Index("ix_moderation_actions_comment", "comment_id"),
        Index("ix_moderation_actions_idea", "idea_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))  # a suspension
    action: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)  # told to the author, not published
    until: Mapped[datetime | None] = mapped_column(UTCDateTime())  # end of a suspension
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())

    comment: Mapped[Comment | None] = relationship()
    idea: Mapped[Idea | None] = relationship()
