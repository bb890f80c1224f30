"""Filing a civil request, three ways in: online by the resident (phone first), by field staff in
three taps, and by counter staff for a resident; "same problem" instead of filing again; the
printable receipt with its QR code; following a request by its tracking number; its photos.

Every way in calls one service, `intake.file_request`. Photos are checked and re-encoded (EXIF
and GPS dropped) before the service runs, and stored by it inside the same transaction, so a
refused filing leaves neither a row nor a file.
"""
from __future__ import annotations

import segno
from flask import abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from participation.accounts import reference as accounts_reference
from participation.accounts.models import District
from participation.civil_requests import geo, intake, permissions, reference, tracking
from participation.civil_requests import photos as request_photos
from participation.civil_requests.filing_forms import CounterForm, FieldReportForm, RequestForm, TrackForm, chosen_files
from participation.civil_requests.labels import STATUS_LABELS
from participation.civil_requests.models import MAX_PHOTOS, TITLE_MAX, Channel, CivilRequest, RequestCategory
from participation.civil_requests.views import bp
from participation.civil_requests.views.detail import visible_request
from participation.core import images
from participation.core.db import write_transaction
from participation.core.errors import ServiceError
from participation.core.forms import form_status, options, perform
from participation.core.i18n import lazy_gettext as _l
from participation.core.i18n import lazy_ngettext
from participation.core.origin import public_url
from participation.core.permissions import require
from participation.core.time import format_local_datetime, now
from participation.core.web import RATE_LIMIT_MESSAGES, error_response, user_or_address, wants_json
from participation.extensions import db, limiter

# Defaults; TRACKING_LIMIT_PER_IP, TRACKING_LIMIT_PER_NUMBER and REQUEST_POST_LIMIT override them.
TRACKING_LIMIT_PER_IP = "20 per 15 minutes"
TRACKING_LIMIT_PER_NUMBER = "10 per hour"
REQUEST_POST_LIMIT = "30 per hour"
NEARBY_TEXT_MAX = 500


def _locale() -> str:
    return str(get_locale())


# --- choices ---------------------------------------------------------------------------------


def _category_label(category: RequestCategory, locale: str) -> str:
    return _("%(category)s (%(department)s)", category=category.name_for(locale), department=category.department.name_for(locale))


def _fill_choices(form, categories: list[RequestCategory]) -> None:
    """Active categories, each with the department it routes to, and the city's 동.

    A posted category retired since the page was loaded stays a choice, so the service refuses it
    by name ("no longer in use") rather than the form saying "choose one of the options"."""
    locale = _locale()
    pairs = [(c.id, _category_label(c, locale)) for c in categories]
    posted = form.category_id.data
    if posted is not None and posted not in {c.id for c in categories}:
        retired = db.session.get(RequestCategory, posted)
        if retired is not None:
            pairs.append((retired.id, retired.name_for(locale)))
    form.category_id.choices = options([("", _l("Choose a category"))] + pairs)
    dongs = [d for d in accounts_reference.active_districts() if d.parent is not None]
    form.district_id.choices = options([("", _l("Not specified"))] + [(d.id, d.full_name_for(locale)) for d in dongs])


def _district(form) -> District | None:
    return db.session.get(District, form.district_id.data) if form.district_id.data else None


def _data(form, *, title: str | None = None, description: str | None = None) -> intake.RequestData:
    return intake.RequestData(
        category=db.session.get(RequestCategory, form.category_id.data) if form.category_id.data else None,
        title=form.title.data if title is None else title,
        description=form.description.data if description is None else description,
        address=form.address.data or "",
        district=_district(form),
        latitude=form.latitude.data,
        longitude=form.longitude.data,
        is_public=bool(form.is_public.data),
    )


def _processed_photos(field):
    """Check and re-encode each photo chosen in `field`; None (with the reason on it) if any is refused."""
    files = chosen_files(field)
    if len(files) > MAX_PHOTOS:
        field.errors = [request_photos.too_many().message]
        return None
    processed = []
    for upload in files:
        try:
            processed.append(images.process_photo(upload.stream))
        except ServiceError as exc:
            field.errors = [exc.message]
            return None
    return processed


def _filed_message(filed: CivilRequest) -> str:
    return _(
        "Your request is filed. Its tracking number is %(number)s, and %(department)s answers by %(due)s.",
        number=filed.tracking_number,
        department=filed.lead_department.name_for(_locale()),
        due=format_local_datetime(filed.due_at),
    )


# --- similar requests nearby ------------------------------------------------------------------


def _nearby(category: RequestCategory | None, latitude, longitude, text: str, district: District | None):
    """[(request, metres)]; a point that is not a coordinate counts as no point."""
    if category is None or category.is_retired:
        return []
    point = (float(latitude), float(longitude)) if geo.is_coordinate(latitude, longitude) else (None, None)
    return intake.nearby_open(category, *point, text[:NEARBY_TEXT_MAX], district)


def _nearby_for_form(form):
    category = db.session.get(RequestCategory, form.category_id.data) if form.category_id.data else None
    return _nearby(category, form.latitude.data, form.longitude.data, f"{form.title.data or ''} {form.description.data or ''}", _district(form))


