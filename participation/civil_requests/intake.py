"""Filing a civil request, whichever way it comes in (web, field staff, counter, Open311), and
"same problem" support. Every way in calls `file_request`."""
from __future__ import annotations

import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from participation.accounts.models import District, User
from participation.civil_requests import attributes, clock, geo, timeline
from participation.civil_requests.models import (
    ADDRESS_MAX,
    DESCRIPTION_MAX,
    MEDIA_URL_MAX,
    OPEN_STATUSES,
    PROGRESS_NOTICE_DAYS,
    TITLE_MAX,
    Channel,
    CivilRequest,
    EventKind,
    RequestCategory,
    RequestStatus,
    RequestSupporter,
)
from participation.core import audit
from participation.core.errors import ServiceError
from participation.core.i18n import lazy_gettext as _l
from participation.core.i18n import lazy_ngettext
from participation.core.phones import normalise_mobile
from participation.extensions import db

NEARBY_METRES = 300
NEARBY_LIMIT = 5


@dataclass
class RequestData:
    category: RequestCategory | None
    title: str
    description: str
    address: str = ""
    district: District | None = None
    latitude: float | None = None
    longitude: float | None = None
    is_public: bool = False
    media_url: str = ""  # a link to a photo elsewhere (Open311), kept as text and never fetched
    # Answers to the category's extra questions, by code (each a list: a multi-value list has several).
    answers: dict[str, list[str]] | None = None


@dataclass
class OnBehalf:
    """A counter filing: the resident's name and how to reach them, with their consent.
    An app filing through Open311 may leave the name out (`name_required` False): it sends only
    how to reach the resident."""

    name: str
    phone: str | None
    email: str | None
    consented: bool
    name_required: bool = True


def normalise_phone(value: str | None) -> str | None:
    """Digits only (010-1234-5678 -> 01012345678); None when empty; a refusal for a number that is not a Korean mobile."""
    if value is None or not value.strip():
        return None
    try:
        return normalise_mobile(value.strip())
    except ValueError:
        raise ServiceError(_l("Enter a mobile number such as 010-1234-5678."), field="contact_phone", code="bad_phone") from None


def period_for(category: RequestCategory) -> clock.Period:
    """The category's own period when an admin set one, else its kind's statutory default."""
    if category.period_amount is not None and category.period_unit is not None:
        return clock.Period(category.period_amount, category.period_unit)
    return clock.DEFAULT_PERIODS[clock.Kind(category.kind)]


def new_tracking_number(now: datetime) -> str:
    """YYYY-NNNN-NNNN: easy to read out over a phone, not guessable (10^8 a year, checked with the phone)."""
    while True:
        number = f"{now.year}-{secrets.randbelow(10_000):04d}-{secrets.randbelow(10_000):04d}"
        if db.session.scalar(select(CivilRequest.id).where(CivilRequest.tracking_number == number)) is None:
            return number


def _check(data: RequestData) -> None:
    category = data.category
    if category is None or category.is_retired:
        raise ServiceError(_l("This category is no longer in use. Choose another."), field="category_id", code="category_retired")
    if not data.title.strip():
        raise ServiceError(_l("Give the request a title."), field="title", code="title_missing")
    if len(data.title.strip()) > TITLE_MAX:
        raise ServiceError(lazy_ngettext("The title can be at most %(count)d character.", "The title can be at most %(count)d characters.", TITLE_MAX, count=TITLE_MAX), field="title", code="title_too_long")
    if not data.description.strip():
        raise ServiceError(_l("Describe the problem or the question."), field="description", code="description_missing")
    if len(data.description.strip()) > DESCRIPTION_MAX:
        raise ServiceError(
            lazy_ngettext("The description can be at most %(count)d character.", "The description can be at most %(count)d characters.", DESCRIPTION_MAX, count=DESCRIPTION_MAX), field="description", code="description_too_long"
        )
    if len(data.address.strip()) > ADDRESS_MAX:
        raise ServiceError(lazy_ngettext("The address can be at most %(count)d character.", "The address can be at most %(count)d characters.", ADDRESS_MAX, count=ADDRESS_MAX), field="address", code="address_too_long")
    if (data.latitude is None) != (data.longitude is None):
        raise ServiceError(_l("Give both latitude and longitude, or neither."), field="latitude", code="location_incomplete")
    if data.latitude is not None:
        if not (math.isfinite(data.latitude) and math.isfinite(data.longitude)) or not geo.within_city(data.latitude, data.longitude):
            raise ServiceError(_l("That place is outside the city. Move the pin inside the city's bounds."), field="latitude", code="outside_city")
    if data.district is not None and (data.district.is_retired or data.district.kind != "dong"):
        raise ServiceError(_l("Choose a 동 that is in use."), field="district_id", code="district_invalid")
    media_url = (data.media_url or "").strip()
    if media_url and (len(media_url) > MEDIA_URL_MAX or not re.match(r"^https?://[^\s]+$", media_url)):
        raise ServiceError(_l("Give the photo's link as an http or https address of at most %(max)d characters.", max=MEDIA_URL_MAX), field="media_url", code="media_url_invalid")


