"""Handling a civil request: assign, start, 보완, 이송, 협조, extension, answer, repeat closing,
and the applicant's reopening and survey.

Every function takes the acting user and `now`, and `version` (the request's version the page
showed): a step taken on a stale page is refused (timeline.StaleRequest), so of two officials
answering or transferring at once one wins and the other is told. Run them inside
write_transaction(); the caller has asked the permission function and commits.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from participation.accounts.models import Department, Role, User
from participation.accounts.permissions import is_admin
from participation.civil_requests import clock, permissions, timeline
from participation.civil_requests.models import (
    ANSWER_MAX,
    NOTE_MAX,
    OPEN_STATUSES,
    PROGRESS_NOTICE_DAYS,
    CivilRequest,
    CoHandling,
    EventKind,
    RequestPause,
    RequestResult,
    RequestStatus,
    RequestSurvey,
    Satisfaction,
)
from participation.core import audit
from participation.core.errors import ServiceError
from participation.core.i18n import lazy_gettext as _l
from participation.core.i18n import lazy_ngettext
from participation.core.time import as_utc, format_local_datetime
from participation.extensions import db

MAX_EXTENSIONS = 2  # once by right; a second time only with the applicant's recorded consent
REPEAT_ANSWERS_BEFORE_CLOSING = 2  # a third identical complaint after two answers may be closed (종결)


def _note(text: str | None, *, field: str, required: bool, limit: int = NOTE_MAX, missing=None) -> str:
    text = (text or "").strip()
    if required and not text:
        raise ServiceError(missing or _l("Give a reason."), field=field, code="reason_missing")
    if len(text) > limit:
        raise ServiceError(lazy_ngettext("This can be at most %(count)d character.", "This can be at most %(count)d characters.", limit, count=limit), field=field, code="too_long")
    return text


def _require_open(request: CivilRequest) -> None:
    if request.status not in OPEN_STATUSES:
        raise ServiceError(_l("This request is already closed."), code="closed")


def _require_lead(user: User, request: CivilRequest) -> None:
    """After a transfer the old department keeps nothing: refuse it here too, not only in the view."""
    if not (permissions.is_lead_official(user, request) or is_admin(user)):
        raise ServiceError(
            _l("This request is no longer with your department; it was transferred."), code="not_lead_department"
        )


def _begin(user: User, request: CivilRequest, version: int | None) -> None:
    timeline.lock(request, version)
    _require_lead(user, request)


def _current_cohandlings(request: CivilRequest) -> list[CoHandling]:
    """The co-handling rows as they are now, under the request's lock. The session may hold copies
    read before another department answered (write_transaction keeps what the page loaded), and
    refreshing the request does not refresh them: an answer given meanwhile must not look unanswered."""
    return list(db.session.scalars(
        select(CoHandling).where(CoHandling.request_id == request.id).order_by(CoHandling.id)
        .execution_options(populate_existing=True)
    ))


def assign(user: User, request: CivilRequest, handler: User, now: datetime, *, version: int | None = None) -> None:
    _begin(user, request, version)
    _require_open(request)
    if not (handler.has_role(Role.OFFICIAL) and handler.department_id == request.lead_department_id and not handler.is_deleted):
        raise ServiceError(_l("Choose an official of the handling department."), field="handler_id", code="handler_invalid")
    request.handler = handler
    timeline.record(request, EventKind.ASSIGNED, now, actor=user, notify=False)


def start(user: User, request: CivilRequest, now: datetime, *, version: int | None = None) -> None:
    _begin(user, request, version)
    if request.status != RequestStatus.RECEIVED:
        raise ServiceError(_l("Only a newly received request can be started."), code="not_received")
    if request.handler_id is None:
        request.handler = user
    timeline.record(request, EventKind.STARTED, now, actor=user, status_to=RequestStatus.IN_PROGRESS.value, due_at=request.due_at)


def request_supplement(user: User, request: CivilRequest, what: str, now: datetime, *, version: int | None = None) -> None:
    """Ask the applicant for what is missing (보완); the clock stops until they supply it."""
    _begin(user, request, version)
    if request.status not in (RequestStatus.RECEIVED, RequestStatus.IN_PROGRESS):
        raise ServiceError(_l("A supplement can only be asked for while the request is being handled."), code="not_handling")
    note = _note(what, field="note", required=True, missing=_l("Say what the applicant needs to add."))
    db.session.add(RequestPause(request=request, started_at=now))
    db.session.flush()
    request.due_at = None
    timeline.record(request, EventKind.SUPPLEMENT_REQUESTED, now, actor=user, note=note, status_to=RequestStatus.AWAITING_SUPPLEMENT.value)


def supplement(user: User, request: CivilRequest, text: str, now: datetime, *, version: int | None = None) -> None:
    """The applicant supplies what was asked: the clock runs again, moved on by the pause."""
    timeline.lock(request, version)
    if request.status != RequestStatus.AWAITING_SUPPLEMENT:
        raise ServiceError(_l("Nothing has been asked of you on this request."), code="not_awaiting")
    note = _note(text, field="note", required=True, limit=ANSWER_MAX, missing=_l("Write what you are adding."))
    for pause in request.pauses:
        if pause.ended_at is None:
            pause.ended_at = now
    db.session.flush()
    request.due_at = timeline.compute_due(request)
    timeline.record(request, EventKind.SUPPLEMENTED, now, actor=user, note=note, status_to=RequestStatus.IN_PROGRESS.value, due_at=request.due_at)


def transfer(user: User, request: CivilRequest, department: Department | None, reason: str, now: datetime, *, version: int | None = None) -> None:
    """이송: the new department leads at once; within the city the clock keeps its receipt time."""
    _begin(user, request, version)
    _require_open(request)
    if department is None or department.is_retired:
        raise ServiceError(_l("Choose a department that is in use."), field="department_id", code="department_invalid")
    if department.id == request.lead_department_id:
        raise ServiceError(_l("The request is already with this department. Choose another one."), field="department_id", code="same_department")
    note = _note(reason, field="reason", required=True, missing=_l("Give the reason for the transfer."))
    old = request.lead_department_id
    request.lead_department_id = department.id
    request.handler = None
    # A department that was co-handling and now leads answers as the lead; its open ask is moot.
    for cohandling in _current_cohandlings(request):
        if cohandling.department_id == department.id and cohandling.answered_at is None:
            request.cohandlings.remove(cohandling)
            db.session.delete(cohandling)
    if request.status == RequestStatus.IN_PROGRESS:
        status_to = RequestStatus.RECEIVED.value  # the new department starts it
    else:
        status_to = None
    timeline.record(
        request, EventKind.TRANSFERRED, now, actor=user, note=note, department_id=department.id, from_department_id=old,
        status_to=status_to, due_at=request.due_at,
    )
    audit.record("civil_request.transferred", now, actor=user, subject=request, from_department=old, to_department=department.id)


def ask_cohandling(user: User, request: CivilRequest, department: Department | None, question: str, now: datetime, *, version: int | None = None) -> CoHandling:
    """협조: ask another department for its part; it answers in the thread, the lead answers the applicant."""
    _begin(user, request, version)
    if request.status not in (RequestStatus.RECEIVED, RequestStatus.IN_PROGRESS):
        raise ServiceError(_l("Co-handling can only be asked for while the request is being handled."), code="not_handling")
    if department is None or department.is_retired:
        raise ServiceError(_l("Choose a department that is in use."), field="department_id", code="department_invalid")
    if department.id == request.lead_department_id:
        raise ServiceError(_l("Your own department leads this request. Choose another one."), field="department_id", code="same_department")
    if any(c.department_id == department.id for c in request.cohandlings):
        raise ServiceError(_l("This department has already been asked."), field="department_id", code="already_asked")
    text = _note(question, field="question", required=True, missing=_l("Say what you need from that department."))
    cohandling = CoHandling(request=request, department_id=department.id, asked_by_id=user.id, asked_at=now, question=text)
    db.session.add(cohandling)
    db.session.flush()
    timeline.record(request, EventKind.COHANDLING_ASKED, now, actor=user, department_id=department.id, from_department_id=request.lead_department_id)
    return cohandling


def answer_cohandling(user: User, request: CivilRequest, answer: str, now: datetime, *, version: int | None = None) -> CoHandling:
    timeline.lock(request, version)
    _require_open(request)
    mine = next((c for c in _current_cohandlings(request) if c.department_id == user.department_id), None) if user.has_role(Role.OFFICIAL) else None
    if mine is None:
        raise ServiceError(_l("Your department was not asked for its part in this request."), code="not_cohandling")
    if mine.answered_at is not None:
        raise ServiceError(_l("Your department has already given its part."), code="already_answered")
    mine.answer = _note(answer, field="answer", required=True, limit=ANSWER_MAX, missing=_l("Write your department's part."))
    mine.answered_by_id = user.id
    mine.answered_at = now
    timeline.record(request, EventKind.COHANDLING_ANSWERED, now, actor=user, department_id=mine.department_id)
    return mine


def consent_to_extension(user: User, request: CivilRequest, now: datetime, *, version: int | None = None, note: str = "") -> None:
    """The applicant's recorded consent to a second extension (`note`: how a resident without an
    account gave it, when the department records it for them)."""
    timeline.lock(request, version)
    _require_open(request)
    if request.extension_consented_at is None:
        request.extension_consented_at = now
        timeline.record(request, EventKind.EXTENSION_CONSENTED, now, actor=user, note=_note(note, field="note", required=False))


def extend(user: User, request: CivilRequest, new_due: datetime | None, reason: str, now: datetime, *, version: int | None = None) -> datetime:
    """Extend once, by up to the original period counted from the current due time, with a reason
    (시행령 제21조). A second extension needs the applicant's recorded consent. Returns the new due time."""
    _begin(user, request, version)
    if request.status not in (RequestStatus.RECEIVED, RequestStatus.IN_PROGRESS) or request.due_at is None:
        raise ServiceError(_l("Only a request being handled, and not waiting for a supplement, can be extended."), code="not_extendable")
    if request.extension_count >= MAX_EXTENSIONS:
        raise ServiceError(_l("A request can be extended at most twice."), code="extension_limit")
    if request.extension_count == 1 and request.extension_consented_at is None:
        raise ServiceError(
            _l("A second extension needs the applicant's consent, recorded first (the statute allows one extension without it)."),
            code="consent_required",
        )
    note = _note(reason, field="reason", required=True, missing=_l("Give the reason for the extension."))
    calendar = timeline.city_calendar()
    latest = clock.extend(request.due_at, timeline.period_of(request), calendar)
    # A naive moment is UTC, as everywhere in the project (comparing it with the stored one would fail).
    new_due = latest if new_due is None else as_utc(new_due)
    if new_due <= request.due_at:
        raise ServiceError(_l("The new due date must be after the current one."), field="new_due", code="not_later")
    if new_due > latest:
        raise ServiceError(
            _l("An extension can add at most the original period: the latest due time is %(latest)s.", latest=format_local_datetime(latest)),
            field="new_due", code="too_long",
        )
    request.extension_count += 1
    request.due_at = new_due
    # A new due time earns the reminders again.
    request.due_soon_alerted_at = None
    request.applicant_overdue_alerted_at = None
    timeline.record(request, EventKind.EXTENDED, now, actor=user, note=note, due_at=new_due)
    audit.record("civil_request.extended", now, actor=user, subject=request, due_at=new_due.isoformat())
    return new_due


