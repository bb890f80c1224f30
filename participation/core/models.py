"""Column types and mixins shared by every domain's models."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String, types
from sqlalchemy.orm import Mapped, mapped_column

from participation.core.time import as_utc


class UTCDateTime(types.TypeDecorator):
    """A timestamp stored in UTC and always returned as an aware UTC datetime.

    PostgreSQL keeps the zone (timestamptz); SQLite drops it, so values are
    normalised on the way in and re-tagged as UTC on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError("UTCDateTime needs a datetime")
        value = as_utc(value)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        return None if value is None else as_utc(value)


class LocalizedNameMixin:
    """Reference data carries its name in both languages; Korean is required."""

    name_ko: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")

    def name_for(self, locale: str) -> str:
        if locale == "en" and self.name_en:
            return self.name_en
        return self.name_ko


class RetirableMixin:
    """Reference data is retired, never deleted, so old records keep their labels."""

    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None