def _check_on_behalf(on_behalf: OnBehalf) -> tuple[str | None, str | None]:
    if on_behalf.name_required and not on_behalf.name.strip():
        raise ServiceError(_l("Give the resident's name."), field="applicant_name", code="name_missing")
    phone = normalise_phone(on_behalf.phone)
    email = (on_behalf.email or "").strip() or None
    if phone is None and email is None:
        raise ServiceError(_l("Give a phone number or an email address for updates."), field="contact_phone", code="contact_missing")
    if not on_behalf.consented:
        raise ServiceError(
            _l("Record that the resident agreed to their contact being kept for updates on this request."), field="consent", code="consent_missing"
        )
    return phone, email


def file_request(
    user: User | None,
    data: RequestData,
    now: datetime,
    *,
    channel: Channel = Channel.WEB,
    on_behalf: OnBehalf | None = None,
    photos=(),
    store_photos=None,
    api_key_id: int | None = None,
) -> CivilRequest:
    """File a request: route it to its category's department and start the statutory clock.

    `user` is the applicant (web, field report) or the staff member filing (counter, with
    `on_behalf`). `store_photos(request, photos, now)` adds already checked photos (the caller
    owns storage). `api_key_id` is the key an Open311 app filed with. The caller has asked the
    permission function (or checked the key) and commits.
    """
    _check(data)
    category = data.category
    # The web forms do not ask the extra questions (None); a way in that does (Open311) has them checked.
    answers = attributes.check_answers(category, data.answers) if data.answers is not None else []
    period = period_for(category)
    request = CivilRequest(
        tracking_number=new_tracking_number(now),
        category=category,
        kind=category.kind,
        period_amount=period.amount,
        period_unit=period.unit,
        lead_department_id=category.department_id,
        channel=channel.value,
        title=data.title.strip(),
        description=data.description.strip(),
        address=data.address.strip(),
        district=data.district,
        latitude=data.latitude,
        longitude=data.longitude,
        is_public=bool(data.is_public),
        media_url=(data.media_url or "").strip() or None,
        api_key_id=api_key_id,
        status=RequestStatus.RECEIVED.value,
        received_at=now,
        clock_from=now,
        extension_count=0,
        completion_count=0,
        supporter_count=0,
        version=0,
        created_at=now,
        updated_at=now,
    )
    if on_behalf is not None:
        phone, email = _check_on_behalf(on_behalf)
        request.applicant_name = on_behalf.name.strip() or None
        request.contact_phone = phone
        request.contact_email = email
        request.contact_consented_at = now
        request.filed_by = user
    else:
        if user is None:
            raise ServiceError(_l("Sign in to file a request."), code="sign_in")
        request.applicant = user
        request.filed_by = user
    db.session.add(request)
    db.session.flush()
    attributes.store_answers(request, answers)
    if photos and store_photos is not None:
        store_photos(request, list(photos), now)
    request.due_at = timeline.compute_due(request)
    request.next_progress_notice_at = now + timedelta(days=PROGRESS_NOTICE_DAYS)
    timeline.record(request, EventKind.FILED, now, actor=user, due_at=request.due_at)
    audit.record("civil_request.filed", now, actor=user, subject=request, channel=channel.value)
    return request


