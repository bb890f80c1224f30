"""What the public reads of civil requests, and the departments' record: the filtered list of
public requests, their pins for the map, the steps for the Atom feeds, and each department's
figures (answered, on time, median working time, satisfaction, overdue now).

Nothing here reads or returns the applicant's name, contact or account: the list and the map
select only the request's own fields, and the feed only the step, the time and the department.
Every read is a fixed number of statements, however many rows it returns.
"""
from __future__ import annotations

import statistics
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from markupsafe import Markup
from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from participation.accounts.models import Department, District
from participation.civil_requests import clock, labels, timeline
from participation.civil_requests.models import (
    HELD_STATUSES,
    OPEN_STATUSES,
    CivilRequest,
    EventKind,
    RequestCategory,
    RequestEvent,
    RequestPause,
    RequestStatus,
    RequestSurvey,
    Satisfaction,
)
from participation.core.models import UTCDateTime
from participation.core.time import as_utc, to_local
from participation.extensions import db

PER_PAGE = 20
MAP_LIMIT = 2_000  # pins on one map; the answer says when there were more
FEED_LIMIT = 50
SORTS = ("newest", "due")

# The status filter: every open status, every closed one, or one status.
OPEN, CLOSED = "open", "closed"
STATUS_GROUPS = {
    OPEN: sorted(OPEN_STATUSES),
    CLOSED: sorted({RequestStatus.COMPLETED.value, RequestStatus.CLOSED_AS_REPEAT.value}),
}
STATUS_FILTERS = (OPEN, CLOSED, *(s.value for s in RequestStatus))

# The steps a feed announces: where a request stands and who has it. Steps between
# departments, the assignment to a person, ratings and "same problem" counts stay on the page.
FEED_EVENTS = tuple(
    kind.value
    for kind in (
        EventKind.FILED,
        EventKind.STARTED,
        EventKind.SUPPLEMENT_REQUESTED,
        EventKind.SUPPLEMENTED,
        EventKind.TRANSFERRED,
        EventKind.EXTENDED,
        EventKind.COMPLETED,
        EventKind.REOPENED,
        EventKind.CLOSED_AS_REPEAT,
        EventKind.FOLLOW_UP_ANSWERED,
        EventKind.OVERDUE,
    )
)


@dataclass(frozen=True)
class RequestFilters:
    category_id: int | None = None
    district_id: int | None = None  # a 동, or a 구 standing for all its 동
    status: str | None = None  # one of STATUS_FILTERS
    overdue: bool = False
    sort: str = "newest"


def overdue_condition(moment: datetime):
    """SQL for labels.is_overdue: held by the department and past its due time."""
    return and_(CivilRequest.status.in_(HELD_STATUSES), CivilRequest.due_at.is_not(None), CivilRequest.due_at < moment)


def _district_condition(district_id: int):
    """A 동, or a 구 standing for itself and all its 동."""
    children = select(District.id).where(District.parent_id == district_id)
    return or_(CivilRequest.district_id == district_id, CivilRequest.district_id.in_(children))


def public_statement(filters: RequestFilters, moment: datetime):
    """Public requests matching the filters, in the chosen order. Private ones never match."""
    stmt = select(CivilRequest).where(CivilRequest.is_public.is_(True))
    if filters.category_id:
        stmt = stmt.where(CivilRequest.category_id == filters.category_id)
    if filters.district_id:
        stmt = stmt.where(_district_condition(filters.district_id))
    if filters.status in STATUS_GROUPS:
        stmt = stmt.where(CivilRequest.status.in_(STATUS_GROUPS[filters.status]))
    elif filters.status in STATUS_FILTERS:
        stmt = stmt.where(CivilRequest.status == filters.status)
    if filters.overdue:
        stmt = stmt.where(overdue_condition(moment))
    return stmt.order_by(*public_ordering(filters.sort))


# Stands in for "no due time" in the "due" order, so that every sort key has a value: a cursor
# (the API's keyset paging) can then continue after any row, as NULLS LAST could not.
NO_DUE_TIME = datetime(9999, 12, 31, tzinfo=UTC)


