"""The statutory clock of a civil request (민원 처리기간), as pure functions.

Sources: 「민원 처리에 관한 법률」 (법) and its 시행령 (영), as amended up to 2026. Each figure
below names its article.

Working time
    A working day is a weekday (Monday to Friday) that is neither a public holiday of the
    `holidays` package's South Korea calendar (lunar holidays, substitute days and election
    days included, as the package has them) nor a local holiday the city adds.
    Working hours are 09:00-18:00 Seoul time with the lunch hour 12:00-13:00 not counted:
    two blocks, 09:00-12:00 and 13:00-18:00, so a working day holds exactly the 8 working
    hours that 법 제19조① counts as one day. Time at lunch, in the evening, at night and on
    non-working days never runs. A period that ends exactly at 12:00 is due at 12:00.

Periods of 5 days or less (법 제19조①)
    Counted in working hours from the moment of receipt (접수시각), 8 working hours a day:
    `Period.days(5)` runs 40 working hours and `Period.hours(3)` three. A request received
    outside working hours starts at the next working moment (before 09:00: 09:00 that day;
    at lunch: 13:00; after 18:00 or on a non-working day: 09:00 of the next working day).
    "즉시" is 3 working hours.

Periods of 6 days or more (법 제19조②)
    Counted in working days with the first day included (초일 산입): the day of receipt is
    day 1 when it is a working day and the request arrived before 18:00 (at any hour before
    the close, 08:00 included); otherwise day 1 is the next working day. The request is due at
    18:00 of the Nth working day.

Waiting for the applicant (보완)
    The time spent waiting for a supplement is not counted (영 제20조제1호, which applies
    행정절차법 시행령 제11조제1호: the waiting counts from the day the request for the supplement
    is sent to the day the supplement arrives, both days included). Pauses are cut at the
    moment of receipt and merged where they overlap.
    - Hours-period: the working time inside each pause does not run; the due time moves back
      by exactly that working time, as if the clock had stopped.
    - Days-period: a working day that a pause touches, fully or partly (its first day and its
      last day included, as the statute says), is not counted, so a one-hour pause on a
      Tuesday costs the whole Tuesday.
    A pause that starts at or after the due time (the request was already late) changes
    nothing. An open pause (`ended_at` None) that starts before the due time stops the clock
    with no end yet: there is no due time (None) until the applicant answers.

Extension (영 제21조: once, by up to the original period)
    `extend` gives the latest due time an extension by a period may set, counted from the
    current due time exactly as a new receipt at that moment would be: a days-period due at
    18:00 adds N further working days, an hours-period adds its working hours.

Moments come in and go out as aware UTC datetimes (naive ones are taken as UTC, as
everywhere in the project); all counting is done on the Seoul wall clock (no daylight
saving time).
"""
from __future__ import annotations

import enum
import functools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

import holidays

from participation.core.time import SEOUL, as_utc

# What extensions add to a period: working time (hours-counted) or working days (days-counted).
Extra = timedelta | int | None

HOURS_PER_DAY = 8  # 법 제19조① 후단: 1일은 8시간의 근무시간을 기준으로 한다
WORKING_BLOCKS = ((time(9), time(12)), (time(13), time(18)))  # 12:00-13:00 lunch not counted
DAY_CLOSES = time(18)
LONGEST_HOURS_PERIOD_IN_DAYS = 5  # 법 제19조①: 5일 이하는 "시간" 단위, ② 6일 이상은 "일" 단위
IMMEDIATE_HOURS = 3  # "즉시" = 3근무시간 이내 (영 제19조)
_SEARCH_LIMIT_DAYS = 3660  # a calendar with no working day in ten years is a broken calendar


class Kind(enum.StrEnum):
    QUESTION_LAW = "question_law"  # 질의민원, 법령에 관한 설명·해석: 14일 이내 (영 제14조①1)
    QUESTION_PROCEDURE = "question_procedure"  # 질의민원, 제도·절차 등 법령 외: 7일 이내 (영 제14조①2)
    SUGGESTION = "suggestion"  # 건의민원: 14일 이내 (영 제15조)
    GRIEVANCE = "grievance"  # 고충민원: 7일 이내 (영 제17조①)
    OTHER = "other"  # 기타민원: 즉시 (영 제16조①), 즉시 = 3근무시간 (영 제19조)


@dataclass(frozen=True)
class Period:
    amount: int
    unit: Literal["hours", "days"]

    def __post_init__(self) -> None:
        if self.unit not in ("hours", "days"):
            raise ValueError(f"unknown period unit: {self.unit!r}")
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount < 1:
            raise ValueError(f"a period is a positive whole number, not {self.amount!r}")

    @classmethod
    def days(cls, amount: int) -> Period:
        return cls(amount, "days")

    @classmethod
    def hours(cls, amount: int) -> Period:
        return cls(amount, "hours")

    @property
    def counts_hours(self) -> bool:
        """Whether the statute counts this period in working hours (5 days or less) rather than days."""
        return self.unit == "hours" or self.amount <= LONGEST_HOURS_PERIOD_IN_DAYS

    @property
    def working_hours(self) -> int:
        """The working hours an hours-counted period runs (`Period.days(5)`: 40)."""
        return self.amount if self.unit == "hours" else self.amount * HOURS_PER_DAY


