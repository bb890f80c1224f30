"""The applicant's side: answer a 보완 request, consent to a second extension, reopen, rate the
answer, and "my requests".

Each step checks its permission, validates its form and calls one handling service with the
version the page showed. A refusal shows the page again with the form as it was sent.
"""
from __future__ import annotations

from datetime import datetime

from flask import flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from participation.civil_requests import handling, permissions, timeline
from participation.civil_requests.applicant_forms import ConsentExtensionForm, RateForm, ReopenForm, SupplementForm
from participation.civil_requests.models import CivilRequest, RequestSupporter, Satisfaction
from participation.civil_requests.views import bp
from participation.civil_requests.views.detail import render_page, visible_request
from participation.core.forms import form_status, perform
from participation.core.permissions import require
from participation.core.time import format_local_datetime, now
from participation.core.web import requested_page
from participation.extensions import db

MINE_PER_PAGE = 20


def _may_try(allowed: bool, civil_request: CivilRequest, moment: datetime) -> None:
    """Refuse anyone but the applicant here. The applicant whose request moved on since the page
    was loaded (answered, window closed, already rated) goes on to the service, which names the rule."""
    if allowed:
        return
    user = current_user
    require(permissions.is_applicant(user, civil_request) and not user.is_suspended(moment))


def _step(request_id: int, permission, form_class, name: str, action, done_message, anchor: str = "timeline-heading"):
    """One applicant step: check, validate, run `action(request, form, now)` in one write
    transaction, and say what happened (`done_message(request, form)`); a refusal shows the page
    again with the form as it was sent."""
    civil_request = visible_request(request_id)
    moment = now()
    _may_try(permission(current_user, civil_request, moment), civil_request, moment)
    form = form_class()
    if form.validate_on_submit():
        done, _result = perform(form, lambda: action(civil_request, form, moment))
        if done:
            flash(done_message(civil_request, form), "success")
            return redirect(url_for("civil_requests.detail", request_id=civil_request.id, _anchor=anchor))
    form.keep_typing_on(civil_request)
    return render_page(civil_request, forms={name: form}, status=form_status(form))


def _department(civil_request: CivilRequest) -> str:
    return civil_request.lead_department.name_for(str(get_locale()))


def _supplemented(civil_request: CivilRequest, form) -> str:
    if civil_request.due_at is None:
        return _("Thank you: the department has what you added.")
    return _("Thank you: the department has what you added, and the handling clock runs again. It is now due %(when)s.",
             when=format_local_datetime(civil_request.due_at))


def _rate(civil_request: CivilRequest, form, moment: datetime):
    timeline.lock(civil_request, form.version_number)  # the survey itself takes no version: refuse a stale page here
    return handling.rate(current_user, civil_request, form.satisfaction.data, form.comment.data, moment)


def _rated(civil_request: CivilRequest, form) -> str:
    if form.satisfaction.data == Satisfaction.DISSATISFIED:
        return _("Thank you for rating the answer. As you are dissatisfied, the request goes back to %(department)s as a follow-up.",
                 department=_department(civil_request))
    return _("Thank you for rating the answer.")


@bp.route("/<int:request_id>/supplement", methods=["POST"])
def supplement(request_id: int):
    return _step(
        request_id, permissions.can_supplement, SupplementForm, "supplement_form",
        lambda r, form, moment: handling.supplement(current_user, r, form.note.data, moment, version=form.version_number),
        _supplemented,
    )


@bp.route("/<int:request_id>/consent-extension", methods=["POST"])
def consent_extension(request_id: int):
    return _step(
        request_id, permissions.can_consent_to_extension, ConsentExtensionForm, "consent_form",
        lambda r, form, moment: handling.consent_to_extension(current_user, r, moment, version=form.version_number),
        lambda r, form: _("Your consent is recorded: the department may extend the period once more, with a reason and a new date."),
    )


@bp.route("/<int:request_id>/reopen", methods=["POST"])
def reopen(request_id: int):
    return _step(
        request_id, permissions.can_reopen, ReopenForm, "reopen_form",
        lambda r, form, moment: handling.reopen(current_user, r, form.note.data, moment, version=form.version_number),
        lambda r, form: _("The request is reopened and back with %(department)s, due %(when)s.",
                          department=_department(r), when=format_local_datetime(r.due_at)),
    )


@bp.route("/<int:request_id>/rate", methods=["POST"])
def rate(request_id: int):
    return _step(request_id, permissions.can_rate, RateForm, "rate_form", _rate, _rated, anchor="rating")


# --- my requests ---------------------------------------------------------------------


@bp.route("/mine")
def mine():
    """The requests I filed, newest first, and those I reported as "same problem"; each list
    pages on its own, in a fixed number of statements."""
    require(current_user.is_authenticated)
    shown = (joinedload(CivilRequest.category), joinedload(CivilRequest.lead_department))
    filed = db.paginate(
        select(CivilRequest).where(CivilRequest.applicant_id == current_user.id).options(*shown)
        .order_by(CivilRequest.received_at.desc(), CivilRequest.id.desc()),
        page=requested_page(), per_page=MINE_PER_PAGE, error_out=False,
    )
    supported = db.paginate(
        select(CivilRequest).join(RequestSupporter, RequestSupporter.request_id == CivilRequest.id)
        .where(RequestSupporter.user_id == current_user.id).options(*shown)
        .order_by(RequestSupporter.created_at.desc(), CivilRequest.id.desc()),
        page=requested_page("same_page"), per_page=MINE_PER_PAGE, error_out=False,
    )
    return render_template("civil_requests/mine.html", filed=filed, supported=supported, now=now()), 200