def complete(
    user: User, request: CivilRequest, result: str, answer: str, now: datetime, *,
    reason: str = "", remedy: str = "", version: int | None = None,
) -> None:
    """완료 with a result. "Not possible" needs the reason and the remedy (how to appeal)."""
    _begin(user, request, version)
    if request.status not in (RequestStatus.RECEIVED, RequestStatus.IN_PROGRESS):
        raise ServiceError(_l("Only a request being handled can be answered."), code="not_handling")
    try:
        result = RequestResult(result)
    except ValueError:
        raise ServiceError(_l("Choose a result."), field="result", code="result_invalid") from None
    text = _note(answer, field="answer", required=True, limit=ANSWER_MAX, missing=_l("Write the answer to the applicant."))
    reason = _note(reason, field="reason", required=result == RequestResult.NOT_POSSIBLE, missing=_l("Say why it is not possible."))
    remedy = _note(remedy, field="remedy", required=result == RequestResult.NOT_POSSIBLE, missing=_l("Say how the applicant can appeal or what else they can do."))
    request.result = result.value
    request.answer = text
    request.result_reason = reason
    request.result_remedy = remedy
    request.completed_at = now
    request.completion_count += 1
    request.survey_reminded_at = None
    request.next_progress_notice_at = None
    timeline.record(request, EventKind.COMPLETED, now, actor=user, note=text, status_to=RequestStatus.COMPLETED.value)
    audit.record("civil_request.completed", now, actor=user, subject=request, result=result.value)


