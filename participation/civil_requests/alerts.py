"""Delay alerts for civil requests: the scheduler's sweep, each alert sent exactly once.

What is sent, to whom, and when (Seoul time, on the city's calendar: weekends, the `holidays`
package's Korean public holidays and the city's own closed days never count as working days):

due soon
    To the lead department's officials, once per due time, one working day before it: at the
    same Seoul clock time on the working day before the due date (due_soon_at). A request due on
    Wednesday 10 February 2027 at 18:00 is announced on Friday 5 February at 18:00, since 설날 and
    its substitute day (Saturday 6 to Tuesday 9) are not working days. A request whose whole
    period is one working day or less (즉시, 3 working hours) gets none: its department was told
    of it, with its due time, when it arrived. An extension earns it again (handling.extend
    clears due_soon_alerted_at).
overdue
    To the lead department's officials while the request is open past its due time: at the moment
    it passes, then at 09:00 of each working day after (overdue_alerted_on keeps the Seoul date of
    the last one). Weekends and holidays add none: nobody is at work to act on them.
applicant overdue
    To the applicant (by their preferences; a counter applicant by the phone or email they gave),
    once per due time, when it passes unanswered. The timeline gains one OVERDUE step.
admins
    To the administrators, once, when three working days (24 working hours) have passed since
    the due time (admins_alert_at).
progress
    To the applicant 30 days after receipt while the request is open (waiting for a supplement
    included), then every 30 days: a PROGRESS_NOTICE step, and next_progress_notice_at moves on
    by 30 days (past `now` after downtime: one notice, not one per missed month).
survey reminder
    To an applicant with an account, once per answer, SURVEY_REMINDER_DAYS after completion while
    the answer is unrated and the reopening window is still open.

A request waiting for its applicant's supplement (보완) has no due time: no due or overdue alert.
A completed or closed request gets none of them.

The reopening window needs no sweep. `CivilRequest.reopen_until()` is computed from
completed_at, and permissions.can_reopen and handling.reopen compare it with `now`: the window
shuts by itself 14 days after completion, and nothing stored would change if a sweep "closed" it.
The survey reminder tells the applicant until when they may reopen.

Exactly once. Each alert has its column on CivilRequest (due_soon_alerted_at,
overdue_alerted_on, applicant_overdue_alerted_at, admins_alerted_at, next_progress_notice_at,
survey_reminded_at). A batch is claimed in one write transaction: its rows are read again with
every condition under SELECT ... FOR NO KEY UPDATE (PostgreSQL; in id order, so two sweeps
queue on the same rows instead of deadlocking, and a row changed meanwhile is judged as it is
now), then one UPDATE marks those still due. The notifications, outbox rows and timeline steps
for exactly those rows are written in that same transaction (the receivers of
signals.civil_request_alert run inside it), so a mark and its messages commit together or not
at all. A second sweep running at the same moment waits for the rows and then finds them marked
(PostgreSQL re-reads a row it waited for; SQLite runs one write transaction at a time).
Notification keys also name the alert and its due time, so even a signal sent twice tells
nobody twice.

Bounded work. Each alert's candidates are read as ids, in one indexed statement outside any write
transaction, and claimed and told BATCH at a time, each batch in a short transaction of its own
(core/batches.py): 100,000 open requests never hold one long transaction, and a crash between
batches leaves the rest to the next run.

`upcoming_alert_moments(now, horizon)` lists the moments alerts fall due within the horizon, so
the scheduler runs the sweep on time rather than at its next interval.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import exists, false, insert, or_, select, update
from sqlalchemy.orm import selectinload

from participation.civil_requests import clock, timeline
from participation.civil_requests.models import (
    HELD_STATUSES,
    OPEN_STATUSES,
    PROGRESS_NOTICE_DAYS,
    REOPEN_DAYS,
    CivilRequest,
    EventKind,
    RequestEvent,
    RequestStatus,
    RequestSurvey,
)
from participation.core import batches, signals
from participation.core.db import write_transaction
from participation.core.time import SEOUL, as_utc
from participation.extensions import db

BATCH = 200  # requests claimed and told per transaction
# Three days after the answer: long enough to see whether the repair holds, and well inside the
# 14-day reopening window, so an applicant who finds it is not fixed can still reopen.
SURVEY_REMINDER_DAYS = 3
ADMINS_AFTER = clock.Period.hours(3 * clock.HOURS_PER_DAY)  # three working days overdue
HANDLED = HELD_STATUSES  # open and not paused
OPEN = tuple(status.value for status in OPEN_STATUSES)
DAY_OPENS, LUNCH_STARTS = clock.WORKING_BLOCKS[0][0], clock.WORKING_BLOCKS[0][1]
LUNCH_ENDS, DAY_CLOSES = clock.WORKING_BLOCKS[1]
KINDS = ("due_soon", "overdue", "applicant_overdue", "admins", "progress", "survey_reminder")


# --- working-day arithmetic --------------------------------------------------------------------


def _local(moment: datetime) -> datetime:
    return as_utc(moment).astimezone(SEOUL).replace(tzinfo=None)


def _utc(local: datetime) -> datetime:
    return local.replace(tzinfo=SEOUL).astimezone(UTC)


def _previous_working_day(day: date, calendar: clock.Calendar) -> date:
    for _ in range(3660):
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            return day
    raise ValueError("no working day in ten years")


def due_soon_at(due: datetime, calendar: clock.Calendar) -> datetime:
    """One working day (8 working hours) before `due`: the same Seoul clock time on the working
    day before. A due time outside working hours counts from the last working moment before it."""
    local = _local(due)
    day, moment = local.date(), local.time()
    if not calendar.is_working_day(day) or moment <= DAY_OPENS:
        day, moment = _previous_working_day(day, calendar), DAY_CLOSES
    elif moment > DAY_CLOSES:
        moment = DAY_CLOSES
    elif LUNCH_STARTS < moment < LUNCH_ENDS:
        moment = LUNCH_STARTS
    return _utc(datetime.combine(_previous_working_day(day, calendar), moment))


def admins_alert_at(due: datetime, calendar: clock.Calendar) -> datetime:
    """When three working days have passed since `due`."""
    return clock.extend(due, ADMINS_AFTER, calendar)


def next_opening(now: datetime, calendar: clock.Calendar) -> datetime:
    """09:00 of the next working day (today's, if it is one and 09:00 is still to come)."""
    local = _local(now)
    day = local.date()
    if not (calendar.is_working_day(day) and local.time() < DAY_OPENS):
        day = calendar.next_working_day(day)
    return _utc(datetime.combine(day, DAY_OPENS))


def _through_break(moment: datetime, calendar: clock.Calendar) -> datetime:
    """`moment`, or, when it falls at the start of a break (lunch, the night, days off), the end of
    that break: due times inside a break count as its start."""
    local = _local(moment)
    if calendar.is_working_day(local.date()) and local.time() == LUNCH_STARTS:
        return _utc(datetime.combine(local.date(), LUNCH_ENDS))
    if not calendar.is_working_day(local.date()) or local.time() >= DAY_CLOSES:
        return next_opening(moment, calendar)
    return moment


def _daily_alert_due(now: datetime, calendar: clock.Calendar) -> bool:
    """Whether a working day's overdue alerts may go out now (a working day, from 09:00)."""
    local = _local(now)
    return calendar.is_working_day(local.date()) and local.time() >= DAY_OPENS


# --- the sweep -----------------------------------------------------------------------------------------


def send_request_alerts(now: datetime) -> dict[str, int]:
    """The scheduler's sweep: every alert that is due, once. Runs with no transaction around it
    (Sweep own_transactions): each batch is a write transaction of its own. Returns how many of
    each kind were sent."""
    calendar = timeline.city_calendar()
    return {
        "due_soon": _due_soon(now, calendar),
        "overdue": _overdue(now, calendar),
        "applicant_overdue": _applicant_overdue(now),
        "admins": _admins(now, calendar),
        "progress": _progress(now),
        "survey_reminder": _survey_reminders(now),
    }


def _pages(conditions: Sequence) -> Iterator[list[int]]:
    """Candidate ids, BATCH at a time in id order. One statement reads them all (ids only, through
    the index the conditions suit best; an ORDER BY id would walk the whole table by its primary
    key instead), and its read transaction ends before the first batch is claimed."""
    ids = sorted(db.session.scalars(select(CivilRequest.id).where(*conditions)))
    db.session.commit()
    for offset in range(0, len(ids), BATCH):
        yield ids[offset:offset + BATCH]


def _in_batches(conditions: Sequence, claim: Callable[[list[int]], int]) -> int:
    """Claim and tell each page of candidates in a write transaction of its own."""
    sent = 0
    for ids in _pages(conditions):
        with write_transaction():
            sent += claim(ids)
        batches.between_batches("alerts")
    return sent


def _locked(ids: list[int], conditions: Sequence, *columns) -> list:
    """The rows among `ids` that still meet `conditions`, read now and held until commit."""
    stmt = select(CivilRequest.id, *columns).where(CivilRequest.id.in_(ids), *conditions).order_by(CivilRequest.id)
    if db.session.get_bind().dialect.name == "postgresql":
        # NO KEY UPDATE, as handling's lock_for_update: timeline rows may still be added meanwhile.
        stmt = stmt.with_for_update(key_share=True)
    return db.session.execute(stmt).all()


def _mark(ids: list[int], **values) -> None:
    if ids:
        db.session.execute(update(CivilRequest).where(CivilRequest.id.in_(ids)).values(**values).execution_options(synchronize_session=False))


def _tell(kind: str, marks: dict[int, str], now: datetime, *, step: EventKind | None = None) -> int:
    """Send the alert for the claimed requests (`marks`: request id -> what names this alert in
    the notification keys), with a timeline step each when `step` is given."""
    if not marks:
        return 0
    requests = list(db.session.scalars(
        select(CivilRequest).where(CivilRequest.id.in_(sorted(marks)))
        .options(selectinload(CivilRequest.lead_department)).order_by(CivilRequest.id)
        .execution_options(populate_existing=True)
    ))
    if step is not None:
        _record_steps(requests, step, now)
    signals.civil_request_alert.send(kind, now=now, alerts=[(request, marks[request.id]) for request in requests])
    return len(requests)


def _record_steps(requests: list[CivilRequest], kind: EventKind, now: datetime) -> None:
    """The sweep's own timeline steps (OVERDUE, PROGRESS_NOTICE), in one statement. Unlike
    timeline.record, the request's version stays: nobody acted, so an official's open page is
    not made stale by the clock. The alert signal tells who must hear of it."""
    db.session.execute(insert(RequestEvent), [
        {"request_id": request.id, "kind": kind.value, "at": now, "department_id": request.lead_department_id,
         "due_at": request.due_at, "note": "", "language": "ko"}
        for request in requests
    ])


# --- each alert ---------------------------------------------------------------------------------------


def _due_soon(now: datetime, calendar: clock.Calendar) -> int:
    # A due time is announced from one working day before it: never more than two working days ahead.
    latest = _utc(datetime.combine(calendar.next_working_day(calendar.next_working_day(_local(now).date())), DAY_OPENS))
    conditions = (CivilRequest.status.in_(HANDLED), CivilRequest.due_soon_alerted_at.is_(None), CivilRequest.due_at > now,
                  CivilRequest.due_at <= latest)

    def claim(ids):
        marks = {}
        for request_id, due, clock_from in _locked(ids, conditions, CivilRequest.due_at, CivilRequest.clock_from):
            announce = due_soon_at(due, calendar)
            if announce <= now and announce > as_utc(clock_from):
                marks[request_id] = as_utc(due).isoformat()
        _mark(sorted(marks), due_soon_alerted_at=now)
        return _tell("due_soon", marks, now)

    return _in_batches(conditions, claim)


def _overdue(now: datetime, calendar: clock.Calendar) -> int:
    today = _local(now).date()
    again = CivilRequest.overdue_alerted_on < today if _daily_alert_due(now, calendar) else false()
    conditions = (CivilRequest.status.in_(HANDLED), CivilRequest.due_at < now,
                  or_(CivilRequest.overdue_alerted_on.is_(None), again))

    def claim(ids):
        marks = {request_id: today.isoformat() for (request_id,) in _locked(ids, conditions)}
        _mark(sorted(marks), overdue_alerted_on=today)
        return _tell("overdue", marks, now)

    return _in_batches(conditions, claim)


def _applicant_overdue(now: datetime) -> int:
    conditions = (CivilRequest.status.in_(HANDLED), CivilRequest.due_at < now, CivilRequest.applicant_overdue_alerted_at.is_(None))

    def claim(ids):
        marks = {request_id: as_utc(due).isoformat() for request_id, due in _locked(ids, conditions, CivilRequest.due_at)}
        _mark(sorted(marks), applicant_overdue_alerted_at=now)
        return _tell("applicant_overdue", marks, now, step=EventKind.OVERDUE)

    return _in_batches(conditions, claim)


def _admins(now: datetime, calendar: clock.Calendar) -> int:
    # Three working days are at least three calendar days.
    conditions = (CivilRequest.status.in_(HANDLED), CivilRequest.admins_alerted_at.is_(None),
                  CivilRequest.due_at <= now - timedelta(days=3))

    def claim(ids):
        marks = {request_id: as_utc(due).isoformat() for request_id, due in _locked(ids, conditions, CivilRequest.due_at)
                 if admins_alert_at(due, calendar) <= now}
        _mark(sorted(marks), admins_alerted_at=now)
        return _tell("admins", marks, now)

    return _in_batches(conditions, claim)


def _progress(now: datetime) -> int:
    conditions = (CivilRequest.status.in_(OPEN), CivilRequest.next_progress_notice_at <= now)
    every = timedelta(days=PROGRESS_NOTICE_DAYS)

    def claim(ids):
        marks = {}
        for request_id, due_notice in _locked(ids, conditions, CivilRequest.next_progress_notice_at):
            following = as_utc(due_notice) + every
            while following <= now:
                following += every
            db.session.execute(
                update(CivilRequest).where(CivilRequest.id == request_id).values(next_progress_notice_at=following)
                .execution_options(synchronize_session=False)
            )
            marks[request_id] = as_utc(due_notice).isoformat()
        return _tell("progress", marks, now, step=EventKind.PROGRESS_NOTICE)

    return _in_batches(conditions, claim)


def _unrated():
    return ~exists().where(RequestSurvey.request_id == CivilRequest.id, RequestSurvey.completion_no == CivilRequest.completion_count)


def _survey_reminders(now: datetime) -> int:
    conditions = (
        CivilRequest.status == RequestStatus.COMPLETED.value,
        CivilRequest.completed_at <= now - timedelta(days=SURVEY_REMINDER_DAYS),
        CivilRequest.completed_at >= now - timedelta(days=REOPEN_DAYS),
        CivilRequest.survey_reminded_at.is_(None),
        CivilRequest.applicant_id.is_not(None),
        _unrated(),
    )

    def claim(ids):
        marks = {request_id: str(completion) for request_id, completion in _locked(ids, conditions, CivilRequest.completion_count)}
        _mark(sorted(marks), survey_reminded_at=now)
        return _tell("survey_reminder", marks, now)

    return _in_batches(conditions, claim)


# --- deadlines -----------------------------------------------------------------------------------------


def _before(moment: datetime, days: int, calendar: clock.Calendar) -> datetime:
    for _ in range(days):
        moment = due_soon_at(moment, calendar)
    return moment


def upcoming_alert_moments(now: datetime, horizon: timedelta) -> list[datetime]:
    """The moments in (now, now + horizon] at which an alert falls due. Only reads; each due time
    is looked for in a narrow band (the band's edges are widened by a working hour either way,
    then every moment is computed exactly)."""
    until = now + horizon
    calendar = timeline.city_calendar()
    margin = timedelta(hours=1)
    found: set[datetime] = set()
    handled = CivilRequest.status.in_(HANDLED)
    # Overdue (the department's first alert, and the applicant's) at the due time itself.
    found.update(as_utc(due) for due in db.session.scalars(
        select(CivilRequest.due_at).where(handled, CivilRequest.due_at > now, CivilRequest.due_at <= until)
    ))
    # Due soon: due about one working day after the window.
    day = clock.Period.hours(clock.HOURS_PER_DAY)
    low = clock.extend(now, day, calendar) - margin
    high = _through_break(clock.extend(until, day, calendar), calendar) + margin
    for due, clock_from in db.session.execute(
        select(CivilRequest.due_at, CivilRequest.clock_from).where(
            handled, CivilRequest.due_soon_alerted_at.is_(None), CivilRequest.due_at > low, CivilRequest.due_at <= high)
    ):
        announce = due_soon_at(due, calendar)
        if announce > as_utc(clock_from):
            found.add(announce)
    # Admins: due about three working days before the window.
    low, high = _before(now, 3, calendar) - margin, _through_break(_before(until, 3, calendar), calendar) + margin
    found.update(admins_alert_at(due, calendar) for due in db.session.scalars(
        select(CivilRequest.due_at).where(handled, CivilRequest.admins_alerted_at.is_(None), CivilRequest.due_at > low,
                                          CivilRequest.due_at <= high)
    ))
    # The daily overdue alerts, at the next working day's opening.
    opening = next_opening(now, calendar)
    if opening <= until and db.session.scalar(select(exists().where(handled, CivilRequest.due_at < opening))):
        found.add(opening)
    found.update(as_utc(moment) for moment in db.session.scalars(
        select(CivilRequest.next_progress_notice_at).where(
            CivilRequest.status.in_(OPEN), CivilRequest.next_progress_notice_at > now, CivilRequest.next_progress_notice_at <= until)
    ))
    wait = timedelta(days=SURVEY_REMINDER_DAYS)
    found.update(as_utc(completed) + wait for completed in db.session.scalars(
        select(CivilRequest.completed_at).where(
            CivilRequest.status == RequestStatus.COMPLETED.value, CivilRequest.survey_reminded_at.is_(None),
            CivilRequest.applicant_id.is_not(None), CivilRequest.completed_at > now - wait, CivilRequest.completed_at <= until - wait)
    ))
    return sorted(moment for moment in found if now < moment <= until)
