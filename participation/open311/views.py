"""Open311 GeoReport v2 endpoints, each as `<name>`, `<name>.xml` and `<name>.json`.

Reads show exactly what a visitor sees of civil requests: the list is civil_requests.listing's
public statement, a single request is asked of permissions.can_view as a visitor, and a step's
note of labels.note_shown, as the request page asks. Filing calls intake.file_request.
Nothing here returns an applicant's name, contact or account.

Authentication is by API key only, never by cookie, so the blueprint is exempt from CSRF.
"""
from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from functools import wraps

from flask import Blueprint, current_app, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from participation.accounts.models import District
from participation.api.guard import check_api_key, requested_language
from participation.api.http import Visitor, rate_limit_key
from participation.api.keys import ApiKeyRefused
from participation.api.models import ApiScope
from participation.civil_requests import attributes, geo, intake, labels, listing, permissions
from participation.civil_requests.forms import UNIT_LABELS
from participation.civil_requests.intake import OnBehalf, RequestData
from participation.civil_requests.models import (
    OPEN_STATUSES,
    TITLE_MAX,
    AttributeDatatype,
    Channel,
    CivilRequest,
    EventKind,
    RequestCategory,
    RequestEvent,
    RequestStatus,
)
from participation.core.db import write_transaction
from participation.core.errors import ServiceError
from participation.core.i18n import lazy_gettext as _l
from participation.core.i18n import lazy_ngettext
from participation.core.origin import public_url
from participation.core.time import SEOUL, now
from participation.core.web import ERROR_RENDERERS, MAX_DATABASE_ID, RATE_LIMIT_MESSAGES
from participation.extensions import csrf, db, limiter
from participation.open311 import formats, statuses

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
csrf.exempt(bp)

CHANGESET = "2026-12-03T00:00:00+09:00"  # when these endpoints last changed in a way clients see
WINDOW_DAYS = 90  # start_date to end_date, at most (GeoReport v2's default window)
PAGE_SIZE, PAGE_SIZE_MAX = 50, 500  # Chicago's paging extension
MAX_PAGE = 100_000
MAX_IDS = 100  # service_request_id=1,2,3 ...
POST_LIMIT = "60 per hour"  # per key; OPEN311_POST_LIMIT overrides it
NAME_MAX = 60
EMAIL_MAX = 254
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ATTRIBUTE_FIELD = re.compile(r"^attribute\[([^\]]{1,100})\](\[\])?$")
VISITOR = Visitor()  # what anyone without an account may see is what apps see

DATATYPE_DESCRIPTIONS = {
    AttributeDatatype.STRING.value: _l("One line of text."),
    AttributeDatatype.NUMBER.value: _l("A number."),
    AttributeDatatype.DATETIME.value: _l("A date and time with its zone, such as 2026-12-03T09:00:00+09:00."),
    AttributeDatatype.TEXT.value: _l("Text, several lines if needed."),
    AttributeDatatype.SINGLEVALUELIST.value: _l("One of the keys listed."),
    AttributeDatatype.MULTIVALUELIST.value: _l("One or more of the keys listed."),
}


# The bare address's format: XML, the spec's default. Not "xml" itself, or werkzeug would redirect
# /x.xml to /x, the rule whose default it would then equal.
BARE = ""


class Refusal(Exception):
    """A request this API cannot answer: its status (400 or 404) and why."""

    def __init__(self, status: int, message):
        super().__init__(message)
        self.status = status
        self.message = message


# --- languages, formats and errors -----------------------------------------------------------


def language() -> str:
    """`locale=ko|en` if given, else Accept-Language (ko or en), else Korean."""
    chosen = request.args.get("locale")
    return chosen if chosen in current_app.config["LANGUAGES"] else requested_language()


def error_answer(status: int, message):
    """Every error under /open311/, in the spec's form and the caller's language."""
    with force_locale(language()):
        text = str(message)
    return formats.errors(formats.format_of(request.path), status, text), status


@bp.record_once
def _register_error_renderer(state):
    ERROR_RENDERERS["/open311/"] = error_answer
    RATE_LIMIT_MESSAGES["open311.post_request"] = lambda minutes: _l(
        "This key has filed too many requests. Try again in a few minutes."
    )


@bp.errorhandler(Refusal)
def _refused(exc: Refusal):
    return error_answer(exc.status, exc.message)


@bp.errorhandler(ApiKeyRefused)
def _key_refused(exc: ApiKeyRefused):
    return error_answer(403, exc.message)


@bp.errorhandler(ServiceError)
def _service_refused(exc: ServiceError):
    return error_answer(400, exc.message)


