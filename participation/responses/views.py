"""Official responses: answering and revising, implementation progress, the department
inbox, each department's public record, and what an idea's page shows of them."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from participation.accounts.models import Department
from participation.accounts.permissions import is_admin
from participation.accounts.reference import active_departments
from participation.core import exports
from participation.core.forms import form_status, options, perform
from participation.core.i18n import lazy_gettext as _l
from participation.core.pagecache import forget_pages
from participation.core.permissions import require
from participation.core.time import now
from participation.extensions import db
from participation.ideas.models import Idea
from participation.ideas.permissions import can_view_idea
from participation.responses import clock, permissions, reading, receivers, services
from participation.responses.forms import InboxFilterForm, ProgressForm, ResponseForm
from participation.responses.labels import DECISION_HINTS, DECISION_LABELS, DUE_REASON_LABELS
from participation.responses.reading import IdeaResults

bp = Blueprint("responses", __name__)


def idea_results(idea: Idea) -> IdeaResults:
    """For the idea's page (once per idea per request)."""
    cache = g.setdefault("idea_results", {})
    if idea.id not in cache:
        cache[idea.id] = reading.idea_results(current_user, idea, now())
    return cache[idea.id]


def public_status(idea: Idea) -> str:
    """The idea's status as the signed-in person may see it (reading.public_status)."""
    return reading.public_status(current_user, idea, g.get("idea_results", {}).get(idea.id))


@bp.record
def _connect_receivers(state):
    receivers.connect()


@bp.record
def _template_globals(state):
    # Globals rather than context, so macros imported without context (and cached) can use them.
    state.app.jinja_env.globals.update(
        response_permissions=permissions,
        response_decision_labels=DECISION_LABELS,
        response_reason_labels=DUE_REASON_LABELS,
        idea_results=idea_results,
        public_status=public_status,
        response_inbox_entry=services.inbox_entry,
    )


def _get_idea(idea_id: int) -> Idea:
    idea = db.session.get(Idea, idea_id)
    if idea is None or not can_view_idea(current_user, idea, now()):
        abort(404)
    return idea


def _reason_if_visible(idea: Idea, due, reason):
    return reason if permissions.can_see_idea_results(current_user, idea, due) else None


def _idea_anchor(idea: Idea, anchor: str) -> str:
    return url_for("ideas.detail", idea_id=idea.id, _anchor=anchor)


# --- answering -----------------------------------------------------------------------------------


@bp.route("/ideas/<int:idea_id>/response", methods=["GET", "POST"])
def answer(idea_id: int):
    idea = _get_idea(idea_id)
    moment = now()
    due = services.due_for(idea)
    # Why not is told only to those who may see the results: before publication the reason
    # itself would say whether the idea was selected.
    require(permissions.can_answer(current_user, due), _reason_if_visible(idea, due, services.answer_refusal(current_user, idea, due)))
    current = services.response_for(idea)
    # Revising starts from the current answer; a posted form is taken as sent (a choice
    # left empty stays empty rather than falling back to the current answer).
    form = ResponseForm(obj=current) if request.method == "GET" and current is not None else ResponseForm()
    if form.validate_on_submit():
        data = services.ResponseData(
            decision=form.decision.data,
            explanation=form.explanation.data,
            planned_completion=form.planned_completion.data,
            budget_estimate=form.budget_estimate.data,
        )
        done, _revision = perform(form, lambda: services.answer(current_user, idea, data, moment))
        if done:
            forget_pages()
            if idea.round.published_at is None:
                flash(_("The official response is saved. Residents will see it when the round's outcome is published."), "success")
            else:
                flash(_("The official response is published. Every version stays in its public history."), "success")
            return redirect(_idea_anchor(idea, "official-response"))
    return render_template(
        "responses/answer.html",
        idea=idea,
        due=due,
        current=current,
        countdown=clock.countdown(due, moment),
        form=form,
        decision_hints=DECISION_HINTS,
        can_post_progress=permissions.can_post_progress(current_user, current),
    ), form_status(form)


@bp.route("/ideas/<int:idea_id>/progress", methods=["GET", "POST"])
def progress(idea_id: int):
    idea = _get_idea(idea_id)
    moment = now()
    response = services.response_for(idea)
    require(
        permissions.can_post_progress(current_user, response),
        _reason_if_visible(idea, services.due_for(idea), services.progress_refusal(current_user, response)),
    )
    form = ProgressForm()
    if form.validate_on_submit():
        done, _update = perform(form, lambda: services.post_progress(current_user, idea, form.progress.data, form.note.data, moment))
        if done:
            forget_pages()
            flash(_("The progress report is posted."), "success")
            return redirect(_idea_anchor(idea, "implementation"))
    return render_template(
        "responses/progress.html", idea=idea, response=response, updates=services.implementation_updates(idea), form=form
    ), form_status(form)


# --- the department inbox and the public record -------------------------------------------------


@bp.route("/responses/inbox")
def inbox():
    require(permissions.can_read_inbox(current_user))
    moment = now()
    form = None
    if is_admin(current_user):
        locale = str(get_locale())
        form = InboxFilterForm(request.args)
        form.department_id.choices = options(
            [("", _l("Every department"))] + [(d.id, d.name_for(locale)) for d in active_departments()]
        )
        form.validate()
        department_id = form.value()
    else:
        department_id = current_user.department_id
    rows = [(due, clock.countdown(due, moment)) for due in services.inbox(department_id)]
    return render_template(
        "responses/inbox.html",
        rows=rows,
        form=form,
        department=db.session.get(Department, department_id) if department_id else None,
        overdue=sum(1 for _due, c in rows if c.is_overdue),
    )


@bp.route("/responses/departments")
def departments():
    require(permissions.can_view_response_stats(current_user))
    moment = now()
    return render_template(
        "responses/departments.html", records=services.department_records(moment), tables=services.record_tables(moment), now=moment
    )


@bp.route("/responses/departments/export")
@exports.rate_limited
def departments_export():
    """The departments' record of official responses as CSV or Excel (?format=csv|xlsx), as the page shows it."""
    require(permissions.can_view_response_stats(current_user))
    kind = exports.requested_format(request.args)
    if kind is None:
        abort(404)
    moment = now()
    locale = str(get_locale())
    header = [_("Department"), _("Answered on time"), _("Answered late"), _("Overdue (not yet answered)"),
              _("Waiting (not yet due)"), _("Median days to answer")]

    def rows():  # read while the response streams
        for r in services.department_records(moment):
            yield r.department.name_for(locale), r.on_time, r.late, r.overdue, r.waiting, r.median_days

    return exports.export_response(kind, header, rows(), f"{_('departments')}-{moment:%Y%m%d}", sheet=_("How departments answer"))
