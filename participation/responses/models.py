"""Response clocks, official responses with their public revisions, and implementation updates."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation.accounts.models import Department, User
from participation.core.language import WrittenLanguageMixin
from participation.core.models import UTCDateTime
from participation.extensions import db
from participation.ideas.models import Idea
from participation.rounds.models import ResponseTier

EXPLANATION_MAX = 10_000
NOTE_MAX = 3_000
BUDGET_MAX = 10**13  # won: ten trillion, far above any city budget line
REMIND_BEFORE_DAYS = 3
ALERT_ADMINS_AFTER_DAYS = 7


class Decision(enum.StrEnum):
    ACCEPTED = "accepted"
    PARTIALLY_ACCEPTED = "partially_accepted"
    UNDER_REVIEW = "under_review"
    REJECTED = "rejected"
    IN_PROGRESS = "in_progress"  # already in progress before the idea


# Decisions after which officials report implementation progress.
IMPLEMENTING = frozenset({Decision.ACCEPTED, Decision.PARTIALLY_ACCEPTED, Decision.IN_PROGRESS})


class DueReason(enum.StrEnum):
    SELECTED = "selected"  # selected at the round's close
    TIER = "tier"  # reached a response tier without being selected
    SCORECARD = "scorecard"  # a monitoring panel's scorecard, at its campaign's close


# A clock or a response concerns exactly one subject: an idea, or a panel's scorecard.
ONE_SUBJECT = "(idea_id IS NULL) <> (scorecard_id IS NULL)"


class ResponseDue(db.Model):
    """A response clock: which department owes an answer to an idea or a scorecard, and by
    when. One per subject.

    Opened when a round closes, for every selected or tier-reaching idea, and when an
    evaluation campaign closes, for its scorecard. The
    reminder columns make each reminder a conditional update, so a sweep run
    twice (or in two processes) reminds once.
    """

    __tablename__ = "response_dues"
    __table_args__ = (
        CheckConstraint("reason IN ('selected', 'tier', 'scorecard')", name="reason"),
        CheckConstraint(ONE_SUBJECT, name="one_subject"),
        Index("ix_response_dues_open", "answered_at", "due_at"),
        Index("ix_response_dues_department", "department_id", "answered_at", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), unique=True)
    scorecard_id: Mapped[int | None] = mapped_column(ForeignKey("scorecards.id", ondelete="CASCADE"), unique=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    tier_id: Mapped[int | None] = mapped_column(ForeignKey("response_tiers.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Reminders sent: once REMIND_BEFORE_DAYS before, daily once overdue, admins once after ALERT_ADMINS_AFTER_DAYS.
    reminded_due_soon_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_overdue_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    overdue_reminders: Mapped[int] = mapped_column(Integer, default=0)
    admins_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    idea: Mapped[Idea | None] = relationship()
    # Named, not imported: scorecards belong to the panels domain, above this one.
    scorecard: Mapped[Any] = relationship("Scorecard")
    department: Mapped[Department] = relationship()
    tier: Mapped[ResponseTier | None] = relationship()

    def is_overdue(self, now: datetime) -> bool:
        # Strictly after the due time, as an answer given at that very moment is on time.
        return self.answered_at is None and now > self.due_at

    def was_late(self) -> bool:
        return self.answered_at is not None and self.answered_at > self.due_at


class OfficialResponse(WrittenLanguageMixin, db.Model):
    """The administration's current answer to an idea or a scorecard (a copy of its latest
    revision, so lists need no join). Every version is a public ResponseRevision."""

    __tablename__ = "official_responses"
    __language_of__ = ("explanation",)
    __table_args__ = (
        CheckConstraint(ONE_SUBJECT, name="one_subject"),
        CheckConstraint(
            "decision IN ('accepted', 'partially_accepted', 'under_review', 'rejected', 'in_progress')", name="decision"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), unique=True)
    scorecard_id: Mapped[int | None] = mapped_column(ForeignKey("scorecards.id", ondelete="CASCADE"), unique=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    decision: Mapped[str] = mapped_column(String(20))
    explanation: Mapped[str] = mapped_column(Text)
    explanation_html: Mapped[str] = mapped_column(Text)
    planned_completion: Mapped[date | None] = mapped_column(Date)
    budget_estimate: Mapped[int | None] = mapped_column(BigInteger)
    revision_count: Mapped[int] = mapped_column(Integer, default=0)
    progress: Mapped[int | None] = mapped_column(SmallInteger)  # the latest implementation update's percentage
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    idea: Mapped[Idea | None] = relationship()
    department: Mapped[Department] = relationship()
    revisions: Mapped[list[ResponseRevision]] = relationship(order_by="ResponseRevision.number", back_populates="response")

    @property
    def is_revised(self) -> bool:
        return self.revision_count > 1


class ResponseRevision(WrittenLanguageMixin, db.Model):
    """One version of an official response, kept for ever and shown publicly."""

    __tablename__ = "response_revisions"
    __language_of__ = ("explanation",)
    __language_writer__ = "author"
    __table_args__ = (
        UniqueConstraint("response_id", "number"),
        CheckConstraint(
            "decision IN ('accepted', 'partially_accepted', 'under_review', 'rejected', 'in_progress')", name="decision"
        ),
        CheckConstraint("budget_estimate IS NULL OR budget_estimate >= 0", name="budget"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("official_responses.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(20))
    explanation: Mapped[str] = mapped_column(Text)
    explanation_html: Mapped[str] = mapped_column(Text)  # through core.sanitize, once, at write time
    planned_completion: Mapped[date | None] = mapped_column(Date)
    budget_estimate: Mapped[int | None] = mapped_column(BigInteger)  # won
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    response: Mapped[OfficialResponse] = relationship(back_populates="revisions")
    author: Mapped[User | None] = relationship()
    department: Mapped[Department] = relationship()


class ImplementationUpdate(WrittenLanguageMixin, db.Model):
    """Progress on an accepted idea, as Decidim's accountability results: a percentage and a note."""

    __tablename__ = "implementation_updates"
    __language_of__ = ("note",)
    __language_writer__ = "author"
    __table_args__ = (CheckConstraint("progress BETWEEN 0 AND 100", name="progress"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    progress: Mapped[int] = mapped_column(SmallInteger)
    note: Mapped[str] = mapped_column(Text)
    note_html: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    author: Mapped[User | None] = relationship()
    department: Mapped[Department] = relationship()
