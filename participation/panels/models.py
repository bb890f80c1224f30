"""Citizen monitoring panels (시민 모니터링단): panels and their members, public services,
evaluation campaigns with their rubrics, panelists' evaluations, and frozen scorecards
with the department's action plan.

A panel recruits residents, who apply with only a district and an age band; members are
drawn by a reproducible stratified lottery (`lottery.py`) or appointed. A campaign asks the
panel to score one service against a rubric of weighted criteria on a 1–5 scale. At its
close a scheduler sweep freezes the scorecard, once, and starts the department's response
clock (a responses.ResponseDue); the scorecard is published with the department's answer
(a responses.OfficialResponse) and action plan.
"""
from __future__ import annotations

import enum
import unicodedata
from datetime import date, datetime, timedelta

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation.accounts.models import Department, District, User
from participation.core.language import WrittenLanguageMixin
from participation.core.models import UTCDateTime
from participation.extensions import db

LEVELS = 5  # every criterion is scored 1–5
AGE_BANDS = ("19-29", "30-39", "40-49", "50-59", "60-69", "70+")
STRATA = ("district", "age_band")
NAME_MAX = 200
TEXT_MAX = 5_000
COMMENT_MAX = 3_000
LABEL_MAX = 100
MAX_CRITERIA = 12


class SelectionMethod(enum.StrEnum):
    LOTTERY = "lottery"
    APPOINTMENT = "appointment"


class MemberStatus(enum.StrEnum):
    APPLIED = "applied"
    SELECTED = "selected"  # a member
    NOT_SELECTED = "not_selected"  # drawn out; stays on the reserve list
    LEFT = "left"  # was a member and left, or stepped down from the reserve list
    WITHDRAWN = "withdrawn"  # withdrew the application before the draw


