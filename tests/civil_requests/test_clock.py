"""The statutory clock against cases worked by hand on the 2026 and 2027 calendars.

Calendar facts used below (from the `holidays` package's South Korea calendar, checked by listing it):
2026: 설날 Mon 16 - Wed 18 Feb; substitute holidays Mon 2 Mar, Mon 25 May, Mon 17 Aug (광복절 on a
Saturday), Mon 5 Oct (개천절 on a Saturday); 지방선거 Wed 3 Jun; 추석 Thu 24 - Sat 26 Sep; 한글날 Fri 9 Oct.
2027: 설날 Sat 6 - Mon 8 Feb with the substitute holiday Tue 9 Feb.
Working hours are 09:00-12:00 and 13:00-18:00 (lunch not counted), 8 a day. Every time is Seoul's.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from participation.civil_requests.clock import (
    DEFAULT_PERIODS,
    Calendar,
    Kind,
    Pause,
    Period,
    due_at,
    extend,
    extension_amount,
    is_overdue,
    working_time_between,
)
from participation.core.time import SEOUL

CALENDAR = Calendar()


def kst(y, m, d, hh=0, mm=0, ss=0) -> datetime:
    """A Seoul wall-clock moment, as the aware UTC datetime the clock takes."""
    return datetime(y, m, d, hh, mm, ss, tzinfo=SEOUL).astimezone(UTC)


DAYS_7 = Period.days(7)
DAYS_14 = Period.days(14)
HOURS_3 = Period.hours(3)

CASES = [
    # --- each kind's default from a plain Tuesday, 10 Mar 2026 10:00 (no holiday from 3 Mar to 31 Mar) ---
    # 14 days, first day included: Tue 10 (1), Wed 11, Thu 12, Fri 13 (4), Mon 16 - Fri 20 (5-9),
    # Mon 23 - Fri 27 (10-14): due at the close of Fri 27 Mar.
    ("question_law from a Tuesday", kst(2026, 3, 10, 10), DEFAULT_PERIODS[Kind.QUESTION_LAW], kst(2026, 3, 27, 18)),
    ("suggestion from a Tuesday", kst(2026, 3, 10, 10), DEFAULT_PERIODS[Kind.SUGGESTION], kst(2026, 3, 27, 18)),
    # 7 days: Tue 10 (1), Wed 11, Thu 12, Fri 13 (4), Mon 16, Tue 17, Wed 18 (7).
    ("question_procedure from a Tuesday", kst(2026, 3, 10, 10), DEFAULT_PERIODS[Kind.QUESTION_PROCEDURE], kst(2026, 3, 18, 18)),
    ("grievance from a Tuesday", kst(2026, 3, 10, 10), DEFAULT_PERIODS[Kind.GRIEVANCE], kst(2026, 3, 18, 18)),
    # 3 working hours: 10:00-12:00 is 2, lunch does not run, 13:00-14:00 is the 3rd.
    ("other (3 hours) from a Tuesday", kst(2026, 3, 10, 10), DEFAULT_PERIODS[Kind.OTHER], kst(2026, 3, 10, 14)),
    # 5 days count as 40 working hours: Tue 7 (10-12, 13-18), Wed 15, Thu 23, Fri 31, Mon 39,
    # the 40th is Tue 17 Mar 09:00-10:00.
    ("5 days are 40 working hours", kst(2026, 3, 10, 10), Period.days(5), kst(2026, 3, 17, 10)),
    # 6 days count days: Tue 10 (1) ... Fri 13 (4), Mon 16 (5), Tue 17 (6).
    ("6 days count days", kst(2026, 3, 10, 10), Period.days(6), kst(2026, 3, 17, 18)),
    # --- received at 17:59 on Friday 13 Mar 2026 ---
    # 3 hours: 1 minute on Friday, then 2 h 59 min from Monday 09:00 -> Mon 16 Mar 11:59.
    ("3 hours from Friday 17:59", kst(2026, 3, 13, 17, 59), HOURS_3, kst(2026, 3, 16, 11, 59)),
    # 2 days = 16 h: Fri 0:01, Mon 8:00 (8:01), Tue 09-12 (11:01), 13:00 + 4:59 -> Tue 17 Mar 17:59.
    ("2 days (16 hours) from Friday 17:59", kst(2026, 3, 13, 17, 59), Period.days(2), kst(2026, 3, 17, 17, 59)),
    # 7 days: Friday counts (received before 18:00): Fri 13 (1), Mon 16 - Fri 20 (2-6), Mon 23 (7).
    ("7 days from Friday 17:59", kst(2026, 3, 13, 17, 59), DAYS_7, kst(2026, 3, 23, 18)),
    # At 18:00 the day is over: Mon 16 (1) ... Fri 20 (5), Mon 23 (6), Tue 24 (7).
    ("7 days from Friday 18:00", kst(2026, 3, 13, 18), DAYS_7, kst(2026, 3, 24, 18)),
    # --- a 3-hour request filed at 17:00 ---
    # Tue 17:00-18:00 is 1 h, Wed 09:00-11:00 the other 2.
    ("3 hours from Tuesday 17:00", kst(2026, 3, 10, 17), HOURS_3, kst(2026, 3, 11, 11)),
    # --- outside working hours ---
    # Before 09:00 the clock starts at 09:00: 09:00-12:00 is exactly 3 h, due at 12:00 (not 13:00).
    ("3 hours from Tuesday 07:30", kst(2026, 3, 10, 7, 30), HOURS_3, kst(2026, 3, 10, 12)),
    # At lunch it starts at 13:00: 13:00-16:00.
    ("3 hours from Tuesday 12:30", kst(2026, 3, 10, 12, 30), HOURS_3, kst(2026, 3, 10, 16)),
    # Saturday 14 Mar: nothing runs until Mon 16 09:00; 09:00-12:00.
    ("3 hours from a Saturday", kst(2026, 3, 14, 10), HOURS_3, kst(2026, 3, 16, 12)),
    # Saturday is not day 1: Mon 16 (1) ... Fri 20 (5), Mon 23 (6), Tue 24 (7).
    ("7 days from a Saturday", kst(2026, 3, 14, 10), DAYS_7, kst(2026, 3, 24, 18)),
    # --- 설날 week 2026 (Mon 16 - Wed 18 Feb) ---
    # Fri 13 Feb 16:00-18:00 is 2 h; Sat 14 - Wed 18 do not run; Thu 19 09:00-10:00.
    ("3 hours across 설날 2026", kst(2026, 2, 13, 16), HOURS_3, kst(2026, 2, 19, 10)),
    # Fri 13 (1), Thu 19 (2), Fri 20 (3), Mon 23 (4), Tue 24 (5), Wed 25 (6), Thu 26 (7).
    ("7 days across 설날 2026", kst(2026, 2, 13, 10), DAYS_7, kst(2026, 2, 26, 18)),
    # --- 설날 2027 (Sat 6 - Mon 8 Feb) and its substitute holiday Tue 9 Feb ---
    # 16 h: Fri 5 Feb 14-18 is 4; Mon 8 and Tue 9 do not run; Wed 10 is 8 (12); Thu 11 09-12 (15), 13-14 (16).
    ("2 days across 설날 2027", kst(2027, 2, 5, 14), Period.days(2), kst(2027, 2, 11, 14)),
    # 14 days crossing the holiday week: Fri 5 (1), Wed 10 (2), Thu 11 (3), Fri 12 (4), Mon 15 - Fri 19 (5-9),
    # Mon 22 - Fri 26 (10-14).
    ("14 days across 설날 2027", kst(2027, 2, 5, 9), DAYS_14, kst(2027, 2, 26, 18)),
    # --- 추석 week 2026 (Thu 24 - Sat 26 Sep), 개천절's substitute Mon 5 Oct, 한글날 Fri 9 Oct ---
    # Wed 23 Sep 17:00-18:00 is 1 h; Thu 24 - Sun 27 do not run; Mon 28 09:00-11:00.
    ("3 hours across 추석 2026", kst(2026, 9, 23, 17), HOURS_3, kst(2026, 9, 28, 11)),
    # Wed 23 (1), Mon 28 (2), Tue 29 (3), Wed 30 (4), Thu 1 Oct (5), Fri 2 (6), [Mon 5 substitute],
    # Tue 6 (7), Wed 7 (8), Thu 8 (9), [Fri 9 한글날], Mon 12 (10), Tue 13 (11), Wed 14 (12), Thu 15 (13), Fri 16 (14).
    ("14 days across 추석 2026", kst(2026, 9, 23, 11), DAYS_14, kst(2026, 10, 16, 18)),
    # --- a substitute holiday: Mon 17 Aug 2026 (광복절 fell on Saturday 15 Aug) ---
    # Fri 14 Aug 16:30-18:00 is 1.5 h; Mon 17 does not run; Tue 18 09:00-10:30.
    ("3 hours across a substitute holiday", kst(2026, 8, 14, 16, 30), HOURS_3, kst(2026, 8, 18, 10, 30)),
    # Fri 14 (1), Tue 18 (2), Wed 19 (3), Thu 20 (4), Fri 21 (5), Mon 24 (6), Tue 25 (7).
    ("7 days across a substitute holiday", kst(2026, 8, 14, 10), DAYS_7, kst(2026, 8, 25, 18)),
    # --- the 2026 local election day, Wed 3 Jun (a public holiday in the package) ---
    # Tue 2 Jun 17:00-18:00 is 1 h; Wed 3 does not run; Thu 4 09:00-11:00.
    ("3 hours across election day", kst(2026, 6, 2, 17), HOURS_3, kst(2026, 6, 4, 11)),
]


@pytest.mark.parametrize(("received", "period", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_due_times_worked_by_hand(received, period, expected):
    assert due_at(received, period, CALENDAR) == expected


def test_the_due_time_is_aware_utc():
    due = due_at(kst(2026, 3, 10, 10), HOURS_3, CALENDAR)
    assert due.tzinfo is not None and due.utcoffset() == timedelta(0)
    assert due == datetime(2026, 3, 10, 5, 0, tzinfo=UTC)  # 14:00 in Seoul is 05:00 UTC


def test_the_calendar_knows_weekends_public_and_local_holidays():
    city = Calendar(local_holidays={date(2026, 3, 11)})
    assert CALENDAR.is_working_day(date(2026, 3, 11))  # a plain Wednesday
    assert not city.is_working_day(date(2026, 3, 11))  # the city's own holiday
    assert not CALENDAR.is_working_day(date(2026, 3, 14))  # Saturday
    assert not CALENDAR.is_working_day(date(2026, 3, 15))  # Sunday
    assert not CALENDAR.is_working_day(date(2026, 2, 17))  # 설날
    assert not CALENDAR.is_working_day(date(2026, 3, 2))  # substitute for 삼일절 on a Sunday
    assert not CALENDAR.is_working_day(date(2027, 2, 9))  # substitute for 설날 2027
    assert not CALENDAR.is_working_day(date(2026, 6, 3))  # local election day
    assert CALENDAR.is_working_day(date(2026, 9, 23))  # the day before the 추석 holidays


def test_a_local_holiday_stops_the_clock():
    city = Calendar(local_holidays={date(2026, 3, 11)})
    # Tue 10 Mar 17:00-18:00 is 1 h; Wed 11 is the city's holiday; Thu 12 09:00-11:00.
    assert due_at(kst(2026, 3, 10, 17), HOURS_3, city) == kst(2026, 3, 12, 11)
    # Tue 10 (1), Thu 12 (2), Fri 13 (3), Mon 16 (4), Tue 17 (5), Wed 18 (6), Thu 19 (7).
    assert due_at(kst(2026, 3, 10, 10), DAYS_7, city) == kst(2026, 3, 19, 18)


PAUSE_CASES = [
    # Hours: received Tue 10 Mar 10:00, 3 h, due 14:00 without pause. Waiting 10:30-11:30 is 1 working hour:
    # due 15:00.
    ("hours, a pause inside the morning", kst(2026, 3, 10, 10), HOURS_3,
     [Pause(kst(2026, 3, 10, 10, 30), kst(2026, 3, 10, 11, 30))], kst(2026, 3, 10, 15)),
    # Hours: 16 h from Tue 10:00 are due Thu 12 Mar 10:00 (Tue 7, Wed 15, Thu 09-10). Waiting Tue 17:00 ->
    # Wed 10:00 holds 2 working hours (Tue 17-18, Wed 09-10); the night does not count: Thu 09-12, due 12:00.
    ("hours, a pause over the night", kst(2026, 3, 10, 10), Period.days(2),
     [Pause(kst(2026, 3, 10, 17), kst(2026, 3, 11, 10))], kst(2026, 3, 12, 12)),
    # Hours: two overlapping pauses 10:30-11:30 and 11:00-12:00 are one pause 10:30-12:00 (1.5 h): 15:30.
    ("hours, overlapping pauses merge", kst(2026, 3, 10, 10), HOURS_3,
     [Pause(kst(2026, 3, 10, 11), kst(2026, 3, 10, 12)), Pause(kst(2026, 3, 10, 10, 30), kst(2026, 3, 10, 11, 30))],
     kst(2026, 3, 10, 15, 30)),
    # Hours: a pause that began after the due time (14:00) changes nothing, even while open.
    ("hours, a pause after the due time", kst(2026, 3, 10, 10), HOURS_3,
     [Pause(kst(2026, 3, 10, 15), kst(2026, 3, 10, 16)), Pause(kst(2026, 3, 10, 16, 30))], kst(2026, 3, 10, 14)),
    # Hours: a pause that ended before receipt is not part of this request's clock.
    ("hours, a pause before receipt", kst(2026, 3, 10, 10), HOURS_3,
     [Pause(kst(2026, 3, 9, 10), kst(2026, 3, 9, 17))], kst(2026, 3, 10, 14)),
    # Hours: waiting that began before receipt (Mon 9 10:00) and ended Tue 11:00 counts from receipt only:
    # 10:00-11:00 is 1 h, so 15:00.
    ("hours, a pause cut at receipt", kst(2026, 3, 10, 10), HOURS_3,
     [Pause(kst(2026, 3, 9, 10), kst(2026, 3, 10, 11))], kst(2026, 3, 10, 15)),
    # Days: 7 days from Tue 10 Mar are due Wed 18 Mar. A one-hour pause on Thu 12 costs Thu 12 whole:
    # Tue 10 (1), Wed 11 (2), Fri 13 (3), Mon 16 (4), Tue 17 (5), Wed 18 (6), Thu 19 (7).
    ("days, a one-hour pause costs its day", kst(2026, 3, 10, 10), DAYS_7,
     [Pause(kst(2026, 3, 12, 14), kst(2026, 3, 12, 15))], kst(2026, 3, 19, 18)),
    # Days: waiting Fri 13 16:00 -> Tue 17 10:00 touches Fri 13, Mon 16, Tue 17 (the weekend does not count anyway):
    # Tue 10 (1), Wed 11 (2), Thu 12 (3), Wed 18 (4), Thu 19 (5), Fri 20 (6), Mon 23 (7).
    ("days, a pause over a weekend", kst(2026, 3, 10, 10), DAYS_7,
     [Pause(kst(2026, 3, 13, 16), kst(2026, 3, 17, 10))], kst(2026, 3, 23, 18)),
    # Days: a pause opened at 19:00 on the due day (Wed 18 Mar) began after the due time: nothing changes.
    ("days, an open pause after the due time", kst(2026, 3, 10, 10), DAYS_7,
     [Pause(kst(2026, 3, 18, 19))], kst(2026, 3, 18, 18)),
]


@pytest.mark.parametrize(
    ("received", "period", "pauses", "expected"), [case[1:] for case in PAUSE_CASES], ids=[case[0] for case in PAUSE_CASES]
)
def test_pauses_worked_by_hand(received, period, pauses, expected):
    assert due_at(received, period, CALENDAR, pauses) == expected


@pytest.mark.parametrize("period", [HOURS_3, Period.days(2), DAYS_7, DAYS_14])
def test_an_open_pause_before_the_due_time_means_no_due_time(period):
    waiting = [Pause(kst(2026, 3, 10, 11))]
    assert due_at(kst(2026, 3, 10, 10), period, CALENDAR, waiting) is None
    assert not is_overdue(None, kst(2027, 1, 1))


def test_extension_adds_up_to_the_original_period_from_the_current_due_time():
    # 7 days due Wed 18 Mar 18:00, extended by 7: Thu 19 (1), Fri 20, Mon 23, Tue 24, Wed 25, Thu 26, Fri 27 (7).
    assert extend(kst(2026, 3, 18, 18), DAYS_7, CALENDAR) == kst(2026, 3, 27, 18)
    # 3 hours due Tue 10 Mar 14:00, extended by 3 h: 14:00-17:00.
    assert extend(kst(2026, 3, 10, 14), HOURS_3, CALENDAR) == kst(2026, 3, 10, 17)
    # 3 hours due Fri 13 Mar 17:00: 17-18 is 1 h, Mon 16 09:00-11:00.
    assert extend(kst(2026, 3, 13, 17), HOURS_3, CALENDAR) == kst(2026, 3, 16, 11)
    # 14 days due Tue 22 Sep 2026, extended across 추석: Wed 23 (1), Mon 28 (2), Tue 29, Wed 30, Thu 1 Oct,
    # Fri 2 (6), Tue 6 (7), Wed 7, Thu 8 (9), Mon 12 (10), Tue 13, Wed 14, Thu 15, Fri 16 (14).
    assert extend(kst(2026, 9, 22, 18), DAYS_14, CALENDAR) == kst(2026, 10, 16, 18)


def test_working_time_between():
    # Tue 10 Mar 10:00 -> Wed 11 10:00: 10-12 (2) + 13-18 (5) + 09-10 (1) = 8 h.
    assert working_time_between(kst(2026, 3, 10, 10), kst(2026, 3, 11, 10), CALENDAR) == timedelta(hours=8)
    # Fri 13 Feb 2026 17:00 -> Thu 19 Feb 09:30 across 설날: 1 h + 0.5 h.
    assert working_time_between(kst(2026, 2, 13, 17), kst(2026, 2, 19, 9, 30), CALENDAR) == timedelta(hours=1, minutes=30)
    # Inside the lunch hour, and backwards: nothing.
    assert working_time_between(kst(2026, 3, 10, 12, 10), kst(2026, 3, 10, 12, 50), CALENDAR) == timedelta(0)
    assert working_time_between(kst(2026, 3, 11, 10), kst(2026, 3, 10, 10), CALENDAR) == timedelta(0)


def test_overdue_only_after_the_due_time():
    due = kst(2026, 3, 18, 18)
    assert not is_overdue(due, kst(2026, 3, 18, 17, 59))
    assert not is_overdue(due, kst(2026, 3, 18, 18))
    assert is_overdue(due, kst(2026, 3, 18, 18, 0, 1))


def test_periods_and_defaults():
    assert Period.days(5).counts_hours and Period.days(5).working_hours == 40
    assert not Period.days(6).counts_hours
    assert Period.hours(3).counts_hours and Period.hours(3).working_hours == 3
    assert DEFAULT_PERIODS == {
        Kind.QUESTION_LAW: Period(14, "days"),
        Kind.QUESTION_PROCEDURE: Period(7, "days"),
        Kind.SUGGESTION: Period(14, "days"),
        Kind.GRIEVANCE: Period(7, "days"),
        Kind.OTHER: Period(3, "hours"),
    }
    assert Kind("question_law") is Kind.QUESTION_LAW


@pytest.mark.parametrize(("amount", "unit"), [(0, "days"), (-1, "hours"), (3, "weeks"), (True, "days"), (1.5, "hours")])
def test_bad_periods_are_refused(amount, unit):
    with pytest.raises(ValueError):
        Period(amount, unit)


def test_a_pause_cannot_end_before_it_starts():
    with pytest.raises(ValueError):
        Pause(kst(2026, 3, 10, 11), kst(2026, 3, 10, 10))


def test_an_extension_runs_on_as_one_period_with_the_original_so_a_later_pause_moves_it():
    # 7 days from Tue 8 Dec 2026 10:00: due Wed 16 18:00; extended by 7 working days to Mon 28 (Fri 25 성탄절).
    received = kst(2026, 12, 8, 10)
    first_due = due_at(received, DAYS_7, CALENDAR)
    extended = extend(first_due, DAYS_7, CALENDAR)
    assert (first_due, extended) == (kst(2026, 12, 16, 18), kst(2026, 12, 28, 18))
    added = extension_amount(first_due, extended, DAYS_7, CALENDAR)
    assert added == 7
    assert due_at(received, DAYS_7, CALENDAR, extended_by=added) == extended
    # A 보완 wait Mon 21 10:00 - Tue 22 10:00, after the extension: two more days, to Wed 30.
    wait = [Pause(kst(2026, 12, 21, 10), kst(2026, 12, 22, 10))]
    assert due_at(received, DAYS_7, CALENDAR, wait, extended_by=added) == kst(2026, 12, 30, 18)


def test_an_hours_extension_adds_working_time_and_a_later_pause_moves_it_by_its_working_time():
    # 3 working hours from Thu 10 Dec 2026 10:00: due 13:00 + lunch = 14:00; extended by 3 hours to 17:00.
    received = kst(2026, 12, 10, 10)
    first_due = due_at(received, HOURS_3, CALENDAR)
    extended = extend(first_due, HOURS_3, CALENDAR)
    assert (first_due, extended) == (kst(2026, 12, 10, 14), kst(2026, 12, 10, 17))
    added = extension_amount(first_due, extended, HOURS_3, CALENDAR)
    assert added == timedelta(hours=3)
    # Waiting 15:00-16:30 (1.5 working hours) after the extension: due Fri 11 Dec 09:30.
    wait = [Pause(kst(2026, 12, 10, 15), kst(2026, 12, 10, 16, 30))]
    assert due_at(received, HOURS_3, CALENDAR, wait, extended_by=added) == kst(2026, 12, 11, 9, 30)
