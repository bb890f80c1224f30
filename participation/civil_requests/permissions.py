"""Who may file, see, handle and rate civil requests.

Roles here: the applicant (who filed it, or for whom a counter filed it), a supporter ("same
problem"), other residents, visitors, field staff, counter staff, officials of the lead
department, of a co-handling department, of another department, moderators, admins.

A private request (the default) is seen only by its applicant, its supporters' own "same problem"
record aside, the handling departments (lead and co-handling) and admins. A public request is seen
by everyone, but the applicant's identity never is (see `can_see_applicant`).
A department a request was transferred away from keeps no handling rights: it is neither lead nor
co-handling any more.
"""
from __future__ import annotations

from datetime import datetime

from participation.accounts.models import Role
from participation.accounts.permissions import is_admin
from participation.civil_requests.models import (
    OPEN_STATUSES,
    CivilRequest,
    RequestStatus,
)


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and not user.is_deleted)


def _can_act(user, now: datetime) -> bool:
    return _active(user) and not user.is_suspended(now)


def is_applicant(user, request: CivilRequest) -> bool:
    return _active(user) and request.applicant_id is not None and request.applicant_id == user.id


def _official_department(user) -> int | None:
    if _active(user) and user.has_role(Role.OFFICIAL) and user.department_id is not None:
        return user.department_id
    return None


def is_lead_official(user, request: CivilRequest) -> bool:
    department = _official_department(user)
    return department is not None and department == request.lead_department_id


def is_cohandling_official(user, request: CivilRequest) -> bool:
    """An official of a department the lead asked for its part (협조), while it is not the lead."""
    department = _official_department(user)
    if department is None or department == request.lead_department_id:
        return False
    return any(c.department_id == department for c in request.cohandlings)


def is_handler(user, request: CivilRequest) -> bool:
    """Lead or co-handling department, or an admin: those who see everything about the request."""
    return is_lead_official(user, request) or is_cohandling_official(user, request) or is_admin(user)


# Filing ---------------------------------------------------------------------------------------

def can_file(user, now: datetime) -> bool:
    """Any signed-in person who is not suspended files online (residents; staff may too, for themselves)."""
    return _can_act(user, now)


def can_file_in_field(user, now: datetime) -> bool:
    return _can_act(user, now) and user.has_role(Role.FIELD)


def can_file_at_counter(user, now: datetime) -> bool:
    """Counter staff, and admins, file on a resident's behalf."""
    return _can_act(user, now) and (user.has_role(Role.COUNTER) or is_admin(user))


def can_view_receipt(user, request: CivilRequest) -> bool:
    """The printable receipt (tracking number and QR code): whoever filed it (the counter staff
    member, or the applicant online), the handling departments and admins."""
    return (_active(user) and request.filed_by_id is not None and request.filed_by_id == user.id) or is_handler(user, request)


# Seeing ---------------------------------------------------------------------------------------

def can_view(user, request: CivilRequest) -> bool:
    if request.is_public:
        return True
    return is_applicant(user, request) or is_handler(user, request)


def can_see_applicant(user, request: CivilRequest) -> bool:
    """The applicant's name and contact: the handling departments and admins, and the applicant.
    Never anyone else, even on a public request."""
    return is_applicant(user, request) or is_handler(user, request)


def can_see_internal(user, request: CivilRequest) -> bool:
    """Co-handling questions and answers between departments, the handler's name, the queue."""
    return is_handler(user, request)


def can_view_queue(user) -> bool:
    """An official with a department (their department's queue), or an admin (every queue)."""
    return _official_department(user) is not None or is_admin(user)


# Handling by the lead department --------------------------------------------------------------

def _leads(user, request: CivilRequest, now: datetime) -> bool:
    return _can_act(user, now) and (is_lead_official(user, request) or is_admin(user))


def can_handle(user, request: CivilRequest, now: datetime) -> bool:
    """Assign, start, ask for a supplement, transfer, ask for co-handling, extend, answer:
    the lead department's officials and admins, while the request is open."""
    return request.status in OPEN_STATUSES and _leads(user, request, now)


def can_start(user, request: CivilRequest, now: datetime) -> bool:
    return request.status == RequestStatus.RECEIVED and _leads(user, request, now)


