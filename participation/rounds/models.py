"""A participation round: what it is about, when it is open, and how its ideas are answered."""
from __future__ import annotations

import enum
from datetime import datetime, timedelta

from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation.accounts.models import Category, Department, District, User
from participation.core.language import WrittenLanguageMixin
from participation.core.models import UTCDateTime
from participation.extensions import db


class Phase(enum.StrEnum):
    DRAFT = "draft"
    UPCOMING = "upcoming"
    SUBMISSION = "submission"
    REVIEW = "review"  # submissions closed, voting not yet open
    VOTING = "voting"
    CLOSED = "closed"
    PUBLISHED = "published"


OPEN_PHASES = frozenset({Phase.SUBMISSION, Phase.REVIEW, Phase.VOTING})


class SelectionRule(enum.StrEnum):
    TOP_N = "top_n"
    FIRST_TIER = "first_tier"


class Responder(enum.StrEnum):
    DEPARTMENT = "department"
    MAYOR_OFFICE = "mayor_office"


round_categories = Table(
    "round_categories",
    db.metadata,
    Column("round_id", ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("categories.id"), primary_key=True),
)
round_districts = Table(
    "round_districts",
    db.metadata,
    Column("round_id", ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True),
    Column("district_id", ForeignKey("districts.id"), primary_key=True),
)


class Round(WrittenLanguageMixin, db.Model):
    __tablename__ = "rounds"
    __language_of__ = ("title", "description")
    __language_writer__ = "created_by"
    __table_args__ = (
        CheckConstraint("votes_per_resident IS NULL OR votes_per_resident > 0", name="votes_per_resident"),
        CheckConstraint("selection_rule IN ('top_n', 'first_tier')", name="selection_rule"),
        CheckConstraint("selection_rule <> 'top_n' OR selection_top_n > 0", name="top_n"),
        CheckConstraint("publish_delay_hours >= 0", name="publish_delay"),
        CheckConstraint(
            "submission_opens_at < submission_closes_at AND submission_closes_at <= voting_opens_at"
            " AND voting_opens_at < voting_closes_at",
            name="windows_in_order",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submission_opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submission_closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    voting_opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    voting_closes_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    votes_per_resident: Mapped[int | None] = mapped_column(Integer)
    selection_rule: Mapped[str] = mapped_column(String(16), default=SelectionRule.FIRST_TIER.value)
    selection_top_n: Mapped[int | None] = mapped_column(Integer)
    publish_delay_hours: Mapped[int] = mapped_column(Integer, default=0)
    voting_requires_verification: Mapped[bool] = mapped_column(Boolean, default=False)
    allow_author_votes: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Stored transitions; everything else about the phase follows from the dates.
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The last phase announced to the round's followers (submission or voting), so each is told once.
    announced_phase: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    department: Mapped[Department] = relationship()
    created_by: Mapped[User | None] = relationship()
    categories: Mapped[list[Category]] = relationship(secondary=round_categories, order_by=Category.name_ko)
    districts: Mapped[list[District]] = relationship(secondary=round_districts, order_by=District.name_ko)
    tiers: Mapped[list[ResponseTier]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="ResponseTier.threshold"
    )

    def phase(self, now: datetime) -> Phase:
        if self.scheduled_at is None:
            return Phase.DRAFT
        if self.published_at is not None:
            return Phase.PUBLISHED
        if self.closed_at is not None or now >= self.voting_closes_at:
            return Phase.CLOSED
        if now < self.submission_opens_at:
            return Phase.UPCOMING
        if now < self.submission_closes_at:
            return Phase.SUBMISSION
        if now < self.voting_opens_at:
            return Phase.REVIEW
        return Phase.VOTING

    @property
    def publishes_at(self) -> datetime:
        """When the outcome goes public: the voting deadline plus the publish delay."""
        return self.voting_closes_at + timedelta(hours=self.publish_delay_hours or 0)

    def is_open(self, now: datetime) -> bool:
        """Scheduled and not yet closed: ideas may still change."""
        return self.phase(now) in OPEN_PHASES

    @property
    def first_tier(self) -> ResponseTier | None:
        return self.tiers[0] if self.tiers else None

    def covers_district(self, district: District | None) -> bool:
        """An empty district list means the whole city."""
        if not self.districts or district is None:
            return True
        return district in self.districts or (district.parent is not None and district.parent in self.districts)


class ResponseTier(db.Model):
    """'≥ 50 votes: the department answers within 14 days.'"""

    __tablename__ = "response_tiers"
    __table_args__ = (
        UniqueConstraint("round_id", "threshold", name="uq_response_tiers_round_threshold"),
        CheckConstraint("threshold > 0", name="threshold"),
        CheckConstraint("response_days > 0", name="response_days"),
        CheckConstraint("responder IN ('department', 'mayor_office')", name="responder"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    threshold: Mapped[int]
    responder: Mapped[str] = mapped_column(String(16))
    response_days: Mapped[int]

    round: Mapped[Round] = relationship(back_populates="tiers")