def link_original(user: User, request: CivilRequest, original: CivilRequest | None, now: datetime, *, version: int | None = None) -> None:
    """Mark as a repeat or duplicate of an earlier request. A repeat of a repeat is linked to the
    complaint's first filing, so the answers counted for 종결 are every answer to the same complaint
    (and no request can become the original of its own original)."""
    _begin(user, request, version)
    _require_open(request)
    seen = set()
    while original is not None and original.original is not None and original.id not in seen:
        seen.add(original.id)
        original = original.original
    if original is None or original.id == request.id or original.received_at > request.received_at:
        raise ServiceError(_l("Choose an earlier request as the original."), field="original", code="original_invalid")
    request.original = original
    timeline.record(request, EventKind.LINKED, now, actor=user, note=original.tracking_number)


def answered_repeats(request: CivilRequest) -> int:
    """How many times the same complaint was already answered: the original and its other repeats."""
    root_id = request.original_id
    if root_id is None:
        return 0
    return db.session.scalar(
        select(func.count()).select_from(CivilRequest).where(
            (CivilRequest.id == root_id) | (CivilRequest.original_id == root_id),
            CivilRequest.id != request.id,
            CivilRequest.completion_count > 0,
        )
    )


def close_as_repeat(user: User, request: CivilRequest, reason: str, now: datetime, *, version: int | None = None) -> None:
    """종결: the same complaint, answered twice already, may be closed; the applicant is told why."""
    _begin(user, request, version)
    _require_open(request)
    if request.original_id is None:
        raise ServiceError(_l("Link this request to its original first."), code="not_linked")
    if answered_repeats(request) < REPEAT_ANSWERS_BEFORE_CLOSING:
        raise ServiceError(
            _l("A repeated complaint can be closed only after the same complaint was answered twice."), code="not_enough_answers"
        )
    note = _note(reason, field="reason", required=True, missing=_l("Tell the applicant why it is closed."))
    for pause in request.pauses:  # closed while waiting for a supplement: the wait is over
        if pause.ended_at is None:
            pause.ended_at = now
    request.completed_at = now
    request.next_progress_notice_at = None
    timeline.record(request, EventKind.CLOSED_AS_REPEAT, now, actor=user, note=note, status_to=RequestStatus.CLOSED_AS_REPEAT.value)


