"""A response clock as residents read it: "D-5", "D-day", "overdue by 3 days", counted in Seoul calendar days."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from participation.core.time import SEOUL, as_utc, deadline_day

OPEN = "open"  # due on a later day
TODAY = "today"  # due later today
OVERDUE = "overdue"
ANSWERED = "answered"


def seoul_date(moment: datetime) -> date:
    return as_utc(moment).astimezone(SEOUL).date()


@dataclass(frozen=True)
class Countdown:
    state: str
    # OPEN: days left; OVERDUE: days past the due date (0 on the due day itself, after the
    # due time); ANSWERED: days late (0 when on time or late by hours on the due day).
    days: int
    due_date: date  # in Seoul; a deadline at 00:00 belongs to the day before
    due_at: datetime
    late: bool = False  # ANSWERED after the due time

    @property
    def is_overdue(self) -> bool:
        return self.state == OVERDUE


def countdown(due, now: datetime) -> Countdown:
    """Where `due` (a ResponseDue) stands at `now`."""
    due_day = deadline_day(due.due_at)
    if due.answered_at is not None:
        late = due.was_late()
        days = max((seoul_date(due.answered_at) - due_day).days, 0) if late else 0
        return Countdown(ANSWERED, days, due_day, due.due_at, late=late)
    today = seoul_date(now)
    if due.is_overdue(now):
        return Countdown(OVERDUE, max((today - due_day).days, 0), due_day, due.due_at)
    left = (due_day - today).days
    return Countdown(TODAY if left <= 0 else OPEN, max(left, 0), due_day, due.due_at)
