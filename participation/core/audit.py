"""The audit log: who did what, when. Never passwords, never raw IP addresses.

The client address is kept only as a keyed hash (HMAC with the app's secret
key), enough to see that several failed logins came from one place without
storing where that place is.
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any

from flask import current_app, has_request_context, request
from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from participation.core.models import UTCDateTime
from participation.extensions import db

# Keys that must never be written to the log, whatever a caller passes.
_FORBIDDEN_KEYS = {"password", "password_hash", "current_password", "new_password", "token", "ip", "secret", "api_key"}


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject_type: Mapped[str | None] = mapped_column(String(32))
    subject_id: Mapped[int | None]
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    client_hash: Mapped[str | None] = mapped_column(String(16))


def client_hash() -> str | None:
    if not has_request_context():
        return None
    address = request.remote_addr or ""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()[:16]


def record(
    action: str,
    now: datetime,
    actor=None,
    subject=None,
    **data: Any,
) -> AuditEvent:
    """Add an audit event to the session (the caller commits with its own change)."""
    clean = {k: v for k, v in data.items() if k not in _FORBIDDEN_KEYS}
    event = AuditEvent(
        occurred_at=now,
        actor_id=getattr(actor, "id", None),
        action=action,
        subject_type=subject.__tablename__ if subject is not None else None,
        subject_id=getattr(subject, "id", None),
        data=clean,
        client_hash=client_hash(),
    )
    db.session.add(event)
    return event
