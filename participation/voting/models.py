"""Votes and the response tiers ideas have reached."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation.accounts.models import User
from participation.core.models import UTCDateTime
from participation.extensions import db
from participation.ideas.models import Idea
from participation.rounds.models import ResponseTier


class Vote(db.Model):
    """One resident's support for one idea. The row is the truth; Idea.vote_count is its cache."""

    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("idea_id", "user_id", name="uq_votes_idea_user"),
        # The allowance check counts a person's votes in a round.
        Index("ix_votes_round_user", "round_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    idea: Mapped[Idea] = relationship()
    user: Mapped[User] = relationship()


class TierReached(db.Model):
    """The moment an idea first reached a response tier, and the answer it is then owed. Once only."""

    __tablename__ = "tiers_reached"
    __table_args__ = (UniqueConstraint("idea_id", "tier_id", name="uq_tiers_reached_idea_tier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    tier_id: Mapped[int] = mapped_column(ForeignKey("response_tiers.id", ondelete="CASCADE"))
    reached_at: Mapped[datetime] = mapped_column(UTCDateTime())
    response_due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    responder: Mapped[str] = mapped_column(String(16))

    idea: Mapped[Idea] = relationship()
    tier: Mapped[ResponseTier] = relationship()