def route(rule: str, **options):
    """The rule answering XML bare (the spec's default) and as .xml or .json."""

    def decorator(view):
        @wraps(view)
        def localized(*args, **kwargs):
            with force_locale(language()):
                return view(*args, **kwargs)

        bp.add_url_rule(rule, view_func=localized, defaults={"fmt": BARE}, **options)
        bp.add_url_rule(f"{rule}.<any(xml, json):fmt>", view_func=localized, **options)
        return localized

    return decorator


# --- reading parameters ----------------------------------------------------------------------


def _datetime_param(name: str) -> datetime | None:
    # A "+" of an offset sent unencoded in a query string arrives as a space.
    value = (request.values.get(name) or "").strip().replace(" ", "+")
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value)
    except ValueError:
        raise Refusal(400, _l("%(name)s must be a W3C date and time, such as 2026-12-03T09:00:00+09:00.", name=name)) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SEOUL)  # no zone given: the city's time
    return moment


def _window(moment: datetime) -> tuple[datetime, datetime]:
    """start_date and end_date: by default the 90 days up to now (or to end_date); never wider."""
    start, end = _datetime_param("start_date"), _datetime_param("end_date")
    end = end or (start + timedelta(days=WINDOW_DAYS) if start is not None else moment)
    start = start or end - timedelta(days=WINDOW_DAYS)
    if start > end:
        raise Refusal(400, _l("start_date must be before end_date."))
    if end - start > timedelta(days=WINDOW_DAYS):
        raise Refusal(400, lazy_ngettext("From start_date to end_date can be at most %(days)d day.", "From start_date to end_date can be at most %(days)d days.", WINDOW_DAYS, days=WINDOW_DAYS))
    return start, end


def _int_param(name: str, default: int, maximum: int) -> int:
    value = (request.values.get(name) or "").strip()
    if not value:
        return default
    if not value.isdigit() or not 1 <= int(value) <= maximum:
        raise Refusal(400, _l("%(name)s must be a whole number from 1 to %(max)d.", name=name, max=maximum))
    return int(value)


def _id_list(name: str) -> list[int]:
    parts = [p.strip() for p in (request.values.get(name) or "").split(",") if p.strip()]
    if len(parts) > MAX_IDS or not all(p.isascii() and p.isdigit() and 0 < int(p) <= MAX_DATABASE_ID for p in parts):
        raise Refusal(400, lazy_ngettext("%(name)s must be a list of at most %(max)d number separated by commas.", "%(name)s must be a list of at most %(max)d numbers separated by commas.", MAX_IDS, name=name, max=MAX_IDS))
    return [int(p) for p in parts]


def _paging() -> tuple[int, int]:
    return _int_param("page", 1, MAX_PAGE), _int_param("page_size", PAGE_SIZE, PAGE_SIZE_MAX)


# --- what a request reads as ----------------------------------------------------------------


def _service_description(category: RequestCategory, locale: str) -> str:
    period = intake.period_for(category)
    return _(
        "Handled by %(department)s, answered within %(amount)d %(unit)s under the Civil Petitions Act.",
        department=category.department.name_for(locale), amount=period.amount, unit=UNIT_LABELS.get(period.unit, period.unit),
    )


def _service(category: RequestCategory, locale: str, with_questions: set[int]) -> dict:
    return {
        "service_code": str(category.id),
        "service_name": category.name_for(locale),
        "description": _service_description(category, locale),
        "metadata": category.id in with_questions,
        "type": "realtime",
        "keywords": category.kind,
        "group": category.department.name_for(locale),
    }


def _status_notes(req: CivilRequest) -> str:
    """The answer the request page shows everyone, with its result (and why not, when not possible)."""
    if req.status not in (RequestStatus.COMPLETED, RequestStatus.CLOSED_AS_REPEAT) or not req.answer:
        return str(labels.STATUS_LABELS.get(req.status, req.status))
    parts = [str(labels.RESULT_LABELS.get(req.result, "")) if req.result else "", req.answer]
    if req.result_reason:
        parts.append(req.result_reason)
    return "\n\n".join(p for p in parts if p)


def _photo_url(req: CivilRequest) -> str | None:
    if req.media_url:
        return req.media_url
    if req.photos:
        return public_url() + url_for("civil_requests.photo", name=f"{req.photos[0].token}.jpg")
    return None


def _wants_extensions() -> bool:
    """Chicago's `extensions=true`: each request gains `extended_attributes`."""
    return (request.args.get("extensions") or "").lower() == "true"


