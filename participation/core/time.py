"""The one clock. Services take `now` explicitly; views get it from here."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

SEOUL = ZoneInfo("Asia/Seoul")


def now() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Treat a naive datetime as UTC (what SQLite hands back) and convert aware ones to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def from_local(value: datetime) -> datetime:
    """A wall-clock time typed in Seoul (naive) as an aware UTC datetime."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=SEOUL)
    return value.astimezone(UTC)


def to_local(value: datetime | None) -> datetime | None:
    """An aware UTC datetime as Seoul wall-clock time (naive), for form inputs."""
    if value is None:
        return None
    return as_utc(value).astimezone(SEOUL).replace(tzinfo=None)
