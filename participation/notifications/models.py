"""Follows, in-app notifications, per-person preferences, and the outbox (email and SMS).

Notifications know other domains only through what their signals carry: a
subject is named by its kind and id (as threads name theirs), never by a
foreign key into another domain's table.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from participation.core.models import UTCDateTime
from participation.extensions import db


class Kind(enum.StrEnum):
    """What a person chooses how to hear about (each has a preference and its own unsubscribe)."""

    MY_IDEAS = "my_ideas"  # one's own idea: a tier, a comment, a status, an answer, a moderation decision
    FOLLOWED = "followed"  # ideas and rounds one follows: status, answers, phases, closing, outcome
    REPLIES = "replies"  # a reply to one's comment
    PANELS = "panels"  # panel selection, campaigns opening, closing soon, closed, scorecards published
    OFFICIAL = "official"  # officials: a new idea for the department, answers due soon or overdue
    REQUESTS = "requests"  # one's own civil requests: every step, delays, the satisfaction survey


KINDS = tuple(k.value for k in Kind)

# Kinds a person may also take by SMS (news about what is their own; never what they merely follow).
SMS_KINDS = (Kind.REQUESTS.value, Kind.MY_IDEAS.value, Kind.PANELS.value)
# Kinds sent by SMS, to a person with a phone number, until they say otherwise: a civil request's
# applicant expects a text at each step (as with the national 국민신문고), so "My civil requests"
# is on by default; the others are off until ticked.
SMS_BY_DEFAULT = (Kind.REQUESTS.value,)


def sms_default(kind: str) -> bool:
    return kind in SMS_BY_DEFAULT


class Channel(enum.StrEnum):
    EMAIL = "email"  # in the list and by email
    IN_APP = "in_app"  # in the list only
    OFF = "off"


class Follow(db.Model):
    """A person following an idea or a round. Unfollowing keeps the row (active false), so an
    automatic follow (on voting again, say) never overrides the person's choice."""

    __tablename__ = "follows"
    __table_args__ = (
        UniqueConstraint("user_id", "subject_kind", "subject_id"),
        CheckConstraint("subject_kind IN ('idea', 'round')", name="subject_kind"),
        Index("ix_follows_subject", "subject_kind", "subject_id", "active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    subject_kind: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Notification(db.Model):
    """One event told to one person. `key` names the event; UNIQUE (user, key) makes each event
    reach each person once, however often a job or a signal runs."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "key"),
        Index("ix_notifications_user_unread", "user_id", "read_at", "id"),
        Index("ix_notifications_user_list", "user_id", "id"),  # the list, newest first
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    event: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(200))
    subject_kind: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(String(300))  # the subject's page on this site
    params: Mapped[dict] = mapped_column(JSON)  # what the message's text needs (a title, a tier…)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Waiting for the person's daily digest (email by digest), cleared once it is written.
    digest_pending: Mapped[bool] = mapped_column(Boolean, default=False)


class Preference(db.Model):
    """A person's choice for one kind; no row means the default (email, and SMS as sms_default says)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (CheckConstraint("channel IN ('email', 'in_app', 'off')", name="channel"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    channel: Mapped[str] = mapped_column(String(8))
    # Also by SMS (to the person's phone), on top of the channel above, for kinds that offer it.
    sms: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DigestSetting(db.Model):
    """Email as one daily digest instead of one message per event."""

    __tablename__ = "notification_digests"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    daily: Mapped[bool] = mapped_column(Boolean, default=False)
    last_sent_on: Mapped[str | None] = mapped_column(String(10))  # the Seoul date of the last digest


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"  # gave up after MAX_ATTEMPTS; kept, listed for admins


class OutboxMessage(db.Model):
    """An email, written in the same transaction as the event and delivered later by the
    scheduler, so a mail server that is down never slows or fails the request."""

    __tablename__ = "email_outbox"
    __table_args__ = (
        UniqueConstraint("key"),
        CheckConstraint("status IN ('pending', 'sent', 'dead')", name="status"),
        CheckConstraint("medium IN ('email', 'sms')", name="medium"),
        Index("ix_email_outbox_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(220))  # once per event and person (or per digest day)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    # What to say: (event, params, path) items, and whether it is a daily digest. Written out
    # (the fields below) when delivered, in the person's language then.
    items: Mapped[list] = mapped_column(JSON)
    digest: Mapped[bool] = mapped_column(Boolean, default=False)
    # The same outbox, retries and dead letters carry SMS: medium "sms" goes to `to_number`.
    medium: Mapped[str] = mapped_column(String(8), default="email", server_default="email")
    to_address: Mapped[str | None] = mapped_column(String(254))
    to_number: Mapped[str | None] = mapped_column(String(20))
    subject: Mapped[str | None] = mapped_column(String(300))
    text_body: Mapped[str | None] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    unsubscribe_url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(8), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class UsedUnsubscribeToken(db.Model):
    """An unsubscribe link works once: its nonce is kept here when used."""

    __tablename__ = "used_unsubscribe_tokens"

    nonce: Mapped[str] = mapped_column(String(32), primary_key=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime())