def public_ordering(sort: str) -> list:
    """The ORDER BY of the public list (and of the API's, which pages on it): its last key is the id.

    "due": open requests first, soonest due first (paused ones, with no due time, after them);
    then the answered and closed ones, whose due time no longer matters, newest first.
    "newest": newest received first."""
    if sort == "due":
        still_open = case((CivilRequest.status.in_(STATUS_GROUPS[OPEN]), 0), else_=1)
        due = func.coalesce(case((CivilRequest.status.in_(STATUS_GROUPS[OPEN]), CivilRequest.due_at), else_=None),
                            literal(NO_DUE_TIME, UTCDateTime()))
        return [still_open, due.asc(), CivilRequest.received_at.desc(), CivilRequest.id.desc()]
    return [CivilRequest.received_at.desc(), CivilRequest.id.desc()]


def public_items_statement(filters: RequestFilters, moment: datetime):
    """`public_statement` loading what an item shows (category, 동 and its 구, department) with it."""
    return public_statement(filters, moment).options(
        joinedload(CivilRequest.category),
        joinedload(CivilRequest.lead_department),
        joinedload(CivilRequest.district).joinedload(District.parent),
    )


def list_public(filters: RequestFilters, page: int, moment: datetime, per_page: int = PER_PAGE):
    """One page of public requests with what an item shows (category, 동, department): two statements."""
    return db.paginate(public_items_statement(filters, moment), page=page, per_page=per_page, error_out=False)


# --- the map -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MapPoint:
    id: int
    title: str
    status: str
    overdue: bool
    latitude: float
    longitude: float


def map_points(filters: RequestFilters, moment: datetime, limit: int = MAP_LIMIT) -> tuple[list[MapPoint], bool]:
    """The filtered public requests that have a position, newest first: (at most `limit`, whether there were more).
    Only the fields a pin shows are read."""
    base = public_statement(filters, moment).where(CivilRequest.latitude.is_not(None), CivilRequest.longitude.is_not(None))
    stmt = base.with_only_columns(
        CivilRequest.id, CivilRequest.title, CivilRequest.status, CivilRequest.due_at, CivilRequest.latitude, CivilRequest.longitude
    ).limit(limit + 1)
    rows = db.session.execute(stmt).all()
    points = [
        MapPoint(
            id=row.id,
            title=row.title,
            status=row.status,
            overdue=labels.past_due(row.status, row.due_at, moment),
            latitude=row.latitude,
            longitude=row.longitude,
        )
        for row in rows[:limit]
    ]
    return points, len(rows) > limit


# --- the feeds -----------------------------------------------------------------------------------

# XML 1.0 allows tab, line feed and carriage return among the control characters, nothing else.
_XML_ALLOWED_CONTROLS = {"\t", "\n", "\r"}
_XML_NONCHARACTERS = {"\ufffe", "\uffff"}


def xml_text(text: str | None) -> str:
    """Text that is legal in an XML document (a title typed with a stray control character would
    otherwise make the whole feed unreadable). Already escaped markup stays markup."""
    cleaned = "".join(ch for ch in (text or "") if ch in _XML_ALLOWED_CONTROLS or (unicodedata.category(ch) not in ("Cc", "Cs") and ch not in _XML_NONCHARACTERS))
    # Removing characters from escaped markup leaves it escaped.
    return Markup(cleaned) if isinstance(text, Markup) else cleaned  # noqa: S704


def feed_events(district: District | None, category: RequestCategory | None, limit: int = FEED_LIMIT) -> list[RequestEvent]:
    """The newest steps of public requests in a 동 (a 구: all its 동) and/or a category, in one statement.
    Each event carries its request, the request's category and 동, and the departments named."""
    stmt = (
        select(RequestEvent)
        .join(RequestEvent.request)
        .where(CivilRequest.is_public.is_(True), RequestEvent.kind.in_(FEED_EVENTS))
        .options(
            contains_eager(RequestEvent.request).joinedload(CivilRequest.category),
            contains_eager(RequestEvent.request).joinedload(CivilRequest.district).joinedload(District.parent),
            joinedload(RequestEvent.department),
            joinedload(RequestEvent.from_department),
        )
        .order_by(RequestEvent.at.desc(), RequestEvent.id.desc())
        .limit(limit)
    )
    if district is not None:
        stmt = stmt.where(_district_condition(district.id))
    if category is not None:
        stmt = stmt.where(CivilRequest.category_id == category.id)
    return list(db.session.scalars(stmt))


# --- each department's record --------------------------------------------------------------------


