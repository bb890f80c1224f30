"""The one clock, and the one way its moments are shown. Services take `now` explicitly; views get it from here."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
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


def deadline_day(moment: datetime) -> date:
    """The Seoul calendar day a deadline belongs to: one at 00:00 ends the day before."""
    local = as_utc(moment).astimezone(SEOUL)
    if _is_midnight(local):
        return (local - timedelta(days=1)).date()
    return local.date()


def _is_midnight(local: datetime) -> bool:
    return local.hour == local.minute == local.second == local.microsecond == 0


# The one way dates and times are shown, in Seoul time and the reader's language.
# CLDR's abbreviated Korean day period is "AM"/"PM"; residents read "오전"/"오후".
# 00:00 reads as the start of a day, yet a deadline then ends the day before:
# residents read "12월 10일 오전 12:00" as the end of 10 December, so midnight is
# written as 24:00 of the previous day.
DATE_PATTERNS = {"ko": "yyyy. M. d.", "en": "MMM d, yyyy"}
DATETIME_PATTERNS = {"ko": "yyyy. M. d. aaaa h:mm", "en": "MMM d, yyyy, h:mm a"}
MIDNIGHT_PATTERNS = {"ko": "yyyy. M. d. '24:00'", "en": "MMM d, yyyy, '24:00'"}


def _locale() -> str:
    from flask_babel import get_locale

    locale = str(get_locale() or "ko")
    return locale if locale in DATE_PATTERNS else "ko"


def format_local_datetime(value: datetime | None) -> str:
    """A moment as residents read it: in Seoul time, in their language, to the minute."""
    if not value:
        return ""
    from babel.dates import format_datetime

    locale = _locale()
    local = as_utc(value).astimezone(SEOUL)
    if _is_midnight(local):
        return format_datetime(local - timedelta(days=1), MIDNIGHT_PATTERNS[locale], tzinfo=SEOUL, locale=locale)
    return format_datetime(local, DATETIME_PATTERNS[locale], tzinfo=SEOUL, locale=locale)


def format_local_date(value: date | datetime | None) -> str:
    """A day in the reader's language; a moment is first taken to its Seoul day (midnight: the day before)."""
    if not value:
        return ""
    from babel.dates import format_date

    if isinstance(value, datetime):
        value = deadline_day(value)
    locale = _locale()
    return format_date(value, DATE_PATTERNS[locale], locale=locale)
