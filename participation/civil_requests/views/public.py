"""The public side of civil requests: the list and the map of public requests, their Atom feeds
per 동 and per category, and the departments' figures on the "how departments answer" page.

Nothing here shows who filed a request: the templates and the JSON read only the request's own
fields, the step and the department.
"""
from __future__ import annotations

from datetime import datetime

from flask import Response, abort, jsonify, render_template, request, url_for
from flask_babel import format_decimal, format_percent, get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from participation.accounts.models import District
from participation.accounts.reference import districts_in_tree_order
from participation.civil_requests import listing, permissions
from participation.civil_requests.labels import STATUS_LABELS
from participation.civil_requests.models import RequestCategory
from participation.civil_requests.public_forms import VIEWS, RequestFilterForm
from participation.civil_requests.views import bp
from participation.core import exports
from participation.core.i18n import lazy_gettext as _l
from participation.core.permissions import permission_required
from participation.core.time import as_utc, now
from participation.core.web import requested_page
from participation.extensions import db

ID_MAX = 2**31 - 1  # the largest id the database's integer column holds


@bp.record
def _register(state):
    state.app.jinja_env.filters["xml_text"] = listing.xml_text
    from participation.responses.services import register_record_provider

    register_record_provider("civil_requests", department_record_table)


def _categories() -> list[RequestCategory]:
    # Retired categories stay: their requests are still listed.
    return list(db.session.scalars(select(RequestCategory).order_by(RequestCategory.name_ko)))


def _filters(form: RequestFilterForm) -> listing.RequestFilters:
    locale = str(get_locale())
    form.category_id.choices = [("", _l("All categories"))] + [(c.id, c.name_for(locale)) for c in _categories()]
    form.district_id.choices = [("", _l("Every neighbourhood"))] + [(d.id, d.full_name_for(locale)) for d in districts_in_tree_order()]
    form.validate()
    return listing.RequestFilters(
        category_id=form.value("category_id"),
        district_id=form.value("district_id"),
        status=form.value("status") or None,
        overdue=bool(form.value("overdue")),
        sort=form.value("sort") or "newest",
    )


def _query(**replace) -> dict:
    """The current query string with some parameters replaced (None drops one)."""
    query = {k: v for k, v in request.args.items() if not k.startswith("_") and k != "page"}
    query.update(replace)
    return {k: v for k, v in query.items() if v not in (None, "")}


def _feed_links(filters: listing.RequestFilters) -> list[tuple[str, str]]:
    """(label, url) of the feeds that match the current filter: the 동 and the category it names,
    each alone when both are chosen, and every public request."""
    locale = str(get_locale())
    district = db.session.get(District, filters.district_id) if filters.district_id else None
    category = db.session.get(RequestCategory, filters.category_id) if filters.category_id else None
    links = []
    if district is not None and category is not None:
        links.append((
            _l("%(category)s in %(district)s", category=category.name_for(locale), district=district.full_name_for(locale)),
            url_for("civil_requests.feed", district=district.id, category=category.id),
        ))
    if district is not None:
        links.append((_l("Everything in %(district)s", district=district.full_name_for(locale)), url_for("civil_requests.feed", district=district.id)))
    if category is not None:
        links.append((_l("Everything in %(category)s", category=category.name_for(locale)), url_for("civil_requests.feed", category=category.id)))
    links.append((_l("Every public request"), url_for("civil_requests.feed")))
    return links


@bp.route("/")
@permission_required(permissions.can_browse_public)
def index():
    form = RequestFilterForm(request.args)
    filters = _filters(form)
    view = request.args.get("view") if request.args.get("view") in VIEWS else "list"
    moment = now()
    page = listing.list_public(filters, requested_page(), moment) if view == "list" else None
    return render_template(
        "civil_requests/index.html",
        form=form,
        filters=filters,
        page=page,
        view=view,
        now=moment,
        list_url=url_for("civil_requests.index", **_query(view=None)),
        map_url=url_for("civil_requests.index", **_query(view="map")),
        map_data_url=url_for("civil_requests.map_data", **_query(view=None)),
        feeds=_feed_links(filters),
        map_limit=listing.MAP_LIMIT,
    )


@bp.route("/map.json")
@permission_required(permissions.can_browse_public)
def map_data():
    """The filtered public requests with a position, as GeoJSON (lon, lat), for the map's pins."""
    form = RequestFilterForm(request.args)
    points, truncated = listing.map_points(_filters(form), now(), limit=listing.MAP_LIMIT)
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [p.longitude, p.latitude]},
            "properties": {
                "id": p.id,
                "title": p.title,
                "status": p.status,
                "status_label": str(STATUS_LABELS.get(p.status, p.status)),
                "overdue": p.overdue,
                "url": url_for("civil_requests.detail", request_id=p.id),
            },
        }
        for p in points
    ]
    return jsonify(type="FeatureCollection", features=features, truncated=truncated, limit=listing.MAP_LIMIT)


