"""Every step on a request's timeline, its version, and its clock.

Each handling step appends one `RequestEvent`, moves `version` on, and sends
`signals.civil_request_step` so notifications tell the applicant (and supporters, and the
departments concerned) without this domain importing them.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from participation.civil_requests import clock
from participation.civil_requests.models import CivilRequest, EventKind, LocalHoliday, RequestEvent
from participation.core import signals
from participation.core.db import lock_for_update
from participation.core.errors import ServiceError
from participation.core.i18n import lazy_gettext as _l
from participation.extensions import db


class StaleRequest(ServiceError):
    """Someone acted on the request since the page was loaded: nothing was changed."""


def city_calendar() -> clock.Calendar:
    """The national calendar plus the city's own closed days."""
    days = frozenset(db.session.scalars(select(LocalHoliday.day)).all())
    return clock.Calendar(local_holidays=days)


def period_of(request: CivilRequest) -> clock.Period:
    return clock.Period(request.period_amount, request.period_unit)


def compute_due(request: CivilRequest, calendar: clock.Calendar | None = None) -> datetime | None:
    """The due time from the receipt, the period, the 보완 pauses and the extensions taken.

    Each extension adds what it moved the due time by when it was given (its EXTENDED event
    keeps the due time it set): working days, or working time for an hours-counted period. The
    period and its extensions then run as one, so a wait for a supplement after an extension
    moves the due time exactly as one before it would (영 제20조).
    """
    calendar = calendar or city_calendar()
    period = period_of(request)
    pauses = [clock.Pause(p.started_at, p.ended_at) for p in request.pauses if p.started_at >= request.clock_from]
    extensions = [e for e in request.events if e.kind == EventKind.EXTENDED and e.due_at is not None and e.at >= request.clock_from]
    added = timedelta(0) if period.counts_hours else 0
    for extension in sorted(extensions, key=lambda e: (e.at, e.id or 0)):
        # The due time as it stood when the extension was given: the pauses begun before it.
        before = clock.due_at(request.clock_from, period, calendar, [p for p in pauses if p.started_at < extension.at], added)
        if before is not None and extension.due_at > before:
            added += clock.extension_amount(before, extension.due_at, period, calendar)
    return clock.due_at(request.clock_from, period, calendar, pauses, added)


def lock(request: CivilRequest, version: int | None) -> None:
    """Hold the request's row (reloaded) for this transaction; refuse a step taken on a stale page."""
    lock_for_update(request)
    if version is not None and request.version != version:
        raise StaleRequest(
            _l("Someone else acted on this request a moment ago. Nothing was changed: read its latest state and try again."),
            code="stale",
        )


def record(
    request: CivilRequest,
    kind: EventKind,
    now: datetime,
    *,
    actor=None,
    note: str = "",
    department_id: int | None = None,
    from_department_id: int | None = None,
    status_to: str | None = None,
    due_at: datetime | None = None,
    notify: bool = True,
    moves_version: bool = True,
) -> RequestEvent:
    """Append a step (moving the status if `status_to` is given) and tell whoever follows it.

    `moves_version=False` for a step that changes nothing an official acts on (someone else
    reporting the same problem): pages open at the time stay current."""
    status_from = request.status
    if status_to is not None:
        request.status = status_to
    event = RequestEvent(
        request=request,
        kind=kind.value,
        at=now,
        actor=actor,
        note=note,
        department_id=department_id if department_id is not None else request.lead_department_id,
        from_department_id=from_department_id,
        status_from=status_from if status_to is not None else None,
        status_to=status_to,
        due_at=due_at,
    )
    db.session.add(event)
    if moves_version:
        request.version = (request.version or 0) + 1
    request.updated_at = now
    db.session.flush()
    if notify:
        signals.civil_request_step.send(request, event=event, now=now)
    return event