def reopen(user: User, request: CivilRequest, why: str, now: datetime, *, version: int | None = None) -> None:
    """Within 14 days of completion the applicant reopens it: back to the department, a fresh clock."""
    timeline.lock(request, version)
    until = request.reopen_until()
    if until is None or now > until:
        raise ServiceError(_l("This request can no longer be reopened: file a new one."), code="reopen_closed")
    note = _note(why, field="note", required=True, missing=_l("Say what is still wrong."))
    # The row is written once, with its new status, by the timeline step below.
    with db.session.no_autoflush:
        request.result = None
        request.clock_from = now
        request.extension_count = 0
        request.extension_consented_at = None
        request.due_soon_alerted_at = None
        request.overdue_alerted_on = None
        request.applicant_overdue_alerted_at = None
        request.admins_alerted_at = None
        request.follow_up_since = None
        request.completed_at = None
        request.due_at = timeline.compute_due(request)
        request.next_progress_notice_at = now + timedelta(days=PROGRESS_NOTICE_DAYS)
    timeline.record(request, EventKind.REOPENED, now, actor=user, note=note, status_to=RequestStatus.IN_PROGRESS.value, due_at=request.due_at)


def rate(user: User, request: CivilRequest, satisfaction: str, comment: str, now: datetime) -> RequestSurvey:
    """The survey at completion, once per completion. Dissatisfied returns it to the queue as a follow-up."""
    timeline.lock(request, None)
    if request.status != RequestStatus.COMPLETED:
        raise ServiceError(_l("Only an answered request can be rated."), code="not_completed")
    try:
        satisfaction = Satisfaction(satisfaction)
    except ValueError:
        raise ServiceError(_l("Choose how satisfied you are."), field="satisfaction", code="satisfaction_invalid") from None
    text = _note(comment, field="comment", required=False)
    existing = db.session.scalar(
        select(RequestSurvey).where(RequestSurvey.request_id == request.id, RequestSurvey.completion_no == request.completion_count)
    )
    if existing is not None:
        raise ServiceError(_l("You have already rated this answer. Thank you."), code="already_rated")
    survey = RequestSurvey(
        request_id=request.id, completion_no=request.completion_count, satisfaction=satisfaction.value, comment=text,
        department_id=request.lead_department_id, answered_at=now,
    )
    db.session.add(survey)
    db.session.flush()
    timeline.record(request, EventKind.SURVEY_ANSWERED, now, actor=user, note=satisfaction.value, notify=False)
    if satisfaction == Satisfaction.DISSATISFIED:
        request.follow_up_since = now
        timeline.record(request, EventKind.FOLLOW_UP, now, actor=user, note=text)
    return survey


def answer_follow_up(user: User, request: CivilRequest, answer: str, now: datetime, *, version: int | None = None) -> None:
    """The department's answer to a dissatisfied applicant; it leaves the queue."""
    _begin(user, request, version)
    if request.follow_up_since is None:
        raise ServiceError(_l("No follow-up is waiting on this request."), code="no_follow_up")
    note = _note(answer, field="answer", required=True, limit=ANSWER_MAX, missing=_l("Write the answer to the applicant."))
    request.follow_up_since = None
    timeline.record(request, EventKind.FOLLOW_UP_ANSWERED, now, actor=user, note=note)
