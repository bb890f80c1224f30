"""Ideas: the round page with its ideas, browsing and search, submitting, editing, updates, withdrawal, photos."""
from __future__ import annotations

import re
import secrets

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from participation.accounts.models import Category, District
from participation.accounts.reference import districts_in_tree_order
from participation.core import exports
from participation.core.errors import ServiceError
from participation.core.forms import form_status, options, perform
from participation.core.i18n import lazy_gettext as _l
from participation.core.i18n import lazy_ngettext
from participation.core.pagecache import cached_for_visitors, forget_pages
from participation.core.permissions import require
from participation.core.time import now, to_local
from participation.core.web import query_id, requested_page, user_or_address
from participation.extensions import db, limiter
from participation.ideas import permissions, search, services
from participation.ideas.forms import IdeaFilterForm, IdeaForm, TitleForm, UpdateForm, WithdrawForm
from participation.ideas.labels import EVENT_LABELS, STATUS_FILTER_LABELS, STATUS_LABELS
from participation.ideas.models import MAX_PHOTOS, TITLE_MAX, Idea, IdeaPhoto
from participation.ideas.photos import photo_folder, process_photo
from participation.ideas.search import FILTER_STATUSES, IdeaFilters, NoIdeas, list_ideas, similar_ideas
from participation.ideas.visibility import shown_status, shown_timeline
from participation.rounds import permissions as round_permissions
from participation.rounds.models import Round
from participation.rounds.services import all_rounds

bp = Blueprint("ideas", __name__)


@bp.record
def _template_globals(state):
    # Globals rather than context, so macros imported without context (and cached) can use them.
    state.app.jinja_env.globals.update(
        idea_permissions=permissions, idea_status_labels=STATUS_LABELS, idea_event_labels=EVENT_LABELS,
        idea_shown_status=shown_status, idea_shown_timeline=shown_timeline,
    )


def _get_idea(idea_id: int) -> Idea:
    idea = db.session.get(Idea, idea_id)
    if idea is None or not permissions.can_view_idea(current_user, idea, now()):
        abort(404)
    return idea


