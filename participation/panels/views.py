"""Monitoring panels: panel pages, applying, the lottery, services and their trend, campaigns
and their rubrics, evaluating, scorecards with the department's answer and action plan."""
from __future__ import annotations

import re
from pathlib import Path

from flask import Blueprint, abort, flash, redirect, render_template, request, send_from_directory, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from participation.accounts.reference import active_departments
from participation.core import exports
from participation.core.forms import form_status, options, perform, perform_and_flash
from participation.core.i18n import lazy_gettext as _l
from participation.core.pagecache import forget_pages
from participation.core.permissions import require
from participation.core.time import from_local, now, to_local
from participation.extensions import db
from participation.panels import labels, lottery, permissions, reading, receivers, services, subjects
from participation.panels.forms import (
    ActionItemForm,
    ActionProgressForm,
    ApplyForm,
    CampaignForm,
    CriterionForm,
    PanelForm,
    ServiceForm,
    evaluation_form,
    score_value,
)
from participation.panels.models import (
    LEVELS,
    ActionItem,
    Campaign,
    CampaignPhase,
    Evaluation,
    MemberStatus,
    Panel,
    PanelMember,
    PublicService,
)
from participation.responses import clock
from participation.responses.forms import ResponseForm
from participation.responses.labels import DECISION_LABELS
from participation.responses.services import ResponseData

bp = Blueprint("panels", __name__)


@bp.record
def _register(state):
    subjects.register()
    receivers.connect()
    state.app.jinja_env.globals.update(
        panel_labels=labels,
        panel_permissions=permissions,
    )


def _department_choices(current_id: int | None = None):
    locale = str(get_locale())
    departments = active_departments()
    if current_id is not None and all(d.id != current_id for d in departments):
        from participation.accounts.models import Department

        departments.append(db.session.get(Department, current_id))
    return options([("", _l("Choose…"))] + [(d.id, d.name_for(locale)) for d in departments])


def _get_panel(panel_id: int) -> Panel:
    panel = db.session.get(Panel, panel_id)
    if panel is None:
        abort(404)
    return panel