def _extended_attributes(req: CivilRequest, locale: str) -> dict:
    return {
        # mySociety's extended status of the request now (FIXED, IN_PROGRESS, INTERNAL_REFERRAL ...),
        # from the same table as servicerequestupdates.
        "detailed_status": statuses.current(req.status, req.result),
        "channel": req.channel,
        "district": req.district.full_name_for(locale) if req.district else "",
        "overdue": labels.is_overdue(req, now()),
    }


def _request_row(req: CivilRequest, locale: str) -> dict:
    """One request as GeoReport v2 lists it: nothing of who filed it."""
    row = _basic_row(req, locale)
    if _wants_extensions():
        row["extended_attributes"] = _extended_attributes(req, locale)
    return row


def _basic_row(req: CivilRequest, locale: str) -> dict:
    return {
        "service_request_id": str(req.id),
        "status": statuses.simple(req.status),
        "status_notes": _status_notes(req),
        "service_name": req.category.name_for(locale),
        "service_code": str(req.category_id),
        "description": req.description,
        "agency_responsible": req.lead_department.name_for(locale),
        "service_notice": "",
        "requested_datetime": formats.w3c(req.received_at),
        "updated_datetime": formats.w3c(req.updated_at),
        # The statute's clock: when the answer is due (none while it waits for a supplement, or once closed).
        "expected_datetime": formats.w3c(req.due_at) if req.status in OPEN_STATUSES else None,
        "address": req.address or (req.district.full_name_for(locale) if req.district else ""),
        "address_id": str(req.district_id) if req.district_id else "",
        "zipcode": "",
        "lat": req.latitude,
        "long": req.longitude,
        "media_url": _photo_url(req),
    }


def _with_details(stmt):
    return stmt.options(
        joinedload(CivilRequest.category),
        joinedload(CivilRequest.lead_department),
        joinedload(CivilRequest.district).joinedload(District.parent),
        selectinload(CivilRequest.photos),
    )


def _public_request(request_id: int) -> CivilRequest:
    req = db.session.get(CivilRequest, request_id)
    if req is None or not permissions.can_view(VISITOR, req):
        raise Refusal(404, _l("There is no public service request with this id."))
    return req


def _requests_answer(fmt: str, rows: list[CivilRequest], locale: str):
    return formats.document(fmt, "service_requests", "request", [_request_row(r, locale) for r in rows])


# --- discovery and services -----------------------------------------------------------------


