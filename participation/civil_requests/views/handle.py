"""The department side: its queue, and the handler's workspace with one form per step.

Each step is its own POST endpoint. Its form carries the request's `version` as the page showed
it: of two officials acting at once one wins, and the other sees the request's current state with
the refusal and what they typed still in the form. A department the request was transferred away
from sees nothing of it any more (404).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import select

from participation.accounts import reference as accounts_reference
from participation.accounts.models import Department, User
from participation.accounts.permissions import is_admin
from participation.civil_requests import clock, handling, permissions, queue, timeline
from participation.civil_requests.handling_forms import (
    AssignForm,
    CloseRepeatForm,
    CoHandlingAnswerForm,
    CoHandlingAskForm,
    CompleteForm,
    ExtendForm,
    FollowUpAnswerForm,
    HandlingForm,
    LinkForm,
    QueueFilterForm,
    RecordConsentForm,
    RecordSupplementForm,
    StartForm,
    SupplementRequestForm,
    TransferForm,
)
from participation.civil_requests.labels import STATUS_LABELS
from participation.civil_requests.models import CivilRequest, EventKind, RequestStatus
from participation.civil_requests.views import bp
from participation.core.errors import ServiceError
from participation.core.forms import options, perform
from participation.core.i18n import lazy_gettext as _l
from participation.core.permissions import permission_required, require
from participation.core.time import SEOUL, now, to_local
from participation.core.web import requested_page, wants_json
from participation.extensions import db

# --- the queue ---------------------------------------------------------------------------------


def _queue_filters(form: QueueFilterForm) -> queue.QueueFilters:
    locale = str(get_locale())
    admin = is_admin(current_user)
    if admin:
        form.department.choices = options([("", _l("Every department"))] + [(d.id, d.name_for(locale)) for d in accounts_reference.active_departments()])
    else:
        del form.department  # an official's queue is their own department's
    form.status.choices = options([("", _l("Every open status"))] + [(s.value, STATUS_LABELS[s.value]) for s in (
        RequestStatus.RECEIVED, RequestStatus.IN_PROGRESS, RequestStatus.AWAITING_SUPPLEMENT)] + [(queue.FOLLOW_UP, _l("Follow-up (applicant dissatisfied)"))])
    form.handler.choices = options([("", _l("Anyone or no one")), (queue.HandlerFilter.MINE.value, _l("Assigned to me")),
                                    (queue.HandlerFilter.UNASSIGNED.value, _l("Not assigned yet"))])
    form.category.choices = options([("", _l("Every category"))] + [(c.id, c.name_for(locale)) for c in queue.categories()])
    form.validate()
    section = request.args.get("section")
    return queue.QueueFilters(
        department_id=form.value("department") if admin else current_user.department_id,
        section=queue.Section(section) if section in {s.value for s in queue.Section} else queue.Section.LEAD,
        status=form.value("status") or None,
        handler=queue.HandlerFilter(form.value("handler")) if form.value("handler") else None,
        category_id=form.value("category"),
    )


@bp.route("/queue", endpoint="queue")
@permission_required(permissions.can_view_queue)
def queue_page():
    moment = now()
    form = QueueFilterForm(request.args)
    filters = _queue_filters(form)
    page, rows = queue.department_queue(current_user, filters, requested_page(), moment)
    return render_template(
        "civil_requests/queue.html",
        form=form,
        filters=filters,
        page=page,
        rows=rows,
        now=moment,
        department=db.session.get(Department, filters.department_id) if filters.department_id else None,
        show_department_filter=is_admin(current_user),
        section_urls={s.value: _section_url(s) for s in queue.Section},
    )


def _section_url(section: queue.Section) -> str:
    """The queue's other section, with the same filters, from its first page."""
    query = {k: v for k, v in request.args.items() if k in ("department", "status", "handler", "category")}
    return url_for("civil_requests.queue", **query, section=section.value)


# --- the workspace -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One handling step: its form, who may take it, what it does, and what it says when done."""

    form: type[HandlingForm]
    allowed: Callable[..., bool]
    run: Callable[[HandlingForm, CivilRequest, datetime, int], object]
    done: object
    submit: object
    to_queue: bool = False  # the department no longer handles it afterwards


def _department(form) -> Department | None:
    return db.session.get(Department, form.department_id.data) if form.department_id.data else None


def _assign(form, r, moment, version):
    handler = db.session.get(User, form.handler_id.data) if form.handler_id.data else None
    if handler is None:
        raise ServiceError(_l("Choose an official of the handling department."), field="handler_id", code="handler_invalid")
    handling.assign(current_user, r, handler, moment, version=version)


def latest_extension(r: CivilRequest) -> datetime | None:
    """The latest due time one more extension may set (at most the original period)."""
    if r.due_at is None:
        return None
    return clock.extend(r.due_at, timeline.period_of(r), timeline.city_calendar())