DEFAULT_PERIODS: dict[Kind, Period] = {
    Kind.QUESTION_LAW: Period.days(14),  # 영 제14조①1
    Kind.QUESTION_PROCEDURE: Period.days(7),  # 영 제14조①2
    Kind.SUGGESTION: Period.days(14),  # 영 제15조
    Kind.GRIEVANCE: Period.days(7),  # 영 제17조①
    Kind.OTHER: Period.hours(IMMEDIATE_HOURS),  # 영 제16조①, 영 제19조
}


@functools.lru_cache(maxsize=64)
def national_holidays(year: int) -> frozenset[date]:
    """South Korea's public holidays of one year (the `holidays` package), built once per process."""
    return frozenset(holidays.country_holidays("KR", years=year))


class Calendar:
    """Working days: weekdays that are neither South Korean public holidays nor local ones."""

    def __init__(self, local_holidays: Iterable[date] = ()) -> None:
        self.local_holidays = frozenset(local_holidays)

    def is_holiday(self, day: date) -> bool:
        return day in self.local_holidays or day in national_holidays(day.year)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and not self.is_holiday(day)

    def next_working_day(self, day: date) -> date:
        """The first working day after `day`."""
        for _ in range(_SEARCH_LIMIT_DAYS):
            day += timedelta(days=1)
            if self.is_working_day(day):
                return day
        raise ValueError("no working day in ten years")


@dataclass(frozen=True)
class Pause:
    """Waiting for the applicant's supplement (보완); `ended_at` is None while still waiting."""

    started_at: datetime
    ended_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.ended_at is not None and as_utc(self.ended_at) < as_utc(self.started_at):
            raise ValueError("a pause cannot end before it starts")


def due_at(
    received_at: datetime, period: Period, calendar: Calendar, pauses: Sequence[Pause] = (),
    extended_by: Extra = None,
) -> datetime | None:
    """When a request received at `received_at` must be answered, or None while a pause is open.

    `extended_by` is what extensions added (`extension_amount`): working time for an
    hours-counted period, working days for a days-counted one. The period and its extensions
    then run as one, so a pause after an extension moves the due time as one before it would.
    """
    start = _local(received_at)
    spans = _merged(pauses, start)
    if period.counts_hours:
        due = _count_hours(start, period, spans, calendar, extended_by or timedelta(0))
    else:
        due = _count_days(start, period, spans, calendar, extended_by or 0)
    return None if due is None else _utc(due)


def extension_amount(before: datetime, after: datetime, period: Period, calendar: Calendar) -> timedelta | int:
    """What an extension from the due time `before` to `after` adds: the working time between them
    (hours-counted periods), or the working days after `before`'s day up to `after`'s (days-counted)."""
    if period.counts_hours:
        return _working_between(_local(before), _local(after), calendar)
    day, last, days = _local(before).date(), _local(after).date(), 0
    while True:
        day = calendar.next_working_day(day)
        if day > last:
            return days
        days += 1


def extend(due_at: datetime, period: Period, calendar: Calendar) -> datetime:
    """The latest due time an extension by `period` (at most the original) gives, counted from `due_at`."""
    return _utc(_count(_local(due_at), period, calendar))


def working_time_between(start: datetime, end: datetime, calendar: Calendar) -> timedelta:
    """Working time elapsed from `start` to `end` (zero when `end` is not after `start`)."""
    return _working_between(_local(start), _local(end), calendar)


