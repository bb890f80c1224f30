"""Civil requests: exactly the public requests a visitor finds on /requests/ (private ones never),
with the same filters and orders, each with its clock in words and as figures; one request with
its timeline as its public page shows it.

Nothing here reads the applicant's name, contact or account, nor who acted on a step: the
schemas below declare every field a body has, and none of those is among them.
"""
from __future__ import annotations

from datetime import datetime

from flask import url_for
from flask_login import current_user
from marshmallow import Schema, fields, validate
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from participation.accounts.models import District
from participation.api import http, paging
from participation.api.spec import IdParam, PageQuery, operation, page_of, query_args
from participation.api.v1 import bp
from participation.api.v1.schemas import Computed, DepartmentRef, Time, _language
from participation.civil_requests import clock, labels, listing, permissions, timeline
from participation.civil_requests.models import CivilRequest, CoHandling, EventKind, RequestEvent
from participation.core.i18n import lazy_gettext as _l
from participation.core.time import as_utc, now
from participation.extensions import db

CLOCK_STATES = ["overdue", "paused", "due", "answered_late", "answered_on_time"]
STATUSES = list(labels.STATUS_LABELS)
RESULTS = list(labels.RESULT_LABELS)


class RequestsQuery(PageQuery):
    category = IdParam(metadata={"description": _l("Only requests of this category (see /api/v1/request-categories; retired ones too)."),
})
    district = IdParam(metadata={"description": _l("Only requests in this 동, or in any 동 of this 구 (see /api/v1/districts)."),
})
    status = fields.String(validate=validate.OneOf(listing.STATUS_FILTERS, error=_l("Must be one of: {choices}.")),
                           metadata={"description": _l("open (not yet answered), closed (answered or closed), or one status.")})
    overdue = fields.Boolean(error_messages={"invalid": _l("Must be true or false.")}, metadata={"description": _l("true: only requests past their due time, still with the department.")})
    sort = fields.String(validate=validate.OneOf(listing.SORTS, error=_l("Must be one of: {choices}.")),
                         metadata={"description": _l("newest (received, newest first; the default) or due (open ones soonest due first).")})


class DistrictRef(Schema):
    id = fields.Integer(required=True)
    name = fields.Function(lambda d: d.name_for(_language()), required=True, metadata={"type": "string"})
    full_name = fields.Function(lambda d: d.full_name_for(_language()), required=True,
                                metadata={"type": "string", "description": _l("With its 구: as the list shows it.")})
    gu_id = fields.Integer(attribute="parent_id", required=True, allow_none=True, metadata={"description": _l("The 구 of this 동; null for a 구.")})


class CategoryRef(Schema):
    id = fields.Integer(required=True)
    name = fields.Function(lambda c: c.name_for(_language()), required=True, metadata={"type": "string"})


class RequestClockSchema(Schema):
    state = fields.String(required=True, allow_none=True, validate=validate.OneOf(CLOCK_STATES),
                          metadata={"enum": [*CLOCK_STATES, None], "description": _l(
                              "overdue, paused (waiting for the applicant's supplement), due, answered_late, answered_on_time; null when there is nothing to say.")})
    words = fields.String(required=True, allow_none=True, metadata={"description": _l("As the public list says it.")})
    overdue = fields.Boolean(required=True, metadata={"description": _l("Still with the department and past its due time.")})
    working_seconds_left = fields.Integer(required=True, allow_none=True, metadata={"description": _l(
        "Working time (09:00-18:00 on working days, lunch left out) until the due time, in seconds; null unless it is running and not yet due.")})
    working_seconds_overdue = fields.Integer(required=True, allow_none=True, metadata={"description": _l(
        "Working time since the due time passed, in seconds; null unless overdue.")})


class RequestPhotoSchema(Schema):
    url = fields.Function(lambda p: url_for("civil_requests.photo", name=f"{p.token}.jpg", _external=True), required=True,
                          metadata={"type": "string", "format": "uri"})
    thumbnail_url = fields.Function(lambda p: url_for("civil_requests.photo", name=f"{p.token}-thumb.jpg", _external=True), required=True,
                                    metadata={"type": "string", "format": "uri"})
    width = fields.Integer(required=True)
    height = fields.Integer(required=True)