def can_request_supplement(user, request: CivilRequest, now: datetime) -> bool:
    return request.status in (RequestStatus.RECEIVED, RequestStatus.IN_PROGRESS) and _leads(user, request, now)


def can_transfer(user, request: CivilRequest, now: datetime) -> bool:
    return can_handle(user, request, now)


def can_ask_cohandling(user, request: CivilRequest, now: datetime) -> bool:
    return request.status in (RequestStatus.RECEIVED, RequestStatus.IN_PROGRESS) and _leads(user, request, now)


def can_extend(user, request: CivilRequest, now: datetime) -> bool:
    """Shown while open and not paused; the rules (once; twice with consent) are the service's."""
    return request.status in (RequestStatus.RECEIVED, RequestStatus.IN_PROGRESS) and _leads(user, request, now)


def can_complete(user, request: CivilRequest, now: datetime) -> bool:
    return request.status in (RequestStatus.RECEIVED, RequestStatus.IN_PROGRESS) and _leads(user, request, now)


def can_close_as_repeat(user, request: CivilRequest, now: datetime) -> bool:
    return request.status in OPEN_STATUSES and request.original_id is not None and _leads(user, request, now)


def can_link(user, request: CivilRequest, now: datetime) -> bool:
    """Mark as a repeat or duplicate of an earlier request."""
    return can_handle(user, request, now)


def can_answer_cohandling(user, request: CivilRequest, now: datetime) -> bool:
    """A co-handling department answers its part while the request is open and its part unanswered."""
    if request.status not in OPEN_STATUSES or not _can_act(user, now):
        return False
    department = _official_department(user)
    if department is None or department == request.lead_department_id:
        return False
    return any(c.department_id == department and c.answered_at is None for c in request.cohandlings)


def can_answer_follow_up(user, request: CivilRequest, now: datetime) -> bool:
    """A dissatisfied applicant's follow-up is answered by the lead department (or an admin)."""
    return request.follow_up_since is not None and _leads(user, request, now)


def _for_resident_without_account(user, request: CivilRequest, now: datetime) -> bool:
    """A counter filing has no account to act from: the lead department records what the resident
    said by phone, in person or by post, in their stead."""
    return request.applicant_id is None and _leads(user, request, now)


def can_record_supplement(user, request: CivilRequest, now: datetime) -> bool:
    """The supplement a resident without an account gave, entered by the lead department."""
    return request.status == RequestStatus.AWAITING_SUPPLEMENT and _for_resident_without_account(user, request, now)


def can_record_consent(user, request: CivilRequest, now: datetime) -> bool:
    """The consent to a second extension a resident without an account gave, recorded by the lead department."""
    return (
        request.status in (RequestStatus.RECEIVED, RequestStatus.IN_PROGRESS)
        and request.extension_count == 1 and request.extension_consented_at is None
        and _for_resident_without_account(user, request, now)
    )


# The applicant's side ---------------------------------------------------------------------------

def can_supplement(user, request: CivilRequest, now: datetime) -> bool:
    return request.status == RequestStatus.AWAITING_SUPPLEMENT and _can_act(user, now) and is_applicant(user, request)


def can_reopen(user, request: CivilRequest, now: datetime) -> bool:
    until = request.reopen_until()
    return until is not None and now <= until and _can_act(user, now) and is_applicant(user, request)


def can_rate(user, request: CivilRequest, now: datetime) -> bool:
    """The applicant rates each completion once (the service refuses a second answer)."""
    return request.status == RequestStatus.COMPLETED and _can_act(user, now) and is_applicant(user, request)


def can_support(user, request: CivilRequest, now: datetime) -> bool:
    """"Same problem": anyone signed in but the applicant, on an open public request."""
    return request.is_public and request.status in OPEN_STATUSES and _can_act(user, now) and not is_applicant(user, request)


def can_consent_to_extension(user, request: CivilRequest, now: datetime) -> bool:
    """The applicant records consent to a second extension, while the request is open."""
    return request.status in OPEN_STATUSES and _can_act(user, now) and is_applicant(user, request)


# The public side ---------------------------------------------------------------------------------

def can_browse_public(user) -> bool:
    """The list, the map and the feeds of public requests: everyone, signed in or not."""
    return True


# The map ----------------------------------------------------------------------------------------

def can_look_up_location(user) -> bool:
    """Anyone filling in a request's location may ask which 동 a point is in (public reference data)."""
    return True