def _new_due(form, r) -> datetime | None:
    """A date means the end of that working day (18:00 Seoul), or the latest allowed time on the latest day."""
    if form.new_due.data is None:
        return None
    due = datetime.combine(form.new_due.data, clock.DAY_CLOSES, tzinfo=SEOUL).astimezone(UTC)
    latest = latest_extension(r)
    if latest is not None and to_local(latest).date() == form.new_due.data:
        return latest
    return due


def _extend(form, r, moment, version):
    handling.extend(current_user, r, _new_due(form, r), form.reason.data, moment, version=version)


def _original(number: str) -> CivilRequest | None:
    text = "".join(ch for ch in (number or "") if ch.isdigit())
    if len(text) == 12:
        text = f"{text[:4]}-{text[4:8]}-{text[8:]}"
    else:
        text = (number or "").strip()
    return db.session.scalar(select(CivilRequest).where(CivilRequest.tracking_number == text))


def _complete(form, r, moment, version):
    handling.complete(current_user, r, form.result.data, form.answer.data, moment,
                      reason=form.reason.data or "", remedy=form.remedy.data or "", version=version)


STEPS: dict[str, Step] = {
    "assign": Step(AssignForm, permissions.can_handle, _assign, _l("The request is assigned."), _l("Assign")),
    "start": Step(StartForm, permissions.can_start, lambda f, r, m, v: handling.start(current_user, r, m, version=v),
                  _l("Handling has started."), _l("Start handling")),
    "ask_supplement": Step(SupplementRequestForm, permissions.can_request_supplement,
                           lambda f, r, m, v: handling.request_supplement(current_user, r, f.note.data, m, version=v),
                           _l("The applicant is asked for a supplement; the clock has stopped."), _l("Ask for a supplement")),
    "transfer": Step(TransferForm, permissions.can_transfer,
                     lambda f, r, m, v: handling.transfer(current_user, r, _department(f), f.reason.data, m, version=v),
                     _l("The request is transferred. The new department sees it now."), _l("Transfer"), to_queue=True),
    "ask_cohandling": Step(CoHandlingAskForm, permissions.can_ask_cohandling,
                           lambda f, r, m, v: handling.ask_cohandling(current_user, r, _department(f), f.question.data, m, version=v),
                           _l("The department is asked for its part."), _l("Ask for its part")),
    "answer_cohandling": Step(CoHandlingAnswerForm, permissions.can_answer_cohandling,
                              lambda f, r, m, v: handling.answer_cohandling(current_user, r, f.answer.data, m, version=v),
                              _l("Your department's part is given to the lead department."), _l("Give your part")),
    "extend": Step(ExtendForm, permissions.can_extend, _extend, _l("The period is extended; the applicant is told why."), _l("Extend")),
    "complete": Step(CompleteForm, permissions.can_complete, _complete, _l("The answer is sent to the applicant."), _l("Send the answer")),
    "link": Step(LinkForm, permissions.can_link,
                 lambda f, r, m, v: handling.link_original(current_user, r, _original(f.original.data), m, version=v),
                 _l("The request is linked to its original."), _l("Link")),
    "close_repeat": Step(CloseRepeatForm, permissions.can_close_as_repeat,
                         lambda f, r, m, v: handling.close_as_repeat(current_user, r, f.reason.data, m, version=v),
                         _l("The repeated complaint is closed; the applicant is told why."), _l("Close as a repeat")),
    "record_supplement": Step(RecordSupplementForm, permissions.can_record_supplement,
                              lambda f, r, m, v: handling.supplement(current_user, r, f.note.data, m, version=v),
                              _l("The resident's supplement is recorded; the clock runs again."), _l("Record the resident's supplement")),
    "record_consent": Step(RecordConsentForm, permissions.can_record_consent,
                           lambda f, r, m, v: handling.consent_to_extension(current_user, r, m, version=v, note=f.note.data),
                           _l("The resident's consent to a second extension is recorded."), _l("Record the resident's consent")),
    "answer_follow_up": Step(FollowUpAnswerForm, permissions.can_answer_follow_up,
                             lambda f, r, m, v: handling.answer_follow_up(current_user, r, f.answer.data, m, version=v),
                             _l("The follow-up is answered."), _l("Answer the follow-up")),
}


def _shown(name: str, r: CivilRequest, moment: datetime) -> bool:
    if not STEPS[name].allowed(current_user, r, moment):
        return False
    if name == "close_repeat":  # only when the service would allow it: two answers to the same complaint
        return handling.answered_repeats(r) >= handling.REPEAT_ANSWERS_BEFORE_CLOSING
    return True


def _choices(name: str, form: HandlingForm, r: CivilRequest) -> None:
    locale = str(get_locale())
    if name == "assign":
        form.handler_id.choices = options([("", _l("Choose an official"))] + [(u.id, u.display_name) for u in queue.department_officials(r.lead_department_id)])
    elif name in ("transfer", "ask_cohandling"):
        departments = accounts_reference.active_departments()
        form.department_id.choices = options([("", _l("Choose a department"))] + [
            (d.id, _l("%(name)s (handling it now)", name=d.name_for(locale)) if d.id == r.lead_department_id else d.name_for(locale))
            for d in departments
        ])


