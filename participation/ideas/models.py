"""Ideas, their photos, update notes and public status timeline."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation.accounts.models import Category, District, User
from participation.core.language import WrittenLanguageMixin
from participation.core.models import UTCDateTime
from participation.extensions import db

if TYPE_CHECKING:
    from participation.rounds.models import Round


class IdeaStatus(enum.StrEnum):
    PUBLISHED = "published"
    HIDDEN = "hidden"
    WITHDRAWN = "withdrawn"
    SELECTED = "selected"
    NOT_SELECTED = "not_selected"
    ANSWERED = "answered"
    IMPLEMENTED = "implemented"


# What the public may see in lists and search. Hidden and withdrawn ideas are
# left out everywhere alike; their own pages show why, and their timeline.
LISTED_STATUSES = frozenset(
    {IdeaStatus.PUBLISHED, IdeaStatus.SELECTED, IdeaStatus.NOT_SELECTED, IdeaStatus.ANSWERED, IdeaStatus.IMPLEMENTED}
)

TITLE_MAX = 120
BODY_MAX = 10_000
MAX_PHOTOS = 3


class Idea(WrittenLanguageMixin, db.Model):
    __tablename__ = "ideas"
    __language_of__ = ("title", "body")
    __language_writer__ = "author"
    __table_args__ = (
        CheckConstraint(
            "(latitude IS NULL AND longitude IS NULL) OR (latitude BETWEEN -90 AND 90 AND longitude BETWEEN -180 AND 180)",
            name="location",
        ),
        CheckConstraint("vote_count >= 0", name="vote_count"),
        Index("ix_ideas_round_status_votes", "round_id", "status", "vote_count"),
        # The most-votes ordering of a round, read backwards by the list page.
        Index("ix_ideas_round_ranking", "round_id", "vote_count", "created_at", "id"),
        Index("ix_ideas_ranking", "vote_count", "created_at", "id"),
        Index("ix_ideas_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body: Mapped[str] = mapped_column(Text)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), default=IdeaStatus.PUBLISHED.value)
    status_note: Mapped[str | None] = mapped_column(Text)  # why it was withdrawn or hidden
    # Caches kept by the voting and deliberation services; the rows are the truth.
    vote_count: Mapped[int] = mapped_column(Integer, default=0)
    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    # Character bigrams of title and body, maintained by the services; the full-text
    # index (FTS5 on SQLite, a GIN tsvector index on PostgreSQL) is built on it.
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    round: Mapped[Round] = relationship("Round")
    author: Mapped[User | None] = relationship()
    category: Mapped[Category] = relationship()
    district: Mapped[District | None] = relationship()
    photos: Mapped[list[IdeaPhoto]] = relationship(
        back_populates="idea", order_by="IdeaPhoto.position", cascade="all, delete-orphan"
    )
    updates: Mapped[list[IdeaUpdate]] = relationship(back_populates="idea", order_by="IdeaUpdate.created_at")
    timeline: Mapped[list[StatusChange]] = relationship(back_populates="idea", order_by="StatusChange.id")

    @property
    def is_listed(self) -> bool:
        return self.status in LISTED_STATUSES

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class IdeaPhoto(db.Model):
    """A re-encoded photo (EXIF and GPS gone) and its thumbnail, stored under a random name."""

    __tablename__ = "idea_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    idea: Mapped[Idea] = relationship(back_populates="photos")

    @property
    def filename(self) -> str:
        return f"{self.token}.jpg"

    @property
    def thumbnail_filename(self) -> str:
        return f"{self.token}-thumb.jpg"


class IdeaUpdate(WrittenLanguageMixin, db.Model):
    """A dated note the author adds once the idea can no longer be edited."""

    __tablename__ = "idea_updates"
    __language_of__ = ("body",)
    __language_writer__ = "author"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    idea: Mapped[Idea] = relationship(back_populates="updates")
    author: Mapped[User | None] = relationship()


class TimelineEvent(enum.StrEnum):
    SUBMITTED = "submitted"
    EDITED = "edited"
    UPDATE_POSTED = "update_posted"
    WITHDRAWN = "withdrawn"
    HIDDEN = "hidden"
    RESTORED = "restored"
    TIER_REACHED = "tier_reached"
    SELECTED = "selected"
    NOT_SELECTED = "not_selected"
    ANSWERED = "answered"
    RESPONSE_REVISED = "response_revised"
    PROGRESS = "progress"
    IMPLEMENTED = "implemented"


class StatusChange(db.Model):
    """One row of an idea's public timeline: who, when, what happened, from which status to which."""

    __tablename__ = "status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    event: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    # Facts for the timeline to show in the reader's language (a tier's votes and due date).
    details: Mapped[dict | None] = mapped_column(JSON)

    idea: Mapped[Idea] = relationship(back_populates="timeline")
    actor: Mapped[User | None] = relationship()
