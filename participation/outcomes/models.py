"""A round's outcome: the frozen, ranked tally recorded once when the round closes."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation.core.models import UTCDateTime
from participation.extensions import db
from participation.ideas.models import Idea
from participation.rounds.models import Round


class RoundOutcome(db.Model):
    """Written once, by the close, in the same transaction that sets Round.closed_at (with the
    ranking); the ideas' timelines and clocks follow in batches (results_written)."""

    __tablename__ = "round_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), unique=True)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime())  # the voting deadline, not when the job ran
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())  # when the job ran (for the audit)
    participants: Mapped[int] = mapped_column(Integer)  # distinct voters
    votes: Mapped[int] = mapped_column(Integer)
    ideas: Mapped[int] = mapped_column(Integer)  # ideas in the tally (listed at the close)
    selected: Mapped[int] = mapped_column(Integer)
    # [{"id": 3, "ideas": 4, "votes": 120, "participants": 80}, ...] by category and by district.
    by_category: Mapped[list] = mapped_column(JSON)
    by_district: Mapped[list] = mapped_column(JSON)
    repaired_counters: Mapped[int] = mapped_column(Integer, default=0)  # vote counters the recount corrected
    # The close and the publication each run as a claim and then short transactions, so a large
    # round never holds what votes elsewhere need: how far each has got, to resume after a crash.
    results_written: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # ranks with timeline and clock written
    closing_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # every step of the close done, followers told
    publication_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # everyone told of the publication

    round: Mapped[Round] = relationship()
    entries: Mapped[list[OutcomeEntry]] = relationship(order_by="OutcomeEntry.rank", back_populates="outcome")


class OutcomeEntry(db.Model):
    """One idea's line in the frozen tally."""

    __tablename__ = "outcome_entries"
    __table_args__ = (UniqueConstraint("outcome_id", "idea_id"), UniqueConstraint("outcome_id", "rank"))

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("round_outcomes.id", ondelete="CASCADE"))
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    votes: Mapped[int] = mapped_column(Integer)
    selected: Mapped[bool] = mapped_column(Boolean)
    tier_threshold: Mapped[int | None] = mapped_column(Integer)  # the highest tier it reached

    outcome: Mapped[RoundOutcome] = relationship(back_populates="entries")
    idea: Mapped[Idea] = relationship()