@dataclass
class DepartmentRequestRecord:
    """One department's figures. Private requests count too: as numbers, never their content."""

    department: Department
    answered: int = 0  # requests it answered (completed) and that stay answered
    on_time: int = 0
    median_working_hours: float | None = None  # from receipt (or reopening) to the answer, waiting for the applicant left out
    satisfied: int = 0
    neutral: int = 0
    dissatisfied: int = 0
    overdue_now: int = 0  # open, held by it, past due

    @property
    def rated(self) -> int:
        return self.satisfied + self.neutral + self.dissatisfied

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.answered if self.answered else None

    def share(self, satisfaction: str) -> float | None:
        return getattr(self, satisfaction) / self.rated if self.rated else None


def answer_working_time(
    received: datetime, answered: datetime, pauses: list[tuple[datetime, datetime | None]], meter: clock.WorkingTimeMeter
) -> timedelta:
    """Working time from `received` to `answered`, less the working time spent waiting for the
    applicant's supplement (pauses overlapping each other counted once)."""
    start, end = as_utc(received), as_utc(answered)
    total = meter.between(start, end)
    spans = sorted((max(as_utc(s), start), min(as_utc(e) if e is not None else end, end)) for s, e in pauses)
    covered_until = start
    for pause_start, pause_end in spans:
        pause_start = max(pause_start, covered_until)
        if pause_end > pause_start:
            total -= meter.between(pause_start, pause_end)
            covered_until = pause_end
    return max(total, timedelta(0))


def department_stats(moment: datetime) -> list[DepartmentRequestRecord]:
    """Every department that has had a civil request: four statements whatever the number of requests.

    Answered: requests whose status is completed, credited to the department that answered
    (the lead at completion). On time: answered by their due time. Working time: from the
    receipt, or the latest reopening, to the answer. Satisfaction: every survey, credited to the
    department it rated. Overdue now: open requests the department holds, past due.
    """
    records: dict[int, DepartmentRequestRecord] = {}

    def record(department_id: int) -> DepartmentRequestRecord:
        return records.setdefault(department_id, DepartmentRequestRecord(department=None))  # type: ignore[arg-type]

    completed = RequestStatus.COMPLETED.value
    answered_rows = db.session.execute(
        select(CivilRequest.id, CivilRequest.lead_department_id, CivilRequest.clock_from, CivilRequest.completed_at, CivilRequest.due_at)
        .where(CivilRequest.status == completed, CivilRequest.completed_at.is_not(None))
    ).all()
    pauses: dict[int, list[tuple[datetime, datetime | None]]] = defaultdict(list)
    for request_id, started_at, ended_at in db.session.execute(
        select(RequestPause.request_id, RequestPause.started_at, RequestPause.ended_at)
        .join(CivilRequest, CivilRequest.id == RequestPause.request_id)
        .where(CivilRequest.status == completed, RequestPause.started_at >= CivilRequest.clock_from)
    ):
        pauses[request_id].append((started_at, ended_at))
    hours: dict[int, list[float]] = defaultdict(list)
    if answered_rows:
        first = min(to_local(row.clock_from).date() for row in answered_rows)
        last = max(to_local(row.completed_at).date() for row in answered_rows)
        meter = clock.WorkingTimeMeter(timeline.city_calendar(), first, last)
        for row in answered_rows:
            entry = record(row.lead_department_id)
            entry.answered += 1
            if row.due_at is None or as_utc(row.completed_at) <= as_utc(row.due_at):
                entry.on_time += 1
            worked = answer_working_time(row.clock_from, row.completed_at, pauses.get(row.id, []), meter)
            hours[row.lead_department_id].append(worked.total_seconds() / 3600)
    for department_id, hour_list in hours.items():
        records[department_id].median_working_hours = round(statistics.median(hour_list), 1)

    for department_id, satisfaction, count in db.session.execute(
        select(RequestSurvey.department_id, RequestSurvey.satisfaction, func.count()).group_by(RequestSurvey.department_id, RequestSurvey.satisfaction)
    ):
        if satisfaction in {s.value for s in Satisfaction}:
            setattr(record(department_id), satisfaction, count)

    for department_id, overdue in db.session.execute(
        select(CivilRequest.lead_department_id, func.sum(case((overdue_condition(moment), 1), else_=0)))
        .where(CivilRequest.status.in_(sorted(OPEN_STATUSES)))
        .group_by(CivilRequest.lead_department_id)
    ):
        record(department_id).overdue_now = int(overdue or 0)

    if not records:
        return []
    departments = {d.id: d for d in db.session.scalars(select(Department).where(Department.id.in_(list(records))))}
    for department_id, entry in records.items():
        entry.department = departments[department_id]
    return sorted(records.values(), key=lambda r: (-r.overdue_now, r.department.name_ko))