class Panel(WrittenLanguageMixin, db.Model):
    __tablename__ = "panels"
    __language_of__ = ("name", "purpose")
    __table_args__ = (
        CheckConstraint("target_size > 0", name="target_size"),
        CheckConstraint("selection_method IN ('lottery', 'appointment')", name="selection_method"),
        CheckConstraint("recruitment_opens_at < recruitment_closes_at", name="recruitment_window"),
        CheckConstraint("term_starts_on <= term_ends_on", name="term"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    purpose: Mapped[str] = mapped_column(Text)
    purpose_html: Mapped[str] = mapped_column(Text)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    term_starts_on: Mapped[date] = mapped_column(Date)
    term_ends_on: Mapped[date] = mapped_column(Date)
    target_size: Mapped[int] = mapped_column(Integer)
    strata: Mapped[list] = mapped_column(JSON)  # a subset of STRATA, in that order
    selection_method: Mapped[str] = mapped_column(String(16))
    recruitment_opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recruitment_closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The lottery's published seed, and when the draw was made (once).
    draw_seed: Mapped[str | None] = mapped_column(String(64))
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    department: Mapped[Department] = relationship()

    def is_recruiting(self, now: datetime) -> bool:
        """Within the window; a lottery panel stops at its draw, an appointment panel keeps
        taking applications while it appoints."""
        in_window = self.recruitment_opens_at <= now < self.recruitment_closes_at
        return in_window and (self.selection_method == SelectionMethod.APPOINTMENT or self.drawn_at is None)


class PanelMember(db.Model):
    """An application to a panel, and (once selected) a membership. Only the pseudonym,
    district and age band are ever public."""

    __tablename__ = "panel_members"
    __table_args__ = (
        UniqueConstraint("panel_id", "user_id"),
        UniqueConstraint("panel_id", "pseudonym"),
        CheckConstraint("status IN ('applied', 'selected', 'not_selected', 'left', 'withdrawn')", name="status"),
        Index("ix_panel_members_panel_status", "panel_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    pseudonym: Mapped[str] = mapped_column(String(16))
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"))
    # The 구 as named when the person applied (NFC): the public list the draw runs on, which a
    # later renaming or reorganisation of districts must not change.
    district_name: Mapped[str] = mapped_column(String(100))
    age_band: Mapped[str] = mapped_column(String(8))
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16))
    selected_by: Mapped[str | None] = mapped_column(String(16))  # lottery, appointment or replacement
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    panel: Mapped[Panel] = relationship()
    user: Mapped[User] = relationship()
    district: Mapped[District] = relationship()

    @property
    def is_member(self) -> bool:
        return self.status == MemberStatus.SELECTED

    def stratum(self, strata) -> tuple[str, ...]:
        """The lottery stratum: the panel's strata values, a 동 counted in its 구, in Unicode NFC
        (as lottery.py reads them: a name typed in decomposed jamo is the same 구, and sorts the same)."""
        values = {"district": unicodedata.normalize("NFC", self.district_name), "age_band": unicodedata.normalize("NFC", self.age_band)}
        return tuple(values[name] for name in strata)


class PublicService(WrittenLanguageMixin, db.Model):
    """A public service the panels evaluate (a bus line, a civil-service desk, a park)."""

    __tablename__ = "public_services"
    __language_of__ = ("name", "description")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    description: Mapped[str] = mapped_column(Text)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    department: Mapped[Department] = relationship()


class CampaignPhase(enum.StrEnum):
    DRAFT = "draft"
    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"
    PUBLISHED = "published"


class Campaign(WrittenLanguageMixin, db.Model):
    __tablename__ = "campaigns"
    __language_of__ = ("title",)
    __table_args__ = (
        CheckConstraint("opens_at < closes_at", name="window"),
        CheckConstraint("publish_delay_days >= 0", name="publish_delay"),
        CheckConstraint("response_days > 0", name="response_days"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(NAME_MAX))
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("public_services.id"), index=True)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    photo_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    # The department answers within response_days of the close; the scorecard is public
    # publish_delay_days after the close (or earlier, once answered).
    response_days: Mapped[int] = mapped_column(Integer, default=14)
    publish_delay_days: Mapped[int] = mapped_column(Integer, default=14)
    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    # When members were told it opened, and that it closes within a day (each once).
    opened_announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closing_announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Stored transitions, as for rounds; the rest of the phase follows from the dates.
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    panel: Mapped[Panel] = relationship()
    service: Mapped[PublicService] = relationship()
    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", order_by="Criterion.position"
    )

    def phase(self, now: datetime) -> CampaignPhase:
        if self.scheduled_at is None:
            return CampaignPhase.DRAFT
        if self.published_at is not None:
            return CampaignPhase.PUBLISHED
        if self.closed_at is not None or now >= self.closes_at:
            return CampaignPhase.CLOSED
        if now < self.opens_at:
            return CampaignPhase.UPCOMING
        return CampaignPhase.OPEN

    @property
    def publishes_at(self) -> datetime:
        return self.closes_at + timedelta(days=self.publish_delay_days or 0)

    @property
    def response_due_at(self) -> datetime:
        return self.closes_at + timedelta(days=self.response_days or 0)


class Criterion(WrittenLanguageMixin, db.Model):
    """One rubric criterion: a name, a description, a positive weight and a label for each level 1–5."""

    __tablename__ = "criteria"
    __language_of__ = ("name", "description")
    __table_args__ = (CheckConstraint("weight > 0", name="weight"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    description: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[float] = mapped_column(Float)
    labels: Mapped[list] = mapped_column(JSON)  # LEVELS strings, for 1..5

    campaign: Mapped[Campaign] = relationship(back_populates="criteria")


class EvaluationStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class Evaluation(db.Model):
    """One panelist's evaluation of a campaign's service: one per panelist (UNIQUE)."""

    __tablename__ = "evaluations"
    __table_args__ = (
        UniqueConstraint("campaign_id", "user_id"),
        CheckConstraint("status IN ('draft', 'submitted')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text, default="")
    visit_date: Mapped[date | None] = mapped_column(Date)
    photo_token: Mapped[str | None] = mapped_column(String(32), unique=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    campaign: Mapped[Campaign] = relationship()
    user: Mapped[User] = relationship()
    scores: Mapped[list[Score]] = relationship(back_populates="evaluation", cascade="all, delete-orphan", lazy="selectin")

    def score_for(self, criterion_id: int) -> int | None:
        return next((s.value for s in self.scores if s.criterion_id == criterion_id), None)


class Score(db.Model):
    __tablename__ = "scores"
    __table_args__ = (CheckConstraint(f"value BETWEEN 1 AND {LEVELS}", name="value"),)

    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id", ondelete="CASCADE"), primary_key=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id", ondelete="CASCADE"), primary_key=True)
    value: Mapped[int] = mapped_column(SmallInteger)

    evaluation: Mapped[Evaluation] = relationship(back_populates="scores")


class Scorecard(db.Model):
    """The campaign's statistics, computed once at its close and never changed."""

    __tablename__ = "scorecards"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), unique=True)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    members: Mapped[int] = mapped_column(Integer)
    submitted: Mapped[int] = mapped_column(Integer)
    response_rate: Mapped[float | None] = mapped_column(Float)
    overall: Mapped[float | None] = mapped_column(Float)
    alpha: Mapped[float | None] = mapped_column(Float)
    previous_campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    previous_overall: Mapped[float | None] = mapped_column(Float)
    # One entry per criterion: {"criterion_id", "name", "weight", "labels", "stats": CriterionStats.to_dict()}
    criteria: Mapped[list] = mapped_column(JSON)
    # The members are told of the close and of the publication in short transactions after the
    # claim; these say it is done (a crash in between is resumed by the next sweep).
    closing_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    publication_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    campaign: Mapped[Campaign] = relationship(foreign_keys=[campaign_id])

    @property
    def change(self) -> float | None:
        if self.overall is None or self.previous_overall is None:
            return None
        return self.overall - self.previous_overall


class ActionItem(WrittenLanguageMixin, db.Model):
    """One step of the department's action plan in answer to a scorecard."""

    __tablename__ = "action_items"
    __language_of__ = ("title", "note")
    __table_args__ = (CheckConstraint("progress BETWEEN 0 AND 100", name="progress"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(NAME_MAX))
    due_on: Mapped[date] = mapped_column(Date)
    progress: Mapped[int] = mapped_column(SmallInteger, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
