"""A request's own page: where it stands, its clock and every step, for whoever may see it, and the
applicant's forms (supplement, consent to a second extension, reopen, rate) when their permission allows."""
from __future__ import annotations

from datetime import datetime

from flask import abort, render_template
from flask_login import current_user
from sqlalchemy import select

from participation.civil_requests import permissions, tracking
from participation.civil_requests.applicant_forms import ConsentExtensionForm, RateForm, ReopenForm, SupplementForm
from participation.civil_requests.models import CivilRequest, EventKind, RequestStatus, RequestSurvey
from participation.civil_requests.views import bp
from participation.core.time import now
from participation.extensions import db


def visible_request(request_id: int) -> CivilRequest:
    """The request if this person (or this browser, after tracking it by number) may see it; 404 otherwise."""
    request = db.session.get(CivilRequest, request_id)
    if request is None or not (permissions.can_view(current_user, request) or tracking.is_tracked(request.id)):
        abort(404)
    return request


def _latest(request: CivilRequest, kind: EventKind):
    """The latest step of a kind since the clock last started (a reopening starts a fresh period)."""
    return next((e for e in reversed(request.events) if e.kind == kind and e.at >= request.clock_from), None)


def current_survey(request: CivilRequest) -> RequestSurvey | None:
    """The applicant's rating of the latest answer, if given."""
    if request.status != RequestStatus.COMPLETED:
        return None
    return db.session.scalar(
        select(RequestSurvey).where(RequestSurvey.request_id == request.id, RequestSurvey.completion_no == request.completion_count)
    )


def _applicant_side(request: CivilRequest, moment: datetime, forms: dict) -> dict:
    """The applicant's forms, each only when its permission says so; a form given in `forms`
    (refused on its last post) is shown as it was sent."""
    user = current_user
    is_applicant = permissions.is_applicant(user, request)
    survey = current_survey(request) if is_applicant else None
    shown = {
        "supplement_form": (SupplementForm, permissions.can_supplement(user, request, moment)),
        # The statute allows one extension without consent: consent matters once the first was taken.
        "consent_form": (ConsentExtensionForm, permissions.can_consent_to_extension(user, request, moment)
                         and request.extension_count == 1 and request.extension_consented_at is None),
        "reopen_form": (ReopenForm, permissions.can_reopen(user, request, moment)),
        "rate_form": (RateForm, permissions.can_rate(user, request, moment) and survey is None),
    }
    side = {name: (forms.get(name) or form_class.for_request(request, formdata=None)) if allowed else None
            for name, (form_class, allowed) in shown.items()}
    # A form refused because its step is no longer open (answered meanwhile, window closed, rated
    # already) has no place on the page: its refusal and its typed text are shown on their own.
    side["refused"] = next((forms[name] for name, (_class, allowed) in shown.items() if name in forms and not allowed), None)
    side.update(
        is_applicant=is_applicant,
        # A resident filed for at a counter, following by number: reads the page, acts by phone.
        tracked_only=not is_applicant and not permissions.is_handler(user, request) and tracking.is_tracked(request.id),
        survey=survey,
        supplement_asked=_latest(request, EventKind.SUPPLEMENT_REQUESTED) if request.status == RequestStatus.AWAITING_SUPPLEMENT else None,
        extension=_latest(request, EventKind.EXTENDED),
        reopen_until=request.reopen_until(),
    )
    return side


def render_page(request: CivilRequest, *, forms: dict | None = None, status: int = 200):
    """The request's page; after a refused post, with that form (and its typed text) in `forms`."""
    moment = now()
    page = render_template(
        "civil_requests/detail.html",
        r=request,
        now=moment,
        internal=permissions.can_see_internal(current_user, request),
        show_applicant=permissions.can_see_applicant(current_user, request) or tracking.is_tracked(request.id),
        **_applicant_side(request, moment, forms or {}),
    )
    return page, status


@bp.route("/<int:request_id>")
def detail(request_id: int):
    return render_page(visible_request(request_id))