@route("/discovery")
def discovery(fmt: str):
    base = public_url() + url_for("open311.discovery").removesuffix("/discovery")
    content = {
        "changeset": CHANGESET,
        "contact": current_app.config.get("OPEN311_CONTACT") or _("Ask the city's civil-request office."),
        "key_service": _("API keys are issued by the city's administrators: ask the civil-request office for one with the Open311 scope."),
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return formats.document(fmt, "discovery", None, content)


def _active_categories() -> list[RequestCategory]:
    return list(db.session.scalars(
        select(RequestCategory).where(RequestCategory.retired_at.is_(None))
        .options(joinedload(RequestCategory.department)).order_by(RequestCategory.name_ko, RequestCategory.id)
    ))


@route("/services")
def services(fmt: str):
    locale = language()
    categories = _active_categories()
    with_questions = attributes.categories_with_attributes(c.id for c in categories)
    return formats.document(fmt, "services", "service", [_service(c, locale, with_questions) for c in categories])


def _active_category(code: str | int) -> RequestCategory | None:
    """The category in use with this service_code, or None."""
    text = str(code).strip()
    category = db.session.get(RequestCategory, int(text)) if text.isdigit() and 0 < int(text) < 2**31 else None
    if category is None or category.is_retired:
        return None
    return category


@bp.route("/services/<int:code>", defaults={"fmt": BARE})
@bp.route("/services/<int:code>.<any(xml, json):fmt>")
def service_definition(code: int, fmt: str):
    locale = language()
    with force_locale(locale):
        category = _active_category(code)
        if category is None:
            raise Refusal(404, _l("There is no service with this code."))
        content = {
            "service_code": str(category.id),
            "attributes": [
                {
                    "variable": True,
                    "code": a.code,
                    "datatype": a.datatype,
                    "required": a.required,
                    "datatype_description": str(DATATYPE_DESCRIPTIONS[a.datatype]),
                    "order": a.position,
                    "description": a.description_for(locale),
                    "values": [{"key": v["key"], "name": a.value_name(v, locale)} for v in a.values or []],
                }
                for a in attributes.attributes_of(category)
            ],
        }
        return formats.document(fmt, "service_definition", None, content)


# --- reading requests -----------------------------------------------------------------------


@route("/requests", methods=["GET"])
def list_requests(fmt: str):
    locale, moment = language(), now()
    ids = _id_list("service_request_id")
    if ids:
        # The spec: a list of ids overrides every other parameter.
        stmt = listing.public_statement(listing.RequestFilters(), moment).where(CivilRequest.id.in_(ids))
        return _requests_answer(fmt, list(db.session.scalars(_with_details(stmt))), locale)
    start, end = _window(moment)
    page, page_size = _paging()
    status_values = [s.strip() for s in (request.values.get("status") or "").split(",") if s.strip()]
    if any(s not in (statuses.OPEN, statuses.CLOSED) for s in status_values):
        raise Refusal(400, _l("status must be open or closed."))
    # Both open and closed asked is no filter at all.
    status = status_values[0] if len(set(status_values)) == 1 else None
    stmt = listing.public_statement(listing.RequestFilters(status=status), moment).where(
        CivilRequest.received_at >= start, CivilRequest.received_at <= end
    )
    codes = _id_list("service_code")
    if codes:
        stmt = stmt.where(CivilRequest.category_id.in_(codes))
    updated_after, updated_before = _datetime_param("updated_after"), _datetime_param("updated_before")
    if updated_after is not None:
        stmt = stmt.where(CivilRequest.updated_at > updated_after)
    if updated_before is not None:
        stmt = stmt.where(CivilRequest.updated_at < updated_before)
    stmt = _with_details(stmt).limit(page_size).offset((page - 1) * page_size)
    return _requests_answer(fmt, list(db.session.scalars(stmt)), locale)


@bp.route("/requests/<int:request_id>", defaults={"fmt": BARE})
@bp.route("/requests/<int:request_id>.<any(xml, json):fmt>")
def request_detail(request_id: int, fmt: str):
    locale = language()
    with force_locale(locale):
        return _requests_answer(fmt, [_public_request(request_id)], locale)


@bp.route("/tokens/<token>")
def token(token: str):
    """The token is the request's tracking number; a private request's is unknown here."""
    fmt = "xml"
    for suffix in formats.FORMATS:
        if token.endswith(f".{suffix}"):
            token, fmt = token.removesuffix(f".{suffix}"), suffix
    with force_locale(language()):
        req = db.session.scalar(select(CivilRequest).where(CivilRequest.tracking_number == token[:32]))
        if req is None or not permissions.can_view(VISITOR, req):
            raise Refusal(404, _l("There is no public service request with this token."))
        return formats.document(fmt, "service_requests", "request", [{"service_request_id": str(req.id), "token": req.tracking_number}])


# --- mySociety's service request updates ------------------------------------------------------


def _update_description(event: RequestEvent) -> str:
    text = str(labels.EVENT_LABELS.get(event.kind, event.kind))
    if event.kind == EventKind.SURVEY_ANSWERED.value:
        note = str(labels.SATISFACTION_LABELS.get(event.note, ""))
    else:
        note = event.note if event.note and labels.note_shown(event.kind) else ""
    return f"{text}: {note}" if note else text


@route("/servicerequestupdates")
def service_request_updates(fmt: str):
    """One update per step of a public request in the window, oldest first, as its page shows it."""
    moment = now()
    start, end = _window(moment)
    page, page_size = _paging()
    events = list(db.session.scalars(
        select(RequestEvent).join(RequestEvent.request)
        .where(CivilRequest.is_public.is_(True), RequestEvent.at >= start, RequestEvent.at <= end)
        .options(joinedload(RequestEvent.request))
        .order_by(RequestEvent.at, RequestEvent.id)
        .limit(page_size).offset((page - 1) * page_size)
    ))
    # Where each request stood after each of its steps, and which step its latest answer was.
    request_ids = {e.request_id for e in events}
    status_after: dict[int, str] = {}
    latest_answer: dict[int, int] = {}
    if request_ids:
        running: dict[int, str] = {}
        for event_id, request_id, kind, status_to in db.session.execute(
            select(RequestEvent.id, RequestEvent.request_id, RequestEvent.kind, RequestEvent.status_to)
            .where(RequestEvent.request_id.in_(request_ids)).order_by(RequestEvent.id)
        ):
            running[request_id] = status_to or running.get(request_id, RequestStatus.RECEIVED.value)
            status_after[event_id] = running[request_id]
            if kind == EventKind.COMPLETED.value:
                latest_answer[request_id] = event_id
    rows = []
    for event in events:
        req = event.request
        # The result is known for the latest answer (and the steps after it) of a request still completed.
        known = req.status == RequestStatus.COMPLETED and event.id >= latest_answer.get(req.id, event.id + 1)
        rows.append({
            "update_id": str(event.id),
            "service_request_id": str(req.id),
            "status": statuses.extended(event.kind, status_after.get(event.id, req.status), req.result if known else None),
            "updated_datetime": formats.w3c(event.at),
            "description": _update_description(event),
            "media_url": req.media_url if event.kind == EventKind.FILED.value else None,
        })
    return formats.document(fmt, "service_request_updates", "request_update", rows)


# --- filing ---------------------------------------------------------------------------------


def _float_param(name: str) -> float | None:
    value = (request.form.get(name) or "").strip()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise Refusal(400, _l("%(name)s must be a number.", name=name)) from None
    if not math.isfinite(number):
        raise Refusal(400, _l("%(name)s must be a number.", name=name))
    return number


def _answers() -> dict[str, list[str]]:
    answers: dict[str, list[str]] = {}
    for field in request.form:
        match = ATTRIBUTE_FIELD.match(field)
        if match:
            answers.setdefault(match.group(1), []).extend(request.form.getlist(field))
    return answers


def _resident_name() -> str:
    first, last = (request.form.get("first_name") or "").strip(), (request.form.get("last_name") or "").strip()
    # A Korean name reads family name first, without a space (홍길동); others "First Last".
    korean = all("\uac00" <= ch <= "\ud7a3" for ch in first + last) and (first or last)
    name = f"{last}{first}" if korean else " ".join(p for p in (first, last) if p)
    if len(name) > NAME_MAX:
        raise Refusal(400, _l("The name can be at most %(max)d characters.", max=NAME_MAX))
    return name


def _email() -> str | None:
    email = (request.form.get("email") or "").strip()
    if not email:
        return None
    if len(email) > EMAIL_MAX or not EMAIL_RE.match(email):
        raise Refusal(400, _l("Give a valid email address."))
    return email


def _title(description: str, category: RequestCategory, locale: str) -> str:
    """A request from an app has no title: its description's first line, shortened (or the category's name)."""
    first_line = next((line.strip() for line in description.splitlines() if line.strip()), "")
    if not first_line:
        return category.name_for(locale)
    return first_line if len(first_line) <= TITLE_MAX else first_line[: TITLE_MAX - 1].rstrip() + "…"


@route("/requests", methods=["POST"])
@limiter.limit(lambda: current_app.config.get("OPEN311_POST_LIMIT", POST_LIMIT), key_func=rate_limit_key, methods=["POST"])
def post_request(fmt: str):
    if request.mimetype not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise Refusal(400, _l("Send the request as a form (application/x-www-form-urlencoded), as Open311 does."))
    key = check_api_key(ApiScope.OPEN311_SUBMIT.value, required=True)
    locale = language()
    category = _active_category(request.form.get("service_code") or "")
    if category is None:
        raise Refusal(400, _l("service_code is missing or names no service in use."))
    latitude, longitude = _float_param("lat"), _float_param("long")
    address = (request.form.get("address_string") or "").strip()
    if latitude is None and longitude is None and not address:
        raise Refusal(400, _l("Give a location: lat and long, or address_string."))
    description = (request.form.get("description") or "").strip()
    district = None
    if latitude is not None and longitude is not None and geo.within_city(latitude, longitude):
        district_id = geo.district_at(latitude, longitude)
        district = db.session.get(District, district_id) if district_id else None
    data = RequestData(
        category=category,
        title=_title(description, category, locale),
        description=description,
        address=address,
        district=district,
        latitude=latitude,
        longitude=longitude,
        # Open311 service requests are public records: GeoReport v2 lists every request to anyone,
        # and the apps that use it tell their users so. What is published is the problem, its place
        # and its handling; the resident's name, phone and email never leave the departments.
        is_public=True,
        media_url=request.form.get("media_url") or "",
        answers=_answers(),
    )
    # The app collects the resident's contact for updates on this request with their consent: the
    # key is issued on that condition. device_id and account_id identify the app's user to the app
    # only; they are not kept.
    on_behalf = OnBehalf(name=_resident_name(), phone=request.form.get("phone"), email=_email(), consented=True, name_required=False)
    moment = now()
    with write_transaction():
        filed = intake.file_request(None, data, moment, channel=Channel.OPEN311, on_behalf=on_behalf, api_key_id=key.id)
    notice = _("Filed as %(number)s. The answer is due by %(when)s.", number=filed.tracking_number, when=formats.w3c(filed.due_at))
    row = {"service_request_id": str(filed.id), "token": filed.tracking_number, "service_notice": notice, "account_id": None}
    return formats.document(fmt, "service_requests", "request", [row], status=201)