@dataclass
class RequestStatisticsRow:
    """Requests received in one month, of one category, in one 동 (None: no location given).
    Numbers only: private requests count, nothing of what they say or who filed them is in it."""

    category: RequestCategory
    district: District | None
    month: str  # YYYY-MM, local time, of the receipt
    received: int = 0
    answered: int = 0  # of those, completed
    on_time: int = 0  # of the answered, by their due time
    median_working_hours: float | None = None  # as in department_stats
    satisfied: int = 0
    neutral: int = 0
    dissatisfied: int = 0
    overdue_now: int = 0  # still open, past due


STATISTICS_BATCH = 5_000


def request_statistics(moment: datetime) -> list[RequestStatisticsRow]:
    """Every request counted by category, 동 and month of receipt, in that order: counts, on time,
    median working hours to the answer and the applicants' satisfaction, as department_stats
    counts them. The requests are read a batch at a time; only the counters stay in memory."""
    completed = RequestStatus.COMPLETED.value
    groups: dict[tuple[int, int | None, str], RequestStatisticsRow] = {}
    hours: dict[tuple, list[float]] = defaultdict(list)
    bounds = db.session.execute(
        select(func.min(CivilRequest.clock_from), func.max(CivilRequest.completed_at)).where(CivilRequest.status == completed)
    ).one()
    meter = None
    if bounds[0] is not None and bounds[1] is not None:
        meter = clock.WorkingTimeMeter(timeline.city_calendar(), to_local(bounds[0]).date(), to_local(bounds[1]).date())
    pauses: dict[int, list[tuple[datetime, datetime | None]]] = defaultdict(list)
    for request_id, started_at, ended_at in db.session.execute(
        select(RequestPause.request_id, RequestPause.started_at, RequestPause.ended_at)
        .join(CivilRequest, CivilRequest.id == RequestPause.request_id)
        .where(CivilRequest.status == completed, RequestPause.started_at >= CivilRequest.clock_from)
    ):
        pauses[request_id].append((started_at, ended_at))
    stmt = select(CivilRequest.id, CivilRequest.category_id, CivilRequest.district_id, CivilRequest.received_at, CivilRequest.status,
                  CivilRequest.clock_from, CivilRequest.completed_at, CivilRequest.due_at).execution_options(yield_per=STATISTICS_BATCH)
    for row in db.session.execute(stmt):
        key = (row.category_id, row.district_id, to_local(row.received_at).strftime("%Y-%m"))
        entry = groups.get(key)
        if entry is None:
            entry = groups[key] = RequestStatisticsRow(category=None, district=None, month=key[2])  # type: ignore[arg-type]
        entry.received += 1
        if row.status == completed and row.completed_at is not None:
            entry.answered += 1
            if row.due_at is None or as_utc(row.completed_at) <= as_utc(row.due_at):
                entry.on_time += 1
            if meter is not None:
                worked = answer_working_time(row.clock_from, row.completed_at, pauses.get(row.id, []), meter)
                hours[key].append(worked.total_seconds() / 3600)
        elif labels.past_due(row.status, row.due_at, moment):
            entry.overdue_now += 1
    for key, hour_list in hours.items():
        groups[key].median_working_hours = round(statistics.median(hour_list), 1)
    ratings = {s.value for s in Satisfaction}
    for category_id, district_id, received_at, satisfaction in db.session.execute(
        select(CivilRequest.category_id, CivilRequest.district_id, CivilRequest.received_at, RequestSurvey.satisfaction)
        .join(CivilRequest, CivilRequest.id == RequestSurvey.request_id)
    ):
        entry = groups.get((category_id, district_id, to_local(received_at).strftime("%Y-%m")))
        if entry is not None and satisfaction in ratings:
            setattr(entry, satisfaction, getattr(entry, satisfaction) + 1)
    if not groups:
        return []
    categories = {c.id: c for c in db.session.scalars(select(RequestCategory))}
    districts = {d.id: d for d in db.session.scalars(select(District))}
    for (category_id, district_id, _month), entry in groups.items():
        entry.category = categories[category_id]
        entry.district = districts.get(district_id)
    return sorted(groups.values(), key=lambda r: (r.category.name_ko, r.district.name_ko if r.district else "", r.month))