def _get_round(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None or not round_permissions.can_view_round(current_user, round_, now()):
        abort(404)
    return round_


# --- lists ----------------------------------------------------------------------


def _filters(form: IdeaFilterForm, round_: Round | None) -> IdeaFilters:
    locale = str(get_locale())
    moment = now()
    if round_ is None:
        visible = [r for r in all_rounds() if round_permissions.can_view_round(current_user, r, moment)]
        form.round_id.choices = options([("", _l("All rounds"))] + [(r.id, r.title) for r in visible])
        categories = db.session.scalars(select(Category).order_by(Category.name_ko)).all()
        districts = districts_in_tree_order()
    else:
        form.round_id.choices = options([(round_.id, round_.title)])
        categories = round_.categories
        districts = [d for d in districts_in_tree_order() if round_.covers_district(d)]
    form.category_id.choices = options([("", _l("All categories"))] + [(c.id, c.name_for(locale)) for c in categories])
    form.district_id.choices = options([("", _l("All districts"))] + [(d.id, d.full_name_for(locale)) for d in districts])
    form.status.choices = options([("", _l("Any status"))] + [(s, STATUS_FILTER_LABELS.get(s, STATUS_LABELS[s])) for s in FILTER_STATUSES])
    form.validate()
    sort = form.value("sort") or "votes"
    seed = 1
    if sort == "random":
        seed = session.setdefault("shuffle_seed", secrets.randbelow(2**30) + 1)
    return IdeaFilters(
        round_id=round_.id if round_ else form.value("round_id"),
        category_id=form.value("category_id"),
        district_id=form.value("district_id"),
        status=form.value("status") or None,
        q=(form.value("q") or "").strip() or None,
        sort=sort,
        seed=seed,
    )


@bp.route("/ideas")
@cached_for_visitors
def browse():
    form = IdeaFilterForm(request.args)
    filters = _filters(form, None)
    page = NoIdeas() if form.q.errors else list_ideas(filters, requested_page())
    return render_template("ideas/browse.html", form=form, page=page, filters=filters, now=now())


@bp.route("/ideas/export")
@exports.rate_limited
def export():
    """The list as filtered on the browse page, every page of it, as CSV or Excel (?format=csv|xlsx)."""
    kind = exports.requested_format(request.args)
    if kind is None:
        abort(404)
    form = IdeaFilterForm(request.args)
    filters = _filters(form, None)
    locale = str(get_locale())
    header = [_("Number"), _("Round"), _("Title"), _("Category"), _("District"), _("Status"), _("Votes"),
              _("Comments"), _("Proposed on"), _("Link")]
    labels = {s: str(STATUS_FILTER_LABELS.get(s, STATUS_LABELS.get(s, s))) for s in (*STATUS_LABELS, *STATUS_FILTER_LABELS)}
    address = request.host_url.rstrip("/") + url_for("ideas.detail", idea_id=999_999_999).replace("999999999", "{}")

    def rows():
        if form.q.errors:
            return
        for row in search.export_rows(filters, locale, address.format):
            yield (*row[:5], labels.get(row[5], row[5]), *row[6:8], to_local(row[8]), row[9])

    return exports.export_response(kind, header, rows(), f"{_('ideas')}-{now():%Y%m%d}", sheet=_("Ideas"))


@bp.route("/rounds/<int:round_id>")
@cached_for_visitors
def round_detail(round_id: int):
    round_ = _get_round(round_id)
    form = IdeaFilterForm(request.args)
    filters = _filters(form, round_)
    page = NoIdeas() if form.q.errors else list_ideas(filters, requested_page())
    return render_template("rounds/detail.html", round=round_, form=form, page=page, filters=filters, now=now())


# --- submitting -------------------------------------------------------------------


def _fill_idea_choices(form: IdeaForm, round_: Round, idea: Idea | None = None) -> None:
    """The round's active categories and districts, plus whatever the idea already uses (even if retired since)."""
    locale = str(get_locale())
    categories = [c for c in round_.categories if not c.is_retired]
    if idea is not None and idea.category not in categories:
        categories.append(idea.category)
    form.category_id.choices = options([("", _l("Choose a category"))] + [(c.id, c.name_for(locale)) for c in categories])
    districts = [d for d in districts_in_tree_order() if round_.covers_district(d)]
    if idea is not None and idea.district is not None and idea.district not in districts:
        districts.append(idea.district)
    form.district_id.choices = options([("", _l("Not specified"))] + [(d.id, d.full_name_for(locale)) for d in districts])
    form.remove_photo_ids.choices = options((p.id, str(p.position + 1)) for p in (idea.photos if idea else []))


def _idea_data(form: IdeaForm) -> services.IdeaData:
    return services.IdeaData(
        title=form.title.data,
        body=form.body.data,
        category=db.session.get(Category, form.category_id.data),
        district=db.session.get(District, form.district_id.data) if form.district_id.data else None,
        latitude=form.latitude.data,
        longitude=form.longitude.data,
    )


def _processed_photos(form: IdeaForm, already: int = 0):
    """Check and re-encode every uploaded photo; None (with errors on the form) if any is refused."""
    files = form.uploaded_files()
    if already + len(files) > MAX_PHOTOS:
        form.photos.errors = [lazy_ngettext("An idea can have at most %(count)d photo.", "An idea can have at most %(count)d photos.", MAX_PHOTOS, count=MAX_PHOTOS)]
        return None
    processed = []
    for upload in files:
        try:
            processed.append(process_photo(upload.stream))
        except ServiceError as exc:
            form.photos.errors = [exc.message]
            return None
    return processed


@bp.route("/rounds/<int:round_id>/ideas/new", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["IDEA_POST_LIMIT"], key_func=user_or_address, methods=["POST"])
def submit(round_id: int):
    round_ = _get_round(round_id)
    moment = now()
    require(permissions.can_submit(current_user, round_, moment), permissions.suspension_refusal(current_user, moment))
    title_form = TitleForm(request.args)
    if request.method == "GET" and not title_form.title.data:
        return render_template("ideas/start.html", round=round_, form=title_form)
    form = IdeaForm()
    if request.method == "GET":
        form.title.data = title_form.title.data[: TITLE_MAX] if title_form.title.data else ""
    _fill_idea_choices(form, round_)
    if form.validate_on_submit():
        photos = _processed_photos(form)
        if photos is not None:
            done, idea = perform(form, lambda: services.submit_idea(current_user, round_, _idea_data(form), photos, moment))
            if done:
                flash(_("Your idea is published. Share it so others can support it."), "success")
                return redirect(url_for("ideas.detail", idea_id=idea.id))
    similar = similar_ideas(round_.id, form.title.data or "", form.body.data or "")
    return render_template("ideas/form.html", round=round_, form=form, idea=None, similar=similar), form_status(form)


@bp.route("/rounds/<int:round_id>/similar")
@limiter.limit("60 per minute")
def similar(round_id: int):
    """Similar ideas for the text being written, as JSON for the form's live suggestions."""
    round_ = _get_round(round_id)
    title = request.args.get("title", "")[:200]
    body = request.args.get("body", "")[:2000]
    exclude = query_id("exclude")
    found = similar_ideas(round_.id, title, body, exclude_id=exclude)
    return jsonify(
        ideas=[
            {"id": idea.id, "title": idea.title, "language": idea.language, "url": url_for("ideas.detail", idea_id=idea.id),
             "votes": idea.vote_count, "score": score}
            for idea, score in found
        ]
    )


# --- one idea -----------------------------------------------------------------------


@bp.route("/ideas/<int:idea_id>")
@cached_for_visitors
def detail(idea_id: int):
    idea = _get_idea(idea_id)
    moment = now()
    return render_template(
        "ideas/detail.html",
        idea=idea,
        now=moment,
        show_content=permissions.can_view_idea_content(current_user, idea, moment),
        update_form=UpdateForm() if permissions.can_post_update(current_user, idea, moment) else None,
    )


@bp.route("/ideas/<int:idea_id>/edit", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["IDEA_POST_LIMIT"], key_func=user_or_address, methods=["POST"])
def edit(idea_id: int):
    idea = _get_idea(idea_id)
    moment = now()
    require(permissions.can_edit(current_user, idea, moment), permissions.suspension_refusal(current_user, moment, idea))
    form = IdeaForm(obj=idea)
    _fill_idea_choices(form, idea.round, idea)
    if form.validate_on_submit():
        remove = set(form.remove_photo_ids.data or [])
        keep = len([p for p in idea.photos if p.id not in remove])
        photos = _processed_photos(form, already=keep)
        if photos is not None:
            done, _result = perform(
                form, lambda: services.edit_idea(current_user, idea, _idea_data(form), photos, remove, moment)
            )
            if done:
                forget_pages()  # visitors' kept copy of the page must not show the old words
                flash(_("Your changes are saved."), "success")
                return redirect(url_for("ideas.detail", idea_id=idea.id))
    similar = similar_ideas(idea.round_id, form.title.data or "", form.body.data or "", exclude_id=idea.id)
    return render_template("ideas/form.html", round=idea.round, form=form, idea=idea, similar=similar), form_status(form)


@bp.route("/ideas/<int:idea_id>/updates", methods=["POST"])
def post_update(idea_id: int):
    idea = _get_idea(idea_id)
    moment = now()
    require(permissions.can_post_update(current_user, idea, moment), permissions.suspension_refusal(current_user, moment, idea))
    form = UpdateForm()
    if form.validate_on_submit():
        done, _result = perform(form, lambda: services.post_update(current_user, idea, form.body.data, moment))
        if done:
            forget_pages()
            flash(_("Your update is posted."), "success")
            return redirect(url_for("ideas.detail", idea_id=idea.id, _anchor="updates"))
    return render_template(
        "ideas/detail.html", idea=idea, now=moment, show_content=True, update_form=form
    ), form_status(form)


@bp.route("/ideas/<int:idea_id>/withdraw", methods=["GET", "POST"])
def withdraw(idea_id: int):
    idea = _get_idea(idea_id)
    moment = now()
    require(permissions.can_withdraw(current_user, idea, moment), permissions.suspension_refusal(current_user, moment, idea))
    form = WithdrawForm()
    if form.validate_on_submit():
        done, _result = perform(form, lambda: services.withdraw_idea(current_user, idea, form.reason.data, moment))
        if done:
            forget_pages()
            flash(_("Your idea was withdrawn. Its history stays public."), "success")
            return redirect(url_for("ideas.detail", idea_id=idea.id))
    return render_template("ideas/withdraw.html", idea=idea, form=form), form_status(form)


# --- photos -----------------------------------------------------------------------------

_PHOTO_NAME = re.compile(r"^(?P<token>[0-9a-f]{32})(?P<thumb>-thumb)?\.jpg$")


@bp.route("/media/photos/<name>")
def photo(name: str):
    match = _PHOTO_NAME.match(name)
    if not match:
        abort(404)
    record = db.session.scalar(select(IdeaPhoto).where(IdeaPhoto.token == match["token"]))
    if record is None or not permissions.can_view_idea_content(current_user, record.idea, now()):
        abort(404)
    response = send_from_directory(photo_folder(), name, mimetype="image/jpeg", max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "inline"
    # Revalidated on every use (cheap: the ETag answers 304), so a photo stops
    # showing as soon as its idea is hidden or withdrawn.
    response.headers["Cache-Control"] = "no-cache" if record.idea.is_listed else "private, no-store"
    return response