def _get_campaign(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or not permissions.can_view_campaign(current_user, campaign, now()):
        abort(404)
    return campaign


# --- panels -------------------------------------------------------------------------------------


@bp.route("/panels/")
def index():
    panels = db.session.scalars(select(Panel).order_by(*reading.PANEL_ORDER)).all()
    services_ = db.session.scalars(select(PublicService).order_by(PublicService.name)).all()
    return render_template("panels/index.html", panels=panels, services=services_, counts=reading.member_counts(), now=now(),
                           can_manage=permissions.can_manage(current_user))


@bp.route("/panels/<int:panel_id>")
def panel(panel_id: int):
    panel_ = _get_panel(panel_id)
    moment = now()
    everyone = services.applicants(panel_)
    campaigns = reading.panel_campaigns(current_user, panel_, moment)
    mine = services.application_of(current_user, panel_)
    my_evaluations = {}
    if mine is not None and mine.status in (MemberStatus.SELECTED, MemberStatus.LEFT):
        my_evaluations = {e.campaign_id: e for e in db.session.scalars(
            select(Evaluation).where(Evaluation.user_id == current_user.id, Evaluation.campaign_id.in_([c.id for c in campaigns])))}
    result = services.draw_result(panel_)
    return render_template(
        "panels/panel.html", panel=panel_, applicants=everyone, members=[m for m in everyone if m.status == MemberStatus.SELECTED],
        campaigns=campaigns, mine=mine, my_evaluations=my_evaluations, now=moment, quotas=result.quotas if result else None,
        apply_refusal=services.apply_refusal(current_user, panel_, moment), can_manage=permissions.can_manage(current_user),
    )


@bp.route("/panels/<int:panel_id>/applicants.csv")
def applicants_csv(panel_id: int):
    panel_ = _get_panel(panel_id)
    return exports.export_response("csv", *services.applicants_table(panel_), f"panel-{panel_.id}-applicants")


@bp.route("/panels/lottery.py")
def lottery_source():
    """The draw's own code, to re-run it at home: `python lottery.py SEED TARGET applicants.csv`."""
    path = Path(lottery.__file__)
    response = send_from_directory(path.parent, path.name, mimetype="text/x-python", as_attachment=True, download_name="lottery.py")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/panels/<int:panel_id>/apply", methods=["GET", "POST"])
def apply(panel_id: int):
    panel_ = _get_panel(panel_id)
    moment = now()
    require(current_user.is_authenticated and services.apply_refusal(current_user, panel_, moment) is None,
            services.apply_refusal(current_user, panel_, moment))
    form = ApplyForm()
    if request.method == "GET" and current_user.district_id:
        form.district_id.data = current_user.district_id
    locale = str(get_locale())
    from participation.accounts.reference import active_districts

    form.district_id.choices = options([("", _l("Choose…"))] + [(d.id, d.name_for(locale)) for d in active_districts()])
    if form.validate_on_submit():
        done, _member = perform(form, lambda: services.apply(current_user, panel_, form.district_id.data, form.age_band.data,
                                                              form.consent.data, moment))
        if done:
            flash(_("Your application is in. The draw is made after recruitment closes on %(when)s.",
                    when=_fmt(panel_.recruitment_closes_at)), "success")
            return redirect(url_for("panels.panel", panel_id=panel_.id))
    return render_template("panels/apply.html", panel=panel_, form=form), form_status(form)


def _fmt(moment) -> str:
    from participation.core.time import format_local_datetime

    return format_local_datetime(moment)


def _panel_action(panel_: Panel, action, message: str):
    if perform_and_flash(action):
        flash(message, "success")
    return redirect(url_for("panels.panel", panel_id=panel_.id))


@bp.post("/panels/<int:panel_id>/withdraw")
def withdraw(panel_id: int):
    panel_ = _get_panel(panel_id)
    require(current_user.is_authenticated)
    return _panel_action(panel_, lambda: services.withdraw_application(current_user, panel_, now()), _("Your application is withdrawn."))


@bp.post("/panels/<int:panel_id>/leave")
def leave(panel_id: int):
    panel_ = _get_panel(panel_id)
    require(current_user.is_authenticated)
    return _panel_action(panel_, lambda: services.leave(current_user, panel_, now()), _("You have left the panel. Thank you for your work."))


@bp.post("/panels/<int:panel_id>/draw")
def draw(panel_id: int):
    panel_ = _get_panel(panel_id)
    require(permissions.can_manage(current_user))
    return _panel_action(panel_, lambda: services.draw(current_user, panel_, now()), _("The draw is made and its seed is published."))


@bp.post("/panels/<int:panel_id>/fill")
def fill(panel_id: int):
    panel_ = _get_panel(panel_id)
    require(permissions.can_manage(current_user))
    return _panel_action(panel_, lambda: services.fill_place(current_user, panel_, now()), _("The place is filled from the reserve list."))


@bp.post("/panels/<int:panel_id>/members/<int:member_id>/appoint")
def appoint(panel_id: int, member_id: int):
    panel_ = _get_panel(panel_id)
    require(permissions.can_manage(current_user))
    member = db.session.get(PanelMember, member_id)
    if member is None or member.panel_id != panel_.id:
        abort(404)
    return _panel_action(panel_, lambda: services.appoint(current_user, panel_, member, now()),
                         _("%(pseudonym)s is now a member.", pseudonym=member.pseudonym))


def _panel_data(form: PanelForm) -> services.PanelData:
    return services.PanelData(
        name=form.name.data, purpose=form.purpose.data, department_id=form.department_id.data, term_starts_on=form.term_starts_on.data,
        term_ends_on=form.term_ends_on.data, target_size=form.target_size.data, strata=list(form.strata.data or []),
        selection_method=form.selection_method.data, recruitment_opens_at=from_local(form.recruitment_opens_at.data),
        recruitment_closes_at=from_local(form.recruitment_closes_at.data),
    )


@bp.route("/panels/new", methods=["GET", "POST"])
def new_panel():
    require(permissions.can_manage(current_user))
    form = PanelForm()
    if not form.is_submitted():
        form = PanelForm(data={"strata": ["district", "age_band"], "selection_method": "lottery", "target_size": 20})
    form.department_id.choices = _department_choices()
    if form.validate_on_submit():
        done, panel_ = perform(form, lambda: services.create_panel(current_user, _panel_data(form), now()))
        if done:
            flash(_("The panel is created; residents can apply during its recruitment window."), "success")
            return redirect(url_for("panels.panel", panel_id=panel_.id))
    return render_template("panels/panel_form.html", form=form, panel=None), form_status(form)


@bp.route("/panels/<int:panel_id>/edit", methods=["GET", "POST"])
def edit_panel(panel_id: int):
    panel_ = _get_panel(panel_id)
    require(permissions.can_manage(current_user))
    form = PanelForm()
    if not form.is_submitted():
        form = PanelForm(obj=panel_)
        form.recruitment_opens_at.data = to_local(panel_.recruitment_opens_at).replace(tzinfo=None)
        form.recruitment_closes_at.data = to_local(panel_.recruitment_closes_at).replace(tzinfo=None)
    form.department_id.choices = _department_choices(panel_.department_id)
    if form.validate_on_submit():
        done, _result = perform(form, lambda: services.update_panel(current_user, panel_, _panel_data(form), now()))
        if done:
            flash(_("The panel is saved."), "success")
            return redirect(url_for("panels.panel", panel_id=panel_.id))
    return render_template("panels/panel_form.html", form=form, panel=panel_), form_status(form)


# --- services -----------------------------------------------------------------------------------


@bp.route("/services/<int:service_id>")
def service(service_id: int):
    service_ = db.session.get(PublicService, service_id)
    if service_ is None:
        abort(404)
    moment = now()
    trend, changes = reading.service_trend(service_)
    campaigns = reading.service_campaigns(current_user, service_, moment)
    return render_template("panels/service.html", service=service_, trend=trend, changes=changes, campaigns=campaigns, now=moment)


@bp.route("/services/new", methods=["GET", "POST"])
def new_service():
    require(permissions.can_manage(current_user))
    form = ServiceForm()
    form.department_id.choices = _department_choices()
    if form.validate_on_submit():
        done, service_ = perform(form, lambda: services.create_service(current_user, form.name.data, form.description.data,
                                                                       form.department_id.data, now()))
        if done:
            flash(_("The service is added."), "success")
            return redirect(url_for("panels.service", service_id=service_.id))
    return render_template("panels/service_form.html", form=form), form_status(form)


# --- campaigns and rubrics -------------------------------------------------------------------------


def _campaign_choices(form: CampaignForm) -> None:
    form.panel_id.choices = options([("", _l("Choose…"))] + [(p.id, p.name) for p in db.session.scalars(select(Panel).order_by(Panel.name))])
    form.service_id.choices = options(
        [("", _l("Choose…"))] + [(s.id, s.name) for s in db.session.scalars(select(PublicService).order_by(PublicService.name))]
    )


def _campaign_data(form: CampaignForm) -> services.CampaignData:
    return services.CampaignData(
        title=form.title.data, panel_id=form.panel_id.data, service_id=form.service_id.data, opens_at=from_local(form.opens_at.data),
        closes_at=from_local(form.closes_at.data), photo_allowed=form.photo_allowed.data, response_days=form.response_days.data,
        publish_delay_days=form.publish_delay_days.data,
    )


@bp.route("/campaigns/new", methods=["GET", "POST"])
def new_campaign():
    require(permissions.can_manage(current_user))
    form = CampaignForm()
    if not form.is_submitted():
        # Only a plain id preselects a panel ("²" passes isdigit() but is no number; huge ones overflow).
        panel_id = request.args.get("panel_id", "")
        if panel_id.isascii() and panel_id.isdigit() and len(panel_id) <= 18:
            form.panel_id.data = int(panel_id)
    _campaign_choices(form)
    if form.validate_on_submit():
        done, campaign = perform(form, lambda: services.create_campaign(current_user, _campaign_data(form), now()))
        if done:
            flash(_("The campaign is saved as a draft. Add its rubric, then schedule it."), "success")
            return redirect(url_for("panels.edit_campaign", campaign_id=campaign.id))
    return render_template("panels/campaign_form.html", form=form, campaign=None, criterion_form=None), form_status(form)


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
def edit_campaign(campaign_id: int):
    campaign = _get_campaign(campaign_id)
    require(permissions.can_manage(current_user))
    form = CampaignForm(prefix="c")
    if not form.is_submitted():
        form = CampaignForm(prefix="c", obj=campaign)
        form.opens_at.data = to_local(campaign.opens_at).replace(tzinfo=None)
        form.closes_at.data = to_local(campaign.closes_at).replace(tzinfo=None)
    _campaign_choices(form)
    if form.validate_on_submit():
        done, _result = perform(form, lambda: services.update_campaign(current_user, campaign, _campaign_data(form), now()))
        if done:
            flash(_("The campaign is saved."), "success")
            return redirect(url_for("panels.edit_campaign", campaign_id=campaign.id))
    return render_template("panels/campaign_form.html", form=form, campaign=campaign, criterion_form=CriterionForm(prefix="r"),
                           draft=campaign.phase(now()) == CampaignPhase.DRAFT), form_status(form)


@bp.post("/campaigns/<int:campaign_id>/criteria")
def add_criterion(campaign_id: int):
    campaign = _get_campaign(campaign_id)
    require(permissions.can_manage(current_user))
    criterion_form = CriterionForm(prefix="r")
    if criterion_form.validate_on_submit():
        data = services.CriterionData(
            name=criterion_form.name.data, description=criterion_form.description.data, weight=criterion_form.weight.data,
            labels=[criterion_form[f"label_{level}"].data for level in range(1, LEVELS + 1)],
        )
        done, _criterion = perform(criterion_form, lambda: services.add_criterion(current_user, campaign, data, now()))
        if done:
            flash(_("The criterion is added to the rubric."), "success")
            return redirect(url_for("panels.edit_campaign", campaign_id=campaign.id, _anchor="rubric"))
    form = CampaignForm(prefix="c", formdata=None, obj=campaign)
    form.opens_at.data = to_local(campaign.opens_at).replace(tzinfo=None)
    form.closes_at.data = to_local(campaign.closes_at).replace(tzinfo=None)
    _campaign_choices(form)
    return render_template("panels/campaign_form.html", form=form, campaign=campaign, criterion_form=criterion_form,
                           draft=campaign.phase(now()) == CampaignPhase.DRAFT), 422


@bp.post("/campaigns/<int:campaign_id>/criteria/<int:criterion_id>/remove")
def remove_criterion(campaign_id: int, criterion_id: int):
    campaign = _get_campaign(campaign_id)
    require(permissions.can_manage(current_user))
    if perform_and_flash(lambda: services.remove_criterion(current_user, campaign, criterion_id, now())):
        flash(_("The criterion is removed."), "success")
    return redirect(url_for("panels.edit_campaign", campaign_id=campaign.id, _anchor="rubric"))


@bp.post("/campaigns/<int:campaign_id>/schedule")
def schedule(campaign_id: int):
    campaign = _get_campaign(campaign_id)
    require(permissions.can_manage(current_user))
    if perform_and_flash(lambda: services.schedule_campaign(current_user, campaign, now())):
        flash(_("The campaign is scheduled. Panelists can evaluate from %(when)s.", when=_fmt(campaign.opens_at)), "success")
        return redirect(url_for("panels.campaign", campaign_id=campaign.id))
    return redirect(url_for("panels.edit_campaign", campaign_id=campaign.id))


@bp.route("/campaigns/<int:campaign_id>")
def campaign(campaign_id: int):
    campaign_ = _get_campaign(campaign_id)
    moment = now()
    submitted, members = services.participation(campaign_)
    return render_template(
        "panels/campaign.html", campaign=campaign_, phase=campaign_.phase(moment), now=moment,
        evaluation=services.evaluation_of(current_user, campaign_), is_panelist=permissions.is_panelist(current_user, campaign_),
        can_evaluate=permissions.can_evaluate(current_user, campaign_, moment),
        can_view_scorecard=permissions.can_view_scorecard(current_user, campaign_),
        submitted=submitted, members=members, subject=campaign_,
    )


# --- evaluating ---------------------------------------------------------------------------------------


@bp.route("/campaigns/<int:campaign_id>/evaluation", methods=["GET", "POST"])
def evaluate(campaign_id: int):
    campaign_ = _get_campaign(campaign_id)
    moment = now()
    refusal = services.evaluate_refusal(current_user, campaign_, moment) if current_user.is_authenticated else _l("Sign in to evaluate.")
    existing = services.evaluation_of(current_user, campaign_)
    if not permissions.is_panelist(current_user, campaign_):
        require(False, refusal)  # non-members never see the form
    if request.method == "POST" and refusal is not None:
        flash(str(refusal), "error")
        return redirect(url_for("panels.campaign", campaign_id=campaign_.id))
    form = evaluation_form(campaign_)
    if request.method == "GET" and existing is not None:
        form = evaluation_form(campaign_, data={
            "evaluation_id": existing.id, "comment": existing.comment, "visit_date": existing.visit_date,
            **{f"score_{s.criterion_id}": str(s.value) for s in existing.scores},
        })
    if form.validate_on_submit():
        data = services.EvaluationData(
            scores={c.id: score_value(form[f"score_{c.id}"].data) for c in campaign_.criteria},
            comment=form.comment.data, visit_date=form.visit_date.data,
            photo=form.photo.data if form.photo.data and getattr(form.photo.data, "filename", "") else None,
            remove_photo=form.remove_photo.data, submit=request.form.get("action") == "submit", evaluation_id=form.evaluation_id.data,
        )
        done, evaluation = perform(form, lambda: services.save_evaluation(current_user, campaign_, data, moment))
        if done:
            if evaluation.status == "submitted":
                flash(_("Your evaluation is submitted. You can change it until the campaign closes on %(when)s.",
                        when=_fmt(campaign_.closes_at)), "success")
            else:
                flash(_("Your draft is saved. Submit it before %(when)s for it to count.", when=_fmt(campaign_.closes_at)), "success")
            return redirect(url_for("panels.campaign", campaign_id=campaign_.id, _anchor="my-evaluation"))
    return render_template("panels/evaluate.html", campaign=campaign_, form=form, evaluation=existing, refusal=refusal,
                           criteria_fields=[form[f"score_{c.id}"] for c in campaign_.criteria]), form_status(form)


_PHOTO_NAME = re.compile(r"(?P<token>[0-9a-f]{32})(?P<thumb>-thumb)?\.jpg")


@bp.route("/evaluations/photos/<name>")
def evaluation_photo(name: str):
    match = _PHOTO_NAME.fullmatch(name)
    if not match:
        abort(404)
    evaluation = db.session.scalar(select(Evaluation).where(Evaluation.photo_token == match["token"]))
    if evaluation is None or not permissions.can_see_evaluation_photo(current_user, evaluation):
        abort(404)
    folder, filename = services.photo_path(evaluation.photo_token, bool(match["thumb"]))
    response = send_from_directory(folder, filename, mimetype="image/jpeg", max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- scorecards, answers, action plans ----------------------------------------------------------------


def _require_scorecard(campaign_: Campaign):
    if not permissions.can_view_scorecard(current_user, campaign_):
        if campaign_.closed_at is None:
            require(False, _l("The scorecard is computed when the campaign closes on %(when)s.", when=_fmt(campaign_.closes_at)))
        require(False, _l("The scorecard is published on %(when)s, with the department's response.", when=_fmt(campaign_.publishes_at)))


@bp.route("/campaigns/<int:campaign_id>/scorecard")
def scorecard(campaign_id: int):
    campaign_ = _get_campaign(campaign_id)
    _require_scorecard(campaign_)
    return _render_scorecard(campaign_)


def _progress_form(item: ActionItem, formdata=None) -> ActionProgressForm:
    """One action's progress form. Every row of the plan has one, so its fields carry the
    action's id: the error summary's links and the labels then reach the right row."""
    if formdata is None:
        form = ActionProgressForm(prefix="p", formdata=None, data={"progress": item.progress, "note": item.note})
    else:
        form = ActionProgressForm(prefix="p", formdata=formdata)
    for field in (form.progress, form.note):
        field.id = f"{field.id}-{item.id}"
        field.label.field_id = field.id
    form.progress.label.text = _("Progress of %(action)s (percent)", action=item.title)
    return form


def _render_scorecard(campaign_: Campaign, action_form: ActionItemForm | None = None,
                      refused_progress: tuple[int, ActionProgressForm] | None = None):
    """The scorecard page; a refused plan form comes back on it with its errors (422)."""
    moment = now()
    read = reading.scorecard_reading(current_user, campaign_)
    if read is None:
        abort(404)
    card, due, actions = read.card, read.due, read.actions
    can_answer = permissions.can_answer(current_user, due)
    progress_forms = {item.id: _progress_form(item) for item in actions} if can_answer else {}
    if refused_progress is not None:
        progress_forms[refused_progress[0]] = refused_progress[1]
    action_form = action_form or ActionItemForm(prefix="a", formdata=None)
    refused = action_form.errors or action_form.form_errors or (refused_progress is not None)
    return render_template(
        "panels/scorecard.html", campaign=campaign_, card=card, change=read.change, criteria=read.criteria,
        due=due, response=read.response,
        countdown=clock.countdown(due, moment) if due else None, actions=actions, now=moment,
        reading=labels.ALPHA_READINGS[read.agreement], decision_labels=DECISION_LABELS,
        can_answer=can_answer, can_publish=permissions.can_publish(current_user),
        publish_refusal=services.publish_refusal(campaign_, moment), action_form=action_form,
        progress_forms=progress_forms, levels=range(1, LEVELS + 1), trend=services.service_trend(campaign_.service),
    ), 422 if refused else 200


@bp.route("/campaigns/<int:campaign_id>/scores.csv")
def scores_csv(campaign_id: int):
    campaign_ = _get_campaign(campaign_id)
    _require_scorecard(campaign_)
    return exports.export_response("csv", *services.scores_table(campaign_), f"campaign-{campaign_.id}-scores")


@bp.route("/campaigns/<int:campaign_id>/scores")
@exports.rate_limited
def scores_export(campaign_id: int):
    """The anonymised scores as CSV or Excel (?format=csv|xlsx), for whoever sees the scorecard."""
    campaign_ = _get_campaign(campaign_id)
    _require_scorecard(campaign_)
    kind = exports.requested_format(request.args)
    if kind is None:
        abort(404)
    return exports.export_response(kind, *services.scores_table(campaign_), f"campaign-{campaign_.id}-scores")


@bp.route("/campaigns/<int:campaign_id>/response", methods=["GET", "POST"])
def respond(campaign_id: int):
    campaign_ = _get_campaign(campaign_id)
    moment = now()
    card = services.scorecard_for(campaign_)
    due = services.due_for(card)
    require(permissions.can_answer(current_user, due), services.answer_refusal(current_user, campaign_, due))
    current = services.response_for(card)
    form = ResponseForm(obj=current) if request.method == "GET" and current is not None else ResponseForm()
    if form.validate_on_submit():
        data = ResponseData(decision=form.decision.data, explanation=form.explanation.data,
                            planned_completion=form.planned_completion.data, budget_estimate=form.budget_estimate.data)
        done, _revision = perform(form, lambda: services.answer(current_user, campaign_, data, moment))
        if done:
            forget_pages()
            flash(_("The department's response is saved. It is public with the scorecard."), "success")
            return redirect(url_for("panels.scorecard", campaign_id=campaign_.id, _anchor="response"))
    return render_template("panels/respond.html", campaign=campaign_, card=card, due=due, current=current, form=form,
                           countdown=clock.countdown(due, moment), decision_hints=labels.SCORECARD_DECISION_HINTS), form_status(form)


def _change_plan(campaign_id: int, make_form, change, done_message: str, item: ActionItem | None = None):
    """Add an action to the plan or report its progress: one form, one service call, back to the
    plan; a refusal comes back on the scorecard, next to the field, like any other form's."""
    campaign_ = _get_campaign(campaign_id)
    refusal = services.action_refusal(current_user, campaign_)
    require(permissions.can_view_scorecard(current_user, campaign_) and refusal is None, refusal)
    form = make_form()
    if form is None:  # a progress form for an action that is not (or no longer) in this plan
        flash(_("That action is not part of this plan."), "error")
        return redirect(url_for("panels.scorecard", campaign_id=campaign_.id, _anchor="action-plan"))
    if form.validate_on_submit():
        done, _result = perform(form, lambda: change(campaign_, form))
        if done:
            flash(done_message, "success")
            return redirect(url_for("panels.scorecard", campaign_id=campaign_.id, _anchor="action-plan"))
    if item is None:
        return _render_scorecard(campaign_, action_form=form)
    return _render_scorecard(campaign_, refused_progress=(item.id, form))


@bp.post("/campaigns/<int:campaign_id>/actions")
def add_action(campaign_id: int):
    return _change_plan(
        campaign_id, lambda: ActionItemForm(prefix="a"),
        lambda campaign_, form: services.add_action_item(current_user, campaign_, form.title.data, form.due_on.data, now()),
        _("The action is added to the plan."),
    )


@bp.post("/campaigns/<int:campaign_id>/actions/<int:item_id>")
def action_progress(campaign_id: int, item_id: int):
    item = db.session.get(ActionItem, item_id)
    card = services.scorecard_for(_get_campaign(campaign_id))
    if item is not None and (card is None or item.scorecard_id != card.id):
        item = None
    return _change_plan(
        campaign_id, lambda: _progress_form(item, formdata=request.form) if item is not None else None,
        lambda campaign_, form: services.update_action_item(current_user, campaign_, item_id, form.progress.data, form.note.data, now()),
        _("The action's progress is saved."), item=item,
    )


@bp.post("/campaigns/<int:campaign_id>/publish")
def publish(campaign_id: int):
    campaign_ = _get_campaign(campaign_id)
    require(permissions.can_publish(current_user))
    if perform_and_flash(lambda: services.publish_early(current_user, campaign_, now())):
        forget_pages()
        flash(_("The scorecard is published with the department's response."), "success")
    return redirect(url_for("panels.scorecard", campaign_id=campaign_.id))