class CivilRequestSchema(Schema):
    """A public request as the list shows it (with its description, position and photos, which its page shows)."""

    id = fields.Integer(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True, metadata={"description": _l("Plain text, as written.")})
    category = fields.Nested(CategoryRef, required=True)
    lead_department = fields.Nested(DepartmentRef, required=True)
    district = fields.Nested(DistrictRef, required=True, allow_none=True)
    latitude = fields.Float(required=True, allow_none=True, metadata={"description": _l("As the public map shows it; null when not given.")})
    longitude = fields.Float(required=True, allow_none=True)
    status = fields.String(required=True, metadata={"enum": STATUSES})
    status_label = fields.Function(lambda r: str(labels.STATUS_LABELS.get(r.status, r.status)), required=True, metadata={"type": "string"})
    result = fields.String(required=True, allow_none=True, metadata={"enum": [*RESULTS, None], "description": _l("Set once answered.")})
    result_label = fields.Function(lambda r: str(labels.RESULT_LABELS[r.result]) if r.result in labels.RESULT_LABELS else None,
                                   required=True, allow_none=True, metadata={"type": "string"})
    received_at = Time(required=True)
    due_at = Time(required=True, allow_none=True, metadata={"description": _l("null while the clock is stopped.")})
    completed_at = Time(required=True, allow_none=True)
    clock = Computed(RequestClockSchema, lambda schema, r: clock_figures(r, schema.moment, schema.calendar), required=True,
                     metadata={"description": _l("Where the statutory clock stands.")})
    supporter_count = fields.Integer(required=True, metadata={"description": _l("Others who reported the same problem.")})
    photos = fields.List(fields.Nested(RequestPhotoSchema), required=True)
    url = fields.Function(lambda r: url_for("api.civil_request", request_id=r.id, _external=True), required=True,
                          metadata={"type": "string", "format": "uri"})
    html_url = fields.Function(lambda r: url_for("civil_requests.detail", request_id=r.id, _external=True), required=True,
                               metadata={"type": "string", "format": "uri"})

    def __init__(self, *args, moment: datetime | None = None, calendar: clock.Calendar | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.moment, self.calendar = moment or now(), calendar


def clock_figures(request: CivilRequest, moment: datetime, calendar: clock.Calendar | None) -> dict:
    """The clock's words (labels.clock_state) and figures: overdue, and the working time left or past the due time."""
    state = labels.clock_state(request, moment)
    overdue = labels.is_overdue(request, moment)
    left = overdue_by = None
    if calendar is None and (state.state == "due" or overdue):
        calendar = timeline.city_calendar()
    if state.state == "due":
        left = int(clock.working_time_between(moment, request.due_at, calendar).total_seconds())
    if overdue:
        overdue_by = int(clock.working_time_between(request.due_at, moment, calendar).total_seconds())
    return {"state": state.state, "words": state.words, "overdue": overdue, "working_seconds_left": left, "working_seconds_overdue": overdue_by}


class StepSchema(Schema):
    """One step as the public request page shows it: never who took it, never a note between
    departments or the applicant's own comment."""

    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"enum": [k.value for k in EventKind]})
    label = fields.Function(lambda e: str(labels.EVENT_LABELS.get(e.kind, e.kind)), required=True, metadata={"type": "string"})
    at = Time(required=True)
    department = fields.Nested(DepartmentRef, required=True, allow_none=True)
    from_department = Computed(DepartmentRef, lambda _schema, e: e.from_department if e.kind == EventKind.TRANSFERRED.value else None,
                               required=True, allow_none=True, metadata={"description": _l("For a transfer: the department it left.")})
    due_at = fields.Method("_due", required=True, allow_none=True,
                           metadata={"type": "string", "format": "date-time", "description": _l("The due time this step set, where the page shows it.")})
    note = fields.Method("_note", required=True, allow_none=True, metadata={"type": "string", "description": _l(
        "The public note, or null: notes between departments and the applicant's own comments are not public.")})

    def _due(self, event: RequestEvent):
        return http.iso(event.due_at) if event.due_at and event.kind in labels.DUE_SHOWN else None

    def _note(self, event: RequestEvent):
        if event.kind == EventKind.SURVEY_ANSWERED.value:
            return str(labels.SATISFACTION_LABELS.get(event.note, event.note)) if event.note else None
        return event.note if event.note and labels.note_shown(event.kind, internal=False, applicant=False) else None