def _feed_subject(name: str, model):
    """The 동 or category a feed is for: None when not asked; 404 when the id is not one."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdigit()) or int(raw) > ID_MAX:
        abort(404)
    return db.session.get(model, int(raw)) or abort(404)


def _atom_time(moment: datetime) -> str:
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


@bp.route("/feed.atom")
@permission_required(permissions.can_browse_public)
def feed():
    district = _feed_subject("district", District)
    category = _feed_subject("category", RequestCategory)
    events = listing.feed_events(district, category)
    query = {k: v for k, v in (("district", district and district.id), ("category", category and category.id)) if v}
    list_query = {"district_id": query.get("district"), "category_id": query.get("category")}
    body = render_template(
        "civil_requests/feed.xml",
        events=events,
        district=district,
        category=category,
        now=now(),
        atom_time=_atom_time,
        updated=_atom_time(events[0].at if events else now()),
        self_url=url_for("civil_requests.feed", _external=True, **query),
        alternate_url=url_for("civil_requests.index", _external=True, **{k: v for k, v in list_query.items() if v}),
    )
    return Response(body, mimetype="application/atom+xml")


# --- the departments' record (shown by responses, which imports nothing of this) -----------------


def _share(part: int, whole: int) -> str:
    return str(_l("%(percent)s (%(count)d)", percent=format_percent(part / whole), count=part))


def department_record_table(moment: datetime):
    """The civil-request table on /responses/departments."""
    from participation.responses.services import RecordRow, RecordTable

    rows = []
    for r in listing.department_stats(moment):
        none_yet = str(_l("none yet"))
        on_time = (
            str(_l("%(percent)s (%(count)d of %(total)d)", percent=format_percent(r.on_time_rate), count=r.on_time, total=r.answered))
            if r.answered else none_yet
        )
        median = (
            str(_l("%(hours)s working hours", hours=format_decimal(r.median_working_hours, format="#,##0.0")))
            if r.median_working_hours is not None else none_yet
        )
        shares = [_share(getattr(r, s), r.rated) if r.rated else none_yet for s in ("satisfied", "neutral", "dissatisfied")]
        figures = {
            "answered": r.answered, "on_time": r.on_time, "on_time_rate": r.on_time_rate,
            "median_working_hours": r.median_working_hours, "rated": r.rated,
            **{s: getattr(r, s) for s in ("satisfied", "neutral", "dissatisfied")},
            **{f"{s}_share": r.share(s) for s in ("satisfied", "neutral", "dissatisfied")},
            "overdue_now": r.overdue_now,
        }
        rows.append(RecordRow(r.department, (str(r.answered), on_time, median, *shares, str(r.overdue_now)),
                              overdue=r.overdue_now > 0, figures=figures))
    return RecordTable(
        heading=_l("Civil requests (민원)"),
        caption=_l("Civil requests by department"),
        columns=(
            _l("Requests answered"), _l("Answered on time"), _l("Median working time to answer"),
            _l("Satisfied"), _l("Neutral"), _l("Dissatisfied"), _l("Overdue now (open)"),
        ),
        rows=tuple(rows),
        empty=_l("No civil request has been filed yet."),
        export_endpoint="civil_requests.statistics_export",
        export_label=_l("civil-request statistics by category, 동 and month"),
        notes=(
            _l("These figures count private requests too, as numbers only: nothing of what a private request says, or who filed it, is shown."),
            _l("Working time counts working hours (09:00–18:00 on working days, lunch left out) from receipt, or reopening, to the answer, less the time spent waiting for the applicant's supplement. Satisfaction is the applicants' rating of each answer."),
        ),
    )



@bp.route("/statistics/export")
@exports.rate_limited
@permission_required(permissions.can_browse_public)
def statistics_export():
    """Civil-request statistics as CSV or Excel (?format=csv|xlsx): by category, 동 and month of
    receipt, the requests received, answered, on time, the median working hours to the answer,
    the applicants' satisfaction and those overdue now. Numbers only, private requests included."""
    kind = exports.requested_format(request.args)
    if kind is None:
        abort(404)
    moment = now()
    locale = str(get_locale())
    header = [_("Category"), _("District"), _("Month received"), _("Requests received"), _("Requests answered"),
              _("Answered on time"), _("Median working hours"), _("Satisfied"), _("Neutral"), _("Dissatisfied"),
              _("Overdue now (open)")]

    def rows():  # counted while the response streams, in the session the rows are read with
        for r in listing.request_statistics(moment):
            yield (r.category.name_for(locale), r.district.full_name_for(locale) if r.district else "", r.month, r.received,
                   r.answered, r.on_time, r.median_working_hours, r.satisfied, r.neutral, r.dissatisfied, r.overdue_now)

    return exports.export_response(kind, header, rows(), f"{_('civil-requests')}-{moment:%Y%m%d}", sheet=_("Civil requests (민원)"))