@bp.route("/nearby.json")
@limiter.limit("60 per minute")
def nearby():
    """Open public requests of a category near a point (or in a 동), nearest and most alike first.
    Public requests only, and nothing about who filed them."""
    args = request.args
    category_id = args.get("category", type=int)
    category = db.session.get(RequestCategory, category_id) if category_id and 0 < category_id < 2**31 else None
    lat, lon = args.get("latitude", "")[:32], args.get("longitude", "")[:32]
    district_id = args.get("district_id", type=int)
    district = db.session.get(District, district_id) if district_id and 0 < district_id < 2**31 else None
    found = _nearby(category, lat, lon, args.get("q", ""), district)
    return jsonify([
        {
            "id": r.id,
            "title": r.title,
            "distance_m": round(metres) if metres is not None else None,
            "supporter_count": r.supporter_count,
            "status": r.status,
            "status_label": str(STATUS_LABELS.get(r.status, r.status)),
            "url": url_for("civil_requests.detail", request_id=r.id),
        }
        for r, metres in found
    ])


# --- online ----------------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config.get("REQUEST_POST_LIMIT", REQUEST_POST_LIMIT), key_func=user_or_address, methods=["POST"])
def new():
    moment = now()
    require(permissions.can_file(current_user, moment))
    form = RequestForm()
    _fill_choices(form, reference.active_request_categories())
    checked = request.method == "POST" and bool(request.form.get("check"))
    if not checked and form.validate_on_submit():
        photos = _processed_photos(form.photos)
        if photos is not None:
            done, filed = perform(
                form,
                lambda: intake.file_request(
                    current_user, _data(form), moment, channel=Channel.WEB, photos=photos, store_photos=request_photos.store_photos
                ),
            )
            if done:
                flash(_filed_message(filed), "success")
                return redirect(url_for("civil_requests.detail", request_id=filed.id))
    nearby_requests = _nearby_for_form(form) if request.method == "POST" else []
    return render_template("civil_requests/new.html", form=form, nearby=nearby_requests, checked=checked, now=moment), form_status(form)


# --- "same problem" ----------------------------------------------------------------------------


def _support_refusal(civil_request: CivilRequest):
    if permissions.is_applicant(current_user, civil_request):
        return _l("This is your own request.")
    if not civil_request.is_open:
        return _l("This request is closed; file a new one if the problem is back.")
    if not civil_request.is_public:
        return _l("Only public requests take \"same problem\" reports.")
    return _l("You cannot add yourself to this request now.")


@bp.route("/<int:request_id>/support", methods=["POST"])
def support(request_id: int):
    civil_request = visible_request(request_id)
    moment = now()
    require(current_user.is_authenticated)
    as_json = wants_json()
    refusal = None if permissions.can_support(current_user, civil_request, moment) else _support_refusal(civil_request)
    added = False
    if refusal is None:
        try:
            with write_transaction():
                added = intake.support(current_user, civil_request, moment)
        except ServiceError as exc:
            refusal = exc.message
    if refusal is not None:
        if as_json:
            return error_response(409, refusal, error_code="support_refused", as_json=True)
        flash(str(refusal), "error")
        return redirect(url_for("civil_requests.detail", request_id=civil_request.id))
    message = (
        _("Added: you reported the same problem, and you will be told of each step.")
        if added else _("You had already reported the same problem here; you are told of each step.")
    )
    if as_json:
        return jsonify(supported=True, added=added, supporter_count=civil_request.supporter_count, message=message)
    flash(message, "success")
    return redirect(url_for("civil_requests.detail", request_id=civil_request.id))


# --- field staff --------------------------------------------------------------------------------


def _field_place(form, district: District | None) -> str:
    if district is not None:
        return district.full_name_for(_locale())
    if (form.address.data or "").strip():
        return form.address.data.strip()
    if form.latitude.data is not None and form.longitude.data is not None:
        return f"{form.latitude.data:.5f}, {form.longitude.data:.5f}"
    return ""


@bp.route("/field", methods=["GET", "POST"])
def field():
    """Photo, position, category: the category's button files it, routed at once."""
    moment = now()
    require(permissions.can_file_in_field(current_user, moment))
    form = FieldReportForm()
    categories = reference.active_request_categories()
    _fill_choices(form, categories)
    if form.validate_on_submit():
        district = _district(form)
        if district is None and form.latitude.data is not None and form.longitude.data is not None:
            found = geo.district_at(form.latitude.data, form.longitude.data)
            district = db.session.get(District, found) if found else None
        place = _field_place(form, district)
        category = db.session.get(RequestCategory, form.category_id.data)
        if not place:
            form.latitude.errors = [_l("Give the position: use your phone's location, or type the coordinates, the dong or an address.")]
        else:
            photos = _processed_photos(form.photo)
            if photos is not None:
                name = category.name_for(_locale())
                title = _("%(category)s · %(place)s", category=name, place=place)[:TITLE_MAX]
                description = (form.note.data or "").strip() or _("Field report: %(category)s at %(place)s.", category=name, place=place)
                data = _data(form, title=title, description=description)
                data.district = district
                done, filed = perform(
                    form,
                    lambda: intake.file_request(
                        current_user, data, moment, channel=Channel.FIELD, photos=photos, store_photos=request_photos.store_photos
                    ),
                )
                if done:
                    flash(_filed_message(filed), "success")
                    return redirect(url_for("civil_requests.detail", request_id=filed.id))
    return render_template("civil_requests/field.html", form=form, categories=categories), form_status(form)