class WorkingTimeMeter:
    """`working_time_between` for many spans at once: one pass over the days from `first` to
    `last` (Seoul dates) counts each day's working seconds, then each span costs two look-ups.
    A department's record measures every answered request with it. Spans reaching outside
    the days counted fall back to `working_time_between`."""

    def __init__(self, calendar: Calendar, first: date, last: date) -> None:
        self.calendar = calendar
        self.first, self.last = first, last
        self._before: list[int] = [0]  # working seconds of the days before first + i
        day = first
        while day <= last:
            full = sum(_seconds(opens, closes) for opens, closes in WORKING_BLOCKS) if calendar.is_working_day(day) else 0
            self._before.append(self._before[-1] + full)
            day += timedelta(days=1)

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Working time elapsed from `start` to `end` (zero when `end` is not after `start`)."""
        local_start, local_end = _local(start), _local(end)
        if local_end <= local_start:
            return timedelta(0)
        if not (self.first <= local_start.date() and local_end.date() <= self.last):
            return _working_between(local_start, local_end, self.calendar)
        return timedelta(seconds=self._elapsed(local_end) - self._elapsed(local_start))

    def _elapsed(self, moment: datetime) -> float:
        """Working seconds from `first` 00:00 to `moment` (Seoul wall clock)."""
        day = moment.date()
        total = self._before[(day - self.first).days]
        if self.calendar.is_working_day(day):
            now = moment.time()
            for opens, closes in WORKING_BLOCKS:
                if now > opens:
                    total += _seconds(opens, min(now, closes))
        return total


def _seconds(start: time, end: time) -> float:
    return (datetime.combine(date.min, end) - datetime.combine(date.min, start)).total_seconds()


def is_overdue(due: datetime | None, now: datetime) -> bool:
    """Late once the due time has passed; a request with no due time (paused) is never late."""
    return due is not None and as_utc(now) > as_utc(due)


# Everything below counts on naive Seoul wall-clock times.

_Span = tuple[datetime, datetime | None]  # a pause on the Seoul clock; None: still open


def _local(moment: datetime) -> datetime:
    return as_utc(moment).astimezone(SEOUL).replace(tzinfo=None)


def _utc(local: datetime) -> datetime:
    return local.replace(tzinfo=SEOUL).astimezone(UTC)


def _count(start: datetime, period: Period, calendar: Calendar) -> datetime:
    """The due moment of a period that starts running at `start`, with no pauses."""
    if period.counts_hours:
        return _add_working(start, timedelta(hours=period.working_hours), calendar)
    due = _count_days(start, period, [], calendar)
    assert due is not None  # only an open pause gives no due time
    return due


def _count_hours(start: datetime, period: Period, spans: list[_Span], calendar: Calendar,
                 extra: timedelta = timedelta(0)) -> datetime | None:
    """Working hours from `start`, the clock stopped inside each pause that begins before the due time."""
    base = _add_working(start, timedelta(hours=period.working_hours) + extra, calendar)
    due, paused = base, timedelta(0)
    for pause_start, pause_end in spans:
        if pause_start >= due:
            break  # already late when the waiting began; later pauses begin later still
        if pause_end is None:
            return None
        paused += _working_between(pause_start, pause_end, calendar)
        due = _add_working(base, paused, calendar)
    return due


def _count_days(start: datetime, period: Period, spans: list[_Span], calendar: Calendar, extra: int = 0) -> datetime | None:
    """18:00 of the Nth counted working day, the first day included; days a pause touches do not count."""
    amount = period.amount + extra
    day = start.date()
    if not (calendar.is_working_day(day) and start.time() < DAY_CLOSES):
        day = calendar.next_working_day(day)
    counted = 0
    while True:
        closes = datetime.combine(day, DAY_CLOSES)
        last = counted + 1 == amount
        touching = [
            (pause_start, pause_end)
            for pause_start, pause_end in spans
            if pause_start.date() <= day
            and (pause_end is None or pause_end.date() >= day)
            and not (last and pause_start >= closes)  # begun after the due time: changes nothing
        ]
        if any(pause_end is None for _, pause_end in touching):
            return None
        if not touching:
            counted += 1
            if counted == amount:
                return closes
        day = calendar.next_working_day(day)


def _blocks(start: datetime, calendar: Calendar) -> Iterator[tuple[datetime, datetime]]:
    """The working blocks from `start` on, the first one cut at `start`."""
    day = start.date()
    for _ in range(_SEARCH_LIMIT_DAYS):
        if calendar.is_working_day(day):
            for opens, closes in WORKING_BLOCKS:
                block_end = datetime.combine(day, closes)
                if block_end > start:
                    yield max(datetime.combine(day, opens), start), block_end
        day += timedelta(days=1)
    raise ValueError("no working day in ten years")


def _add_working(start: datetime, amount: timedelta, calendar: Calendar) -> datetime:
    """The earliest moment by which `amount` of working time has run since `start`."""
    if amount <= timedelta(0):
        return start
    remaining = amount
    for block_start, block_end in _blocks(start, calendar):
        span = block_end - block_start
        if remaining <= span:
            return block_start + remaining
        remaining -= span
    raise AssertionError("unreachable: _blocks raises when it runs out")


def _working_between(start: datetime, end: datetime, calendar: Calendar) -> timedelta:
    total = timedelta(0)
    if end <= start:
        return total
    for block_start, block_end in _blocks(start, calendar):
        if block_start >= end:
            break
        total += min(block_end, end) - block_start
    return total


def _merged(pauses: Sequence[Pause], start: datetime) -> list[_Span]:
    """Pauses on the Seoul clock, sorted, cut at `start` and merged where they overlap (None: still open)."""
    spans: list[_Span] = []
    for pause in sorted(pauses, key=lambda p: as_utc(p.started_at)):
        pause_end = None if pause.ended_at is None else _local(pause.ended_at)
        if pause_end is not None and pause_end <= start:
            continue
        pause_start = max(_local(pause.started_at), start)
        if spans and (spans[-1][1] is None or pause_start <= spans[-1][1]):
            last_start, last_end = spans[-1]
            spans[-1] = (last_start, None if last_end is None or pause_end is None else max(last_end, pause_end))
        else:
            spans.append((pause_start, pause_end))
    return spans