def _answer_template(r: CivilRequest) -> str:
    """The category's answer template in the language the request was written in."""
    category = r.category
    if r.language == "en" and category.answer_template_en:
        return category.answer_template_en
    return category.answer_template_ko or category.answer_template_en or ""


def _new_form(name: str, r: CivilRequest) -> HandlingForm:
    data = {"version": str(r.version)}
    if name == "complete":
        data["answer"] = _answer_template(r)
    form = STEPS[name].form(prefix=name, formdata=None, data=data)
    _choices(name, form, r)
    return form


def _page(r: CivilRequest, moment: datetime, posted: tuple[str, HandlingForm] | None = None, status: int = 200):
    forms = {name: _new_form(name, r) for name in STEPS if _shown(name, r, moment)}
    if posted is not None:
        name, form = posted
        form.version.data = str(r.version)  # they have now seen the current state: their next try counts
        forms[name] = form
    return render_template(
        "civil_requests/handle.html",
        r=r,
        now=moment,
        forms=forms,
        steps=STEPS,
        posted=posted[0] if posted else None,
        allowed={name: STEPS[name].allowed(current_user, r, moment) for name in forms},
        show_applicant=permissions.can_see_applicant(current_user, r),
        leads=permissions.is_lead_official(current_user, r) or is_admin(current_user),
        latest_extension=latest_extension(r) if "extend" in forms else None,
        answered_repeats=handling.answered_repeats(r) if r.original_id else 0,
        repeats_needed=handling.REPEAT_ANSWERS_BEFORE_CLOSING,
        max_extensions=handling.MAX_EXTENSIONS,
    ), status


def _handled_request(request_id: int) -> CivilRequest:
    r = db.session.get(CivilRequest, request_id)
    if r is None or not permissions.is_handler(current_user, r):
        abort(404)
    return r


@bp.route("/<int:request_id>/handle")
def handle(request_id: int):
    require(current_user.is_authenticated)
    r = _handled_request(request_id)
    return _page(r, now())


def _transferred_away(r: CivilRequest, form: HandlingForm) -> bool:
    """An official whose page was loaded before the request was transferred away from their department."""
    department = current_user.department_id if current_user.is_authenticated else None
    version = form.page_version()
    return (
        department is not None and version is not None and version < r.version
        and any(e.kind == EventKind.TRANSFERRED and e.from_department_id == department for e in r.events)
    )


def _json_error(form: HandlingForm, r: CivilRequest | None, status: int, code: str):
    fields = {field.short_name: [str(m) for m in field.errors] for field in form if field.errors}
    messages = [str(m) for m in form.form_errors] + [m for ms in fields.values() for m in ms]
    return jsonify(ok=False, error={"status": status, "code": code, "message": messages[0] if messages else "", "fields": fields},
                   version=r.version if r is not None else None), status


# The service's own words (timeline.lock) for a step taken on a stale page.
STALE_MESSAGE = _l("Someone else acted on this request a moment ago. Nothing was changed: read its latest state and try again.")


def _take(name: str, request_id: int):
    step = STEPS[name]
    moment = now()
    require(current_user.is_authenticated)
    r = db.session.get(CivilRequest, request_id) or abort(404)
    form = step.form(prefix=name)
    _choices(name, form, r)
    if not permissions.is_handler(current_user, r):
        if not _transferred_away(r, form):
            abort(404)
        # What they typed is not lost: the page gives it back, and nothing else of the request.
        form.form_errors.append(_l("This request was transferred to another department a moment ago; it is no longer with yours. Nothing was changed."))
        if wants_json():
            return _json_error(form, None, 409, "not_lead_department")
        return render_template("civil_requests/handle.html", gone=True, form=form, step=step), 409
    version = form.page_version()
    if version is not None and version != r.version:
        form.form_errors.append(STALE_MESSAGE)
        return _json_error(form, r, 409, "stale") if wants_json() else _page(r, moment, (name, form), 409)
    require(step.allowed(current_user, r, moment))
    refusal = {}

    def run():
        try:
            return step.run(form, r, moment, version)
        except ServiceError as exc:
            refusal["code"] = exc.code
            raise

    if form.validate_on_submit():
        done, _result = perform(form, run)
        if done:
            message = str(step.done)
            target = url_for("civil_requests.queue") if step.to_queue and not permissions.is_handler(current_user, r) else url_for("civil_requests.handle", request_id=r.id)
            if wants_json():
                return jsonify(ok=True, message=message, status=r.status, version=r.version, location=target)
            flash(message, "success")
            return redirect(target)
    code = refusal.get("code", "invalid")
    status = 409 if code == "stale" else 422
    if wants_json():
        return _json_error(form, r, status, code)
    return _page(r, moment, (name, form), status)


def _register(name: str) -> None:
    def view(request_id: int):
        return _take(name, request_id)

    view.__name__ = name
    bp.add_url_rule(f"/<int:request_id>/{name.replace('_', '-')}", endpoint=name, view_func=view, methods=["POST"])


for _name in STEPS:
    _register(_name)
