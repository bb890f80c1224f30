"""What people read for each civil request's status, result, step, channel and rating."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from participation.civil_requests.models import (
    HELD_STATUSES,
    Channel,
    CivilRequest,
    EventKind,
    RequestResult,
    RequestStatus,
    Satisfaction,
)
from participation.core.i18n import lazy_gettext as _l
from participation.core.time import as_utc, format_local_datetime

STATUS_LABELS = {
    RequestStatus.RECEIVED.value: _l("Received"),  # 접수
    RequestStatus.IN_PROGRESS.value: _l("In progress"),  # 처리 중
    RequestStatus.AWAITING_SUPPLEMENT.value: _l("Waiting for your supplement"),  # 보완 요청
    RequestStatus.COMPLETED.value: _l("Completed"),  # 완료
    RequestStatus.CLOSED_AS_REPEAT.value: _l("Closed as a repeat"),  # 종결
}
RESULT_LABELS = {
    RequestResult.RESOLVED.value: _l("Resolved"),
    RequestResult.PARTLY_RESOLVED.value: _l("Partly resolved"),
    RequestResult.NOT_POSSIBLE.value: _l("Not possible"),
    RequestResult.TRANSFERRED.value: _l("Transferred to another body"),
}
CHANNEL_LABELS = {
    Channel.WEB.value: _l("Online"),
    Channel.FIELD.value: _l("Field report"),
    Channel.COUNTER.value: _l("At a counter"),
    Channel.OPEN311.value: _l("Open311 app"),
}
SATISFACTION_LABELS = {
    Satisfaction.SATISFIED.value: _l("Satisfied"),  # 만족
    Satisfaction.NEUTRAL.value: _l("Neither satisfied nor dissatisfied"),  # 보통 (not "Neutral": that is a stance, 중립)
    Satisfaction.DISSATISFIED.value: _l("Dissatisfied"),  # 불만족
}
EVENT_LABELS = {
    EventKind.FILED.value: _l("Filed"),
    EventKind.ASSIGNED.value: _l("Assigned to a handler"),
    EventKind.STARTED.value: _l("Handling started"),
    EventKind.SUPPLEMENT_REQUESTED.value: _l("Supplement requested"),
    EventKind.SUPPLEMENTED.value: _l("Supplement received"),
    EventKind.TRANSFERRED.value: _l("Transferred"),
    EventKind.COHANDLING_ASKED.value: _l("Another department asked for its part"),
    EventKind.COHANDLING_ANSWERED.value: _l("A department gave its part"),
    EventKind.EXTENDED.value: _l("Period extended"),
    EventKind.EXTENSION_CONSENTED.value: _l("Applicant agreed to a further extension"),
    EventKind.PROGRESS_NOTICE.value: _l("Progress notice"),
    EventKind.COMPLETED.value: _l("Answered"),
    EventKind.REOPENED.value: _l("Reopened"),
    EventKind.CLOSED_AS_REPEAT.value: _l("Closed as a repeat"),
    EventKind.LINKED.value: _l("Linked to an earlier request"),
    EventKind.SUPPORTED.value: _l("Someone reported the same problem"),
    EventKind.SURVEY_ANSWERED.value: _l("Applicant rated the answer"),
    EventKind.FOLLOW_UP.value: _l("Returned to the department as a follow-up"),
    EventKind.FOLLOW_UP_ANSWERED.value: _l("Follow-up answered"),
    EventKind.OVERDUE.value: _l("Overdue: the due time passed unanswered"),
}
# Steps whose note only the handling departments and admins read; everyone else sees that the
# step happened and when. Assignments and co-handling are between departments; a link names the
# original's tracking number (maybe someone else's private request).
INTERNAL_NOTES = frozenset({
    EventKind.COHANDLING_ASKED.value, EventKind.COHANDLING_ANSWERED.value, EventKind.ASSIGNED.value, EventKind.LINKED.value,
})
# A follow-up's note is the applicant's own comment on the answer: theirs and the departments' to
# read, never published on a public request. (A rating step shows its 만족/보통/불만족 to all.)
APPLICANT_NOTES = frozenset({EventKind.FOLLOW_UP.value})
# Steps that show the due time they set.
DUE_SHOWN = frozenset({
    EventKind.FILED.value, EventKind.EXTENDED.value, EventKind.TRANSFERRED.value, EventKind.SUPPLEMENTED.value, EventKind.REOPENED.value,
})


@dataclass(frozen=True)
class ClockState:
    """Where a request's statutory clock stands, and how it reads: `state` is one of
    overdue, paused, due, answered_late, answered_on_time, or None (nothing to say: closed as a repeat)."""

    state: str | None
    words: str | None


def clock_state(request: CivilRequest, now: datetime) -> ClockState:
    """The clock in words (in the current locale), as the list and the request page say it."""
    if is_overdue(request, now):
        return ClockState("overdue", str(_l("Overdue: was due %(when)s", when=format_local_datetime(request.due_at))))
    if request.status == RequestStatus.AWAITING_SUPPLEMENT.value:
        return ClockState("paused", str(_l("Clock stopped while waiting for the applicant's supplement")))
    if request.status in HELD_STATUSES and request.due_at:
        return ClockState("due", str(_l("Due %(when)s", when=format_local_datetime(request.due_at))))
    if request.status == RequestStatus.COMPLETED.value and request.completed_at:
        if answered_late(request):
            return ClockState("answered_late", str(_l("Answered late, %(when)s (due %(due)s)", when=format_local_datetime(request.completed_at),
                                                      due=format_local_datetime(request.due_at))))
        return ClockState("answered_on_time", str(_l("Answered on time, %(when)s", when=format_local_datetime(request.completed_at))))
    return ClockState(None, None)


def note_shown(kind: str, *, internal: bool = False, applicant: bool = False) -> bool:
    """Whether a step's note is shown to this reader: the handling departments (`internal`) read
    every note, the applicant their own follow-ups too, everyone else the notes of neither set.
    The request page and every program's view of the timeline (Open311) ask this."""
    return internal or (kind not in INTERNAL_NOTES and (applicant or kind not in APPLICANT_NOTES))


def past_due(status: str, due_at: datetime | None, now: datetime) -> bool:
    """With the department, its clock running, and past its due time (the SQL twin is
    listing.overdue_condition)."""
    return status in HELD_STATUSES and due_at is not None and as_utc(now) > as_utc(due_at)


def is_overdue(request: CivilRequest, now: datetime) -> bool:
    return past_due(request.status, request.due_at, now)


def answered_late(request: CivilRequest) -> bool:
    return (
        request.status == RequestStatus.COMPLETED.value
        and request.completed_at is not None
        and request.due_at is not None
        and request.completed_at > request.due_at
    )
