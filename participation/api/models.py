"""API keys: issued by an administrator to a client app, stored only as a hash of the secret."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from participation.core.models import UTCDateTime
from participation.extensions import db


class ApiScope(enum.StrEnum):
    READ = "read"
    OPEN311_SUBMIT = "open311_submit"


SCOPE_VALUES = tuple(scope.value for scope in ApiScope)


class ApiKey(db.Model):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # The secret's first characters, shown in lists so an admin can tell keys apart; not enough to use one.
    prefix: Mapped[str] = mapped_column(String(8), index=True)
    # sha256 of the whole secret, hex. The secret itself is shown once and never stored.
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    use_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def allows(self, scope: str) -> bool:
        return scope in (self.scopes or [])