def support(user: User, request: CivilRequest, now: datetime) -> bool:
    """"Same problem": count the person once and tell them of each step. False if already counted."""
    # Held first, so two clicks at once (a double click) wait for each other: the second sees the
    # first one's row instead of meeting the primary key (a database error on PostgreSQL).
    timeline.lock(request, None)
    if request.status not in OPEN_STATUSES:
        raise ServiceError(_l("This request is closed; file a new one if the problem is back."), code="closed")
    if request.applicant_id == user.id:
        raise ServiceError(_l("This is your own request."), code="own_request")
    exists = db.session.scalar(
        select(RequestSupporter.user_id).where(RequestSupporter.request_id == request.id, RequestSupporter.user_id == user.id)
    )
    if exists is not None:
        return False
    db.session.add(RequestSupporter(request_id=request.id, user_id=user.id, created_at=now))
    db.session.flush()  # the primary key refuses a second row for the same person
    request.supporter_count = CivilRequest.supporter_count + 1
    timeline.record(request, EventKind.SUPPORTED, now, actor=user, notify=False, moves_version=False)
    return True


def _distance_metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance on a sphere of the Earth's mean radius."""
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def nearby_open(category: RequestCategory, latitude: float | None, longitude: float | None, text: str = "", district: District | None = None):
    """Open public requests of the same category near a point (or in the same 동), nearest and
    most alike first: [(request, metres or None)]. The metre box is a prefilter in SQL."""
    stmt = select(CivilRequest).where(
        CivilRequest.category_id == category.id,
        CivilRequest.is_public.is_(True),
        CivilRequest.status.in_([s.value for s in OPEN_STATUSES]),
    )
    if latitude is not None and longitude is not None:
        dlat = NEARBY_METRES / 111_320
        dlon = NEARBY_METRES / (111_320 * max(math.cos(math.radians(latitude)), 0.01))
        stmt = stmt.where(
            CivilRequest.latitude.between(latitude - dlat, latitude + dlat),
            CivilRequest.longitude.between(longitude - dlon, longitude + dlon),
        )
    elif district is not None:
        stmt = stmt.where(CivilRequest.district_id == district.id)
    else:
        return []
    candidates = db.session.scalars(stmt.order_by(CivilRequest.received_at.desc()).limit(50)).all()
    words = {w for w in re.findall(r"\w{2,}", text.lower())}

    def score(req):
        metres = _distance_metres(latitude, longitude, req.latitude, req.longitude) if latitude is not None and req.latitude is not None else None
        shared = len(words & set(re.findall(r"\w{2,}", f"{req.title} {req.description}".lower())))
        return (metres if metres is not None else NEARBY_METRES) - 50 * shared, metres

    ranked = sorted(((req, *score(req)) for req in candidates), key=lambda row: row[1])
    return [(req, metres) for req, _, metres in ranked if metres is None or metres <= NEARBY_METRES][:NEARBY_LIMIT]


def find_by_tracking(number: str, contact: str) -> CivilRequest | None:
    """The request with this tracking number whose applicant's phone (counter filings, or the
    account's phone) or counter email matches `contact`. An unknown number, a wrong phone and a
    wrong email look the same to the caller."""
    contact = (contact or "").strip()
    request = db.session.scalar(select(CivilRequest).where(CivilRequest.tracking_number == (number or "").strip()))
    if request is None:
        return None
    if "@" in contact:
        known, given = request.contact_email, contact.casefold()
        known = known.casefold() if known else None
    else:
        try:
            given = normalise_phone(contact)
        except ServiceError:
            return None
        known = request.contact_phone or (request.applicant.phone if request.applicant is not None else None)
    if known is None or given is None or not secrets.compare_digest(known.encode(), given.encode()):
        return None
    return request