class CivilRequestDetailSchema(CivilRequestSchema):
    """A public request as its page shows it to a visitor."""

    tracking_number = fields.String(required=True, metadata={"description": _l(
        "As the request's public page shows it. Following a request by number also takes the applicant's phone or email.")})
    channel = fields.String(required=True, metadata={"enum": list(labels.CHANNEL_LABELS)})
    address = fields.String(required=True, metadata={"description": _l("As given; may be empty.")})
    cohandling_departments = Computed(DepartmentRef, lambda _schema, r: [c.department for c in r.cohandlings], many=True, required=True,
                                      metadata={"description": _l("Other departments asked for their part.")})
    answer = fields.String(required=True, metadata={"description": _l("The department's answer; empty until answered.")})
    result_reason = fields.Method("_reason", required=True, allow_none=True, metadata={"type": "string", "description": _l("When not possible: why.")})
    result_remedy = fields.Method("_remedy", required=True, allow_none=True, metadata={"type": "string", "description": _l("When not possible: what the applicant can do.")})
    timeline = fields.List(fields.Nested(StepSchema), attribute="events", required=True)

    def _reason(self, request: CivilRequest):
        return request.result_reason if request.result == "not_possible" else None

    def _remedy(self, request: CivilRequest):
        return request.result_remedy if request.result == "not_possible" else None


def last_change(request: CivilRequest, moment: datetime):
    """Every step moves `updated_at`; the clock turns overdue without one, at the due time."""
    due = request.due_at if request.due_at is not None and as_utc(request.due_at) <= moment else None
    return http.latest(request.updated_at, due)


def _filters(args: dict) -> listing.RequestFilters:
    """The page's filters (public_forms.RequestFilterForm). An id that names no category or 동 matches nothing."""
    return listing.RequestFilters(category_id=args.get("category"), district_id=args.get("district"), status=args.get("status"),
                                  overdue=bool(args.get("overdue")), sort=args.get("sort") or "newest")


@bp.get("/requests")
@operation(summary=_l("Civil requests"), tag="civil requests", query=RequestsQuery, response=page_of(CivilRequestSchema),
           description=_l("Every public civil request a visitor finds on /requests/, with the same filters and orders. Private requests never appear."))
def civil_requests():
    args = query_args(RequestsQuery)
    filters = _filters(args)
    moment = now()
    statement = listing.public_items_statement(filters, moment).options(selectinload(CivilRequest.photos))
    page = paging.keyset_page(statement, listing.public_ordering(filters.sort), paging.requested_limit(args), args.get("cursor"))
    shown = [r for r in page.items if permissions.can_view(current_user, r)]
    calendar = timeline.city_calendar() if any(r.due_at is not None for r in shown) else None
    body, links = paging.envelope(page, CivilRequestSchema(many=True, moment=moment, calendar=calendar).dump(shown))
    return http.respond(body, last_modified=http.latest(*(last_change(r, moment) for r in shown)), links=links)


@bp.get("/requests/<int:request_id>")
@operation(summary=_l("A civil request"), tag="civil requests", response=CivilRequestDetailSchema,
           description=_l("One public request and every step, as its public page shows them to a visitor."))
def civil_request(request_id: int):
    moment = now()
    request = db.session.scalar(
        select(CivilRequest).where(CivilRequest.id == request_id).options(
            joinedload(CivilRequest.category), joinedload(CivilRequest.lead_department),
            joinedload(CivilRequest.district).joinedload(District.parent),
            selectinload(CivilRequest.photos), selectinload(CivilRequest.cohandlings).joinedload(CoHandling.department),
            selectinload(CivilRequest.events).joinedload(RequestEvent.department),
            selectinload(CivilRequest.events).joinedload(RequestEvent.from_department),
        )
    )  # the <int> converter already caps the id at what the column holds
    if request is None or not permissions.can_view(current_user, request):
        raise http.not_found()
    body = CivilRequestDetailSchema(moment=moment, calendar=timeline.city_calendar()).dump(request)
    return http.respond(body, last_modified=last_change(request, moment))
