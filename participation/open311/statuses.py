"""Our statuses and steps in Open311's words: `open`/`closed` for GeoReport v2, and mySociety's
extended statuses for service request updates. The one table of the mapping."""
from __future__ import annotations

from participation.civil_requests.models import OPEN_STATUSES, EventKind, RequestResult, RequestStatus

OPEN, CLOSED = "open", "closed"

# mySociety's extended statuses.
EXT_OPEN = "OPEN"
EXT_INVESTIGATING = "INVESTIGATING"
EXT_IN_PROGRESS = "IN_PROGRESS"
EXT_INTERNAL_REFERRAL = "INTERNAL_REFERRAL"
EXT_DUPLICATE = "DUPLICATE"
EXT_NO_FURTHER_ACTION = "NO_FURTHER_ACTION"
EXT_NOT_RESPONSIBLE = "NOT_COUNCILS_RESPONSIBILITY"
EXT_FIXED = "FIXED"
EXT_CLOSED = "CLOSED"
EXT_REOPEN = "REOPEN"

# A step that says by itself where the request went.
STEP_STATUS = {
    EventKind.FILED.value: EXT_OPEN,
    EventKind.STARTED.value: EXT_IN_PROGRESS,
    EventKind.SUPPLEMENT_REQUESTED.value: EXT_INVESTIGATING,  # the department waits for the applicant's supplement
    EventKind.SUPPLEMENTED.value: EXT_IN_PROGRESS,
    EventKind.TRANSFERRED.value: EXT_INTERNAL_REFERRAL,  # handed to another department of the city
    EventKind.LINKED.value: EXT_DUPLICATE,  # marked as a repeat or duplicate of an earlier request
    EventKind.CLOSED_AS_REPEAT.value: EXT_DUPLICATE,
    EventKind.REOPENED.value: EXT_REOPEN,
}
# An answer, by its result.
RESULT_STATUS = {
    RequestResult.RESOLVED.value: EXT_FIXED,
    RequestResult.PARTLY_RESOLVED.value: EXT_CLOSED,
    RequestResult.NOT_POSSIBLE.value: EXT_NO_FURTHER_ACTION,
    RequestResult.TRANSFERRED.value: EXT_NOT_RESPONSIBLE,  # handed to a body outside the city
}
# Any other step (an assignment, an extension, a "same problem", a rating ...): where the request stood.
REQUEST_STATUS = {
    RequestStatus.RECEIVED.value: EXT_OPEN,
    RequestStatus.IN_PROGRESS.value: EXT_IN_PROGRESS,
    RequestStatus.AWAITING_SUPPLEMENT.value: EXT_INVESTIGATING,
    RequestStatus.COMPLETED.value: EXT_CLOSED,  # refined by the result when it is known
    RequestStatus.CLOSED_AS_REPEAT.value: EXT_DUPLICATE,
}


def simple(status: str) -> str:
    """GeoReport v2's status of a request."""
    return OPEN if status in OPEN_STATUSES else CLOSED


def extended(kind: str, status_then: str, result: str | None) -> str:
    """The extended status of one step: `status_then` is the request's status after it, `result`
    the result of the answer it stands after (None when not known)."""
    if kind == EventKind.COMPLETED.value or (status_then == RequestStatus.COMPLETED.value and kind not in STEP_STATUS):
        return RESULT_STATUS.get(result or "", EXT_CLOSED)
    if kind in STEP_STATUS:
        return STEP_STATUS[kind]
    return REQUEST_STATUS.get(status_then, EXT_OPEN)


def current(status: str, result: str | None) -> str:
    """The extended status a request stands at now (FIXED once answered as resolved, ...)."""
    if status == RequestStatus.COMPLETED.value:
        return RESULT_STATUS.get(result or "", EXT_CLOSED)
    return REQUEST_STATUS.get(status, EXT_OPEN)
