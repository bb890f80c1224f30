"""Rounds: the list, and creating, editing and publishing them. (The round page itself lists
ideas, so the ideas blueprint serves it.)"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from participation.accounts.models import Category, Department, District
from participation.accounts.reference import active_categories, active_departments, districts_in_tree_order
from participation.core.forms import form_status, options, perform, perform_and_flash
from participation.core.i18n import lazy_gettext as _l
from participation.core.permissions import permission_required, require
from participation.core.time import from_local, now, to_local
from participation.extensions import db
from participation.rounds import permissions, services
from participation.rounds.forms import RoundForm
from participation.rounds.labels import PHASE_LABELS, RESPONDER_LABELS
from participation.rounds.models import OPEN_PHASES, Phase, Round
from participation.rounds.rules import MAX_TIERS

bp = Blueprint("rounds", __name__)


def _open_rounds() -> list[Round]:
    """The rounds open now, for the home page."""
    moment = now()
    return [r for r in services.all_rounds() if r.phase(moment) in OPEN_PHASES]


@bp.record
def _template_globals(state):
    state.app.jinja_env.globals.update(
        round_permissions=permissions,
        open_rounds=_open_rounds,
        round_phase_labels=PHASE_LABELS,
        round_responder_labels=RESPONDER_LABELS,
    )


def get_round(round_id: int) -> Round:
    """The round, or 404 for a missing one and for a draft the person may not see."""
    round_ = db.session.get(Round, round_id)
    if round_ is None or not permissions.can_view_round(current_user, round_, now()):
        abort(404)
    return round_


@bp.route("/rounds")
def index():
    moment = now()
    groups = {"drafts": [], "current": [], "upcoming": [], "past": []}
    for round_ in services.all_rounds():
        if not permissions.can_view_round(current_user, round_, moment):
            continue
        phase = round_.phase(moment)
        if phase == Phase.DRAFT:
            groups["drafts"].append(round_)
        elif phase in OPEN_PHASES:
            groups["current"].append(round_)
        elif phase == Phase.UPCOMING:
            groups["upcoming"].append(round_)
        else:
            groups["past"].append(round_)
    groups["upcoming"].reverse()  # soonest first
    return render_template("rounds/index.html", groups=groups, now=moment)


def _fill_choices(form: RoundForm, round_: Round | None) -> None:
    locale = str(get_locale())
    if permissions.can_assign_any_department(current_user):
        departments = active_departments()
        if round_ is not None and round_.department not in departments:
            departments.append(round_.department)
    else:
        departments = [current_user.department]
    form.department_id.choices = options([("", _l("Choose a department"))] + [(d.id, d.name_for(locale)) for d in departments])
    categories = active_categories()
    if round_ is not None:
        categories += [c for c in round_.categories if c not in categories]
    form.category_ids.choices = options((c.id, c.name_for(locale)) for c in categories)
    districts = districts_in_tree_order()
    if round_ is not None:  # a district retired since stays in the round until someone removes it
        districts += [d for d in round_.districts if d not in districts]
    form.district_ids.choices = options((d.id, d.full_name_for(locale)) for d in districts)


def _round_data(form: RoundForm) -> services.RoundData:
    categories = db.session.scalars(select(Category).where(Category.id.in_(form.category_ids.data or []))).all()
    districts = db.session.scalars(select(District).where(District.id.in_(form.district_ids.data or []))).all()
    return services.RoundData(
        title=form.title.data,
        description=form.description.data,
        department=db.session.get(Department, form.department_id.data),
        categories=list(categories),
        districts=list(districts),
        submission_opens_at=from_local(form.submission_opens_at.data),
        submission_closes_at=from_local(form.submission_closes_at.data),
        voting_opens_at=from_local(form.voting_opens_at.data),
        voting_closes_at=from_local(form.voting_closes_at.data),
        votes_per_resident=form.votes_per_resident.data,
        tiers=form.tier_specs(),
        selection_rule=form.selection_rule.data,
        selection_top_n=form.selection_top_n.data,
        publish_delay_hours=form.publish_delay_hours.data,
        voting_requires_verification=form.voting_requires_verification.data,
        allow_author_votes=form.allow_author_votes.data,
    )


def _form_for(round_: Round) -> RoundForm:
    data = {
        "title": round_.title,
        "description": round_.description,
        "department_id": round_.department_id,
        "category_ids": [c.id for c in round_.categories],
        "district_ids": [d.id for d in round_.districts],
        "submission_opens_at": to_local(round_.submission_opens_at),
        "submission_closes_at": to_local(round_.submission_closes_at),
        "voting_opens_at": to_local(round_.voting_opens_at),
        "voting_closes_at": to_local(round_.voting_closes_at),
        "votes_per_resident": round_.votes_per_resident,
        "tiers": [
            {"threshold": t.threshold, "responder": t.responder, "response_days": t.response_days} for t in round_.tiers
        ] + [{}] * (MAX_TIERS - len(round_.tiers)),
        "selection_rule": round_.selection_rule,
        "selection_top_n": round_.selection_top_n,
        "publish_delay_hours": round_.publish_delay_hours,
        "voting_requires_verification": round_.voting_requires_verification,
        "allow_author_votes": round_.allow_author_votes,
    }
    return RoundForm(data=data)


@bp.route("/rounds/new", methods=["GET", "POST"])
@permission_required(permissions.can_create_round)
def create():
    form = RoundForm()
    if not form.is_submitted():
        form = RoundForm(
            data={
                "tiers": [{"threshold": 50, "responder": "department", "response_days": 14}] + [{}] * (MAX_TIERS - 1),
                "allow_author_votes": True,
            }
        )
    _fill_choices(form, None)
    if form.validate_on_submit():
        done, round_ = perform(form, lambda: services.create_round(current_user, _round_data(form), now()))
        if done:
            flash(_("The round was saved as a draft. Publish it when it is ready."), "success")
            return redirect(url_for("ideas.round_detail", round_id=round_.id))
    return render_template("rounds/form.html", form=form, round=None), form_status(form)


@bp.route("/rounds/<int:round_id>/edit", methods=["GET", "POST"])
def edit(round_id: int):
    round_ = get_round(round_id)
    moment = now()
    require(permissions.can_edit_round(current_user, round_, moment))
    form = RoundForm() if RoundForm().is_submitted() else _form_for(round_)
    _fill_choices(form, round_)
    if form.validate_on_submit():
        done, _result = perform(form, lambda: services.update_round(current_user, round_, _round_data(form), moment))
        if done:
            flash(_("The round was saved."), "success")
            return redirect(url_for("ideas.round_detail", round_id=round_.id))
    return render_template("rounds/form.html", form=form, round=round_), form_status(form)


@bp.route("/rounds/<int:round_id>/schedule", methods=["POST"])
def schedule(round_id: int):
    round_ = get_round(round_id)
    moment = now()
    require(permissions.can_schedule_round(current_user, round_, moment))
    if perform_and_flash(lambda: services.schedule_round(current_user, round_, moment)):
        flash(_("The round is published. Residents can see it now."), "success")
    return redirect(url_for("ideas.round_detail", round_id=round_.id))