# --- counter staff --------------------------------------------------------------------------------


@bp.route("/counter", methods=["GET", "POST"])
def counter():
    """Staff file for a resident who does not use the web, with the resident's consent; the receipt follows."""
    moment = now()
    require(permissions.can_file_at_counter(current_user, moment))
    form = CounterForm()
    _fill_choices(form, reference.active_request_categories())
    if form.validate_on_submit():
        on_behalf = intake.OnBehalf(
            name=form.applicant_name.data, phone=form.contact_phone.data, email=form.contact_email.data, consented=bool(form.consent.data)
        )
        done, filed = perform(form, lambda: intake.file_request(current_user, _data(form), moment, channel=Channel.COUNTER, on_behalf=on_behalf))
        if done:
            flash(_("Filed for the resident. Print the receipt and hand it to them."), "success")
            return redirect(url_for("civil_requests.receipt", request_id=filed.id))
    return render_template("civil_requests/counter.html", form=form), form_status(form)


# --- the receipt -------------------------------------------------------------------------------------


def tracking_url(civil_request: CivilRequest) -> str:
    """The absolute address a receipt's QR code opens: the tracking page with the number filled in
    (never the phone number: the person types that)."""
    return public_url() + url_for("civil_requests.track", number=civil_request.tracking_number)


def _qr_svg(url: str) -> Markup:
    # Inline SVG: the strict CSP allows it, where an <img> of a data: URI would need img-src data:.
    code = segno.make(url, error="m")
    svg = code.svg_inline(scale=4, border=2, title=_("QR code for the tracking page"), svgclass="receipt-qr", omitsize=False)
    return Markup(svg)  # noqa: S704  (segno's own markup of a URL we built; the title is ours)


@bp.route("/<int:request_id>/receipt")
def receipt(request_id: int):
    civil_request = db.session.get(CivilRequest, request_id)
    if civil_request is None or not permissions.can_view_receipt(current_user, civil_request):
        require(current_user.is_authenticated)
        abort(404)
    url = tracking_url(civil_request)
    return render_template("civil_requests/receipt.html", r=civil_request, url=url, qr=_qr_svg(url), now=now())


# --- following by tracking number -----------------------------------------------------------------------


def _lookup_failed(response) -> bool:
    # Only a lookup that was made, and matched nothing, counts: an empty or malformed form tried
    # no number, and counting it would let anyone use up the budget every empty submission shares.
    return bool(g.get("tracking_failed"))


def _tracking_number_key() -> str:
    return "track-number:" + tracking.normalise_number(request.form.get("number", ""))[:20]


RATE_LIMIT_MESSAGES["civil_requests.track"] = lambda minutes: lazy_ngettext(
    "Too many tries to find a request. Check the tracking number on your receipt and try again in %(minutes)d minute.",
    "Too many tries to find a request. Check the tracking number on your receipt and try again in %(minutes)d minutes.",
    minutes,
    minutes=minutes,
)


@bp.route("/track", methods=["GET", "POST"])
# Only failed tries count, per address (guessing numbers) and per number (guessing its phone).
@limiter.limit(
    lambda: current_app.config.get("TRACKING_LIMIT_PER_IP", TRACKING_LIMIT_PER_IP), methods=["POST"], deduct_when=_lookup_failed
)
@limiter.limit(
    lambda: current_app.config.get("TRACKING_LIMIT_PER_NUMBER", TRACKING_LIMIT_PER_NUMBER),
    key_func=_tracking_number_key,
    methods=["POST"],
    deduct_when=_lookup_failed,
)
def track():
    form = TrackForm()
    if request.method == "GET" and request.args.get("number"):
        form.number.data = tracking.normalise_number(request.args.get("number", "")[:20])
    if form.validate_on_submit():
        found = tracking.find(form.number.data, form.contact.data)
        if found is not None:
            tracking.remember(found.id)
            return redirect(url_for("civil_requests.detail", request_id=found.id))
        # One message for an unknown number and a wrong phone: neither tells which it was.
        g.tracking_failed = True
        form.form_errors.append(_l("No request matches this tracking number and contact. Check both and try again."))
    return render_template("civil_requests/track.html", form=form), form_status(form)


# --- photos -------------------------------------------------------------------------------------------------


@bp.route("/photos/<name>")
def photo(name: str):
    match = images.PHOTO_NAME.match(name)
    record = request_photos.by_token(match["token"]) if match else None
    if record is None:
        abort(404)
    civil_request = visible_request(record.request_id)
    # Revalidated on every use, so a photo stops showing as soon as its request is made private.
    return images.send_photo(request_photos.folder(), name, cache_control="no-cache" if civil_request.is_public else "private, no-store")
