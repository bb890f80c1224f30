"""The department's queue of civil requests: what it leads, and what it was asked to co-handle.

A read service: no state changes. Each page is one counted query and one query for its rows,
whatever the number of rows (category, 동, handler and lead department are loaded with the rows).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, or_, select
from sqlalchemy.orm import joinedload, selectinload

from participation.accounts.models import Role, User, UserRole
from participation.civil_requests import clock, labels, timeline
from participation.civil_requests.models import (
    HELD_STATUSES,
    OPEN_STATUSES,
    CivilRequest,
    CoHandling,
    RequestCategory,
)
from participation.extensions import db

PER_PAGE = 25
# "Due soon": less than one working day (8 working hours) left, as the department's own alert.
DUE_SOON = timedelta(hours=clock.HOURS_PER_DAY)
FOLLOW_UP = "follow_up"  # a status filter of its own: answered, but the applicant was dissatisfied


class Section(enum.StrEnum):
    LEAD = "lead"  # the department handles it
    COHANDLING = "cohandling"  # the department was asked for its part (협조)


class HandlerFilter(enum.StrEnum):
    MINE = "mine"
    UNASSIGNED = "unassigned"


@dataclass(frozen=True)
class QueueFilters:
    department_id: int | None = None  # None: every department (admins)
    section: Section = Section.LEAD
    status: str | None = None  # an open status, or FOLLOW_UP
    handler: HandlerFilter | None = None
    category_id: int | None = None


@dataclass
class QueueRow:
    request: CivilRequest
    overdue: bool
    due_soon: bool
    follow_up: bool
    cohandling: CoHandling | None  # in the co-handling section: the ask this row is about


def _in_queue():
    """Open, or answered but returned by a dissatisfied applicant."""
    return or_(CivilRequest.status.in_([s.value for s in OPEN_STATUSES]), CivilRequest.follow_up_since.is_not(None))


def _order():
    # Soonest due first; a follow-up by when it came back; a paused request (no due time) last.
    attention = case((CivilRequest.status.in_([s.value for s in OPEN_STATUSES]), CivilRequest.due_at), else_=CivilRequest.follow_up_since)
    return (attention.is_(None), attention, CivilRequest.id)


def _statement(filters: QueueFilters, user: User):
    stmt = select(CivilRequest).options(
        joinedload(CivilRequest.category), joinedload(CivilRequest.district), joinedload(CivilRequest.handler).lazyload(User.role_rows),
        joinedload(CivilRequest.lead_department), selectinload(CivilRequest.cohandlings).joinedload(CoHandling.department),
    )
    if filters.section == Section.COHANDLING:
        asked = select(CoHandling.id).where(CoHandling.request_id == CivilRequest.id, CoHandling.department_id != CivilRequest.lead_department_id)
        if filters.department_id is not None:
            asked = asked.where(CoHandling.department_id == filters.department_id)
        stmt = stmt.where(asked.exists(), CivilRequest.status.in_([s.value for s in OPEN_STATUSES]))
    else:
        stmt = stmt.where(_in_queue())
        if filters.department_id is not None:
            stmt = stmt.where(CivilRequest.lead_department_id == filters.department_id)
    if filters.status == FOLLOW_UP:
        stmt = stmt.where(CivilRequest.follow_up_since.is_not(None))
    elif filters.status:
        stmt = stmt.where(CivilRequest.status == filters.status)
    if filters.handler == HandlerFilter.MINE:
        stmt = stmt.where(CivilRequest.handler_id == user.id)
    elif filters.handler == HandlerFilter.UNASSIGNED:
        stmt = stmt.where(CivilRequest.handler_id.is_(None))
    if filters.category_id is not None:
        stmt = stmt.where(CivilRequest.category_id == filters.category_id)
    return stmt.order_by(*_order())


def department_queue(user: User, filters: QueueFilters, page: int, now: datetime):
    """One page of the queue, soonest due first: (the pagination, its rows)."""
    result = db.paginate(_statement(filters, user), page=page, per_page=PER_PAGE, error_out=False)
    calendar = timeline.city_calendar() if result.items else None
    rows = []
    for request in result.items:
        overdue = labels.is_overdue(request, now)
        ask = None
        if filters.section == Section.COHANDLING and filters.department_id is not None:
            ask = next((c for c in request.cohandlings if c.department_id == filters.department_id), None)
        rows.append(QueueRow(
            request=request,
            overdue=overdue,
            due_soon=not overdue and _due_soon(request, now, calendar),
            follow_up=request.follow_up_since is not None,
            cohandling=ask,
        ))
    return result, rows


def _due_soon(request: CivilRequest, now: datetime, calendar: clock.Calendar) -> bool:
    if request.status not in HELD_STATUSES or request.due_at is None:
        return False
    return clock.working_time_between(now, request.due_at, calendar) <= DUE_SOON


def categories() -> list[RequestCategory]:
    """Every category, retired ones too (old requests keep theirs), for the queue's filter."""
    return list(db.session.scalars(select(RequestCategory).order_by(RequestCategory.name_ko)))


def department_officials(department_id: int) -> list[User]:
    """The officials a request of this department may be assigned to."""
    return list(db.session.scalars(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(User.department_id == department_id, UserRole.role == Role.OFFICIAL, User.deleted_at.is_(None))
        .order_by(User.display_name, User.id)
    ))
