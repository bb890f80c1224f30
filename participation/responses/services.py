"""Official responses: opening response clocks, answering and revising, implementation
progress, reminders, and each department's record of answering on time.

Every change runs in the caller's write transaction and locks the idea first
(the same order as votes and comments), so a double-clicked answer makes one
revision and an answer racing a reminder never deadlocks.
"""
from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import joinedload

from participation.accounts.models import Department, User
from participation.core import audit, signals
from participation.core.db import lock_for_update
from participation.core.errors import ServiceError
from participation.core.i18n import lazy_gettext as _l
from participation.core.i18n import lazy_ngettext
from participation.core.sanitize import render_markdown
from participation.core.text import normalize_newlines
from participation.extensions import db
from participation.ideas.models import Idea, IdeaStatus, TimelineEvent
from participation.ideas.services import record_timeline
from participation.responses import permissions
from participation.responses.models import (
    ALERT_ADMINS_AFTER_DAYS,
    BUDGET_MAX,
    EXPLANATION_MAX,
    IMPLEMENTING,
    NOTE_MAX,
    REMIND_BEFORE_DAYS,
    Decision,
    ImplementationUpdate,
    OfficialResponse,
    ResponseDue,
    ResponseRevision,
)
from participation.rounds.models import ResponseTier

# Planned completion dates further out than this are almost certainly typing mistakes.
PLANNED_YEARS_AHEAD = 20


# --- clocks ---------------------------------------------------------------------------------


def responder_department(round_, idea: Idea, tier: ResponseTier) -> int:
    """A department tier is answered by the department the idea's category routes to; the
    mayor's office tier by the round's coordinating department, on the mayor's behalf."""
    if tier.responder == "mayor_office":
        return round_.department_id
    return idea.category.department_id


def open_clock(idea: Idea, *, tier: ResponseTier, department_id: int, reason: str, started_at: datetime, due_at: datetime) -> ResponseDue:
    """Start the idea's response clock, once. A clock already running keeps its start and due
    date (at the close a tier clock becomes a "selected" one); a higher tier reached while it is
    unanswered moves it to that tier's responder and date."""
    due = db.session.scalar(select(ResponseDue).where(ResponseDue.idea_id == idea.id))
    if due is None:
        due = ResponseDue(
            idea_id=idea.id, department_id=department_id, tier_id=tier.id, reason=reason, started_at=started_at, due_at=due_at,
            overdue_reminders=0,
        )
        db.session.add(due)
        db.session.flush()
        return due
    if reason == "selected":
        due.reason = reason
    if due.answered_at is None and due.tier is not None and tier.threshold > due.tier.threshold:
        due.tier_id, due.department_id, due.due_at = tier.id, department_id, due_at
    return due


def tier_reached(idea: Idea, tier: ResponseTier, due_at: datetime, now: datetime) -> ResponseDue:
    """Reaching a response tier during voting starts the public response clock, so the
    department can answer from then on (residents see the answer with the outcome)."""
    return open_clock(
        idea, tier=tier, department_id=responder_department(idea.round, idea, tier), reason="tier", started_at=now, due_at=due_at
    )


def idea_withdrawn(idea: Idea, now: datetime) -> None:
    """A withdrawn idea needs no answer: its unanswered clock goes."""
    due = db.session.scalar(select(ResponseDue).where(ResponseDue.idea_id == idea.id, ResponseDue.answered_at.is_(None)))
    if due is not None:
        db.session.delete(due)


def latest_revisions(idea_ids: list[int]) -> list[ResponseRevision]:
    """The current version of each of these ideas' answers (those that have one)."""
    if not idea_ids:
        return []
    return list(db.session.scalars(
        select(ResponseRevision).join(OfficialResponse, OfficialResponse.id == ResponseRevision.response_id)
        .where(OfficialResponse.idea_id.in_(idea_ids), ResponseRevision.number == OfficialResponse.revision_count)
        .options(joinedload(ResponseRevision.response))
    ))


def due_for(idea: Idea) -> ResponseDue | None:
    return db.session.scalar(select(ResponseDue).where(ResponseDue.idea_id == idea.id))


def response_for(idea: Idea) -> OfficialResponse | None:
    return db.session.scalar(select(OfficialResponse).where(OfficialResponse.idea_id == idea.id))


def days_overdue(due: ResponseDue, now: datetime) -> int:
    """Seoul calendar days past the due date (0 on the due day itself), or days late for an answer given."""
    from participation.responses.clock import countdown

    return countdown(due, now).days if due.answered_at is not None or due.is_overdue(now) else 0


def unanswered_selected(round_id: int) -> list[Idea]:
    return list(
        db.session.scalars(
            select(Idea)
            .join(ResponseDue, ResponseDue.idea_id == Idea.id)
            .where(Idea.round_id == round_id, ResponseDue.reason == "selected", ResponseDue.answered_at.is_(None))
            .order_by(Idea.id)
        )
    )


# --- answering ---------------------------------------------------------------------------------


@dataclass
class ResponseData:
    decision: str | None
    explanation: str | None
    planned_completion: date | None = None
    budget_estimate: int | None = None


def clean_response(data: ResponseData, now: datetime) -> ResponseData:
    if data.decision not in {d.value for d in Decision}:
        raise ServiceError(_l("Choose a decision."), field="decision", code="bad_decision")
    text = normalize_newlines(data.explanation).strip()
    if not text:
        raise ServiceError(_l("Explain the decision to residents."), field="explanation", code="empty")
    if len(text) > EXPLANATION_MAX:
        raise ServiceError(
            _l("Keep the explanation under %(max)d characters; it has %(count)d.", max=EXPLANATION_MAX, count=len(text)),
            field="explanation",
            code="too_long",
        )
    planned = data.planned_completion
    if planned is not None and not (date(2000, 1, 1) <= planned <= date(now.year + PLANNED_YEARS_AHEAD, 12, 31)):
        raise ServiceError(lazy_ngettext("Give a planned completion date within the next %(years)d year.", "Give a planned completion date within the next %(years)d years.", PLANNED_YEARS_AHEAD, years=PLANNED_YEARS_AHEAD),
                           field="planned_completion", code="bad_date")
    budget = data.budget_estimate
    if budget is not None and not 0 <= budget <= BUDGET_MAX:
        raise ServiceError(_l("Give the budget in won, from 0 up to 10 trillion."), field="budget_estimate", code="bad_budget")
    return ResponseData(data.decision, text, planned, budget)


def answer_refusal(user, idea: Idea, due: ResponseDue | None):
    """Why `user` may not answer `idea` (a message), or None."""
    if due is None:
        return _l("This idea needs no official response: it was not selected and reached no response tier.")
    if not permissions.can_answer(user, due):
        return _l("Only officials of %(department)s, or an administrator, can answer this idea.", department=_department_name(due.department))
    return None


def _department_name(department: Department) -> str:
    from flask_babel import get_locale

    return department.name_for(str(get_locale() or "ko"))


def progress_refusal(user, response: OfficialResponse | None):
    """Why `user` may not report progress on the idea `response` answers (a message), or None."""
    if response is None or response.decision not in IMPLEMENTING:
        return _l("Progress is reported once the idea is accepted or already in progress.")
    if not permissions.can_post_progress(user, response):
        return _l("Only officials of %(department)s, or an administrator, can report progress on this idea.",
                  department=_department_name(response.department))
    return None


def save_response(actor: User, due: ResponseDue, current: OfficialResponse | None, data: ResponseData, now: datetime,
                  **subject) -> tuple[ResponseRevision, bool]:
    """Post or revise the answer `due` asks for (an idea's or a scorecard's: `subject` is
    idea_id= or scorecard_id=); the caller holds the subject's lock. Returns the revision and
    whether it is the first answer. The same answer sent twice (a double click) is one revision."""
    data = clean_response(data, now)
    fields = {
        "decision": data.decision,
        "explanation": data.explanation,
        "explanation_html": str(render_markdown(data.explanation)),
        "planned_completion": data.planned_completion,
        "budget_estimate": data.budget_estimate,
    }
    first = current is None
    if first:
        current = OfficialResponse(department_id=due.department_id, revision_count=0, created_at=now, **subject, **fields)
        db.session.add(current)
    elif all(getattr(current, k) == v for k, v in fields.items()):
        return current.revisions[-1], False
    else:
        for key, value in fields.items():
            setattr(current, key, value)
    current.updated_at = now
    current.revision_count += 1
    db.session.flush()
    revision = ResponseRevision(
        response_id=current.id, number=current.revision_count, author_id=actor.id, department_id=due.department_id, created_at=now, **fields
    )
    db.session.add(revision)
    db.session.flush()
    if first:
        due.answered_at = now
    return revision, first


def answer(actor: User, idea: Idea, data: ResponseData, now: datetime) -> ResponseRevision:
    """Post the official response to an idea, or revise it. Each call adds one public revision."""
    lock_for_update(idea)
    due = due_for(idea)
    refusal = answer_refusal(actor, idea, due)
    if refusal is not None:
        raise ServiceError(refusal, code="not_allowed")
    response = response_for(idea)
    before = response.revision_count if response is not None else 0
    revision, first = save_response(actor, due, response, data, now, idea_id=idea.id)
    if not first and revision.number == before:
        return revision  # nothing changed
    response = revision.response
    details = {"decision": revision.decision, "revision": revision.number}
    if first:
        to_status = IdeaStatus.ANSWERED.value if idea.status in (IdeaStatus.SELECTED, IdeaStatus.NOT_SELECTED) else None
        record_timeline(idea, actor, TimelineEvent.ANSWERED.value, now, to_status=to_status, details=details)
    else:
        back = None
        if revision.decision not in IMPLEMENTING:
            # No longer a commitment to do it: no progress to show, and not "implemented".
            response.progress = None
            if idea.status == IdeaStatus.IMPLEMENTED:
                back = IdeaStatus.ANSWERED.value
        record_timeline(idea, actor, TimelineEvent.RESPONSE_REVISED.value, now, to_status=back, details=details)
    audit.record("response.posted", now, actor=actor, subject=idea, decision=revision.decision, revision=revision.number)
    signals.response_posted.send(revision, idea=idea, now=now)
    return revision


def post_progress(actor: User, idea: Idea, progress, note: str | None, now: datetime) -> ImplementationUpdate:
    """An implementation update on an accepted idea: a percentage and a note. 100% marks it implemented."""
    lock_for_update(idea)
    response = response_for(idea)
    if response is None or response.decision not in IMPLEMENTING:
        raise ServiceError(_l("Progress is reported once the idea is accepted or already in progress."), code="not_implementing")
    if not permissions.can_post_progress(actor, response):
        raise ServiceError(_l("Only officials of the answering department, or an administrator, can report progress."), code="not_allowed")
    if isinstance(progress, bool) or not isinstance(progress, int) or not 0 <= progress <= 100:
        raise ServiceError(_l("Progress is a whole number from 0 to 100."), field="progress", code="bad_progress")
    text = normalize_newlines(note).strip()
    if not text:
        raise ServiceError(_l("Say what has been done."), field="note", code="empty")
    if len(text) > NOTE_MAX:
        raise ServiceError(_l("Keep the note under %(max)d characters.", max=NOTE_MAX), field="note", code="too_long")
    update_row = ImplementationUpdate(
        idea_id=idea.id, progress=progress, note=text, note_html=str(render_markdown(text)), author_id=actor.id,
        department_id=response.department_id, created_at=now,
    )
    db.session.add(update_row)
    response.progress = progress
    response.updated_at = now
    done = progress == 100 and idea.status != IdeaStatus.IMPLEMENTED
    # A later report below 100% (work reopened) takes "implemented" back, on the timeline.
    reopened = progress < 100 and idea.status == IdeaStatus.IMPLEMENTED
    record_timeline(
        idea, actor, (TimelineEvent.IMPLEMENTED if done else TimelineEvent.PROGRESS).value, now,
        to_status=IdeaStatus.IMPLEMENTED.value if done else IdeaStatus.ANSWERED.value if reopened else None,
        details={"progress": progress},
    )
    audit.record("response.progress", now, actor=actor, subject=idea, progress=progress)
    return update_row


def implementation_updates(idea: Idea) -> list[ImplementationUpdate]:
    return list(
        db.session.scalars(
            select(ImplementationUpdate).where(ImplementationUpdate.idea_id == idea.id).order_by(ImplementationUpdate.created_at.desc(), ImplementationUpdate.id.desc())
        )
    )


# --- reminders --------------------------------------------------------------------------------------


def _claim(due_id: int, condition, **values) -> bool:
    """Record a reminder on the clock only if nobody has (the conditional update is the once-only guard)."""
    result = db.session.execute(
        update(ResponseDue).where(ResponseDue.id == due_id, ResponseDue.answered_at.is_(None), condition).values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def remind_overdue_responses(now: datetime) -> dict[str, int]:
    """The scheduler's sweep. Reminds the department REMIND_BEFORE_DAYS before an answer
    is due and once a day while it is overdue, and alerts admins once an answer is
    ALERT_ADMINS_AFTER_DAYS overdue. Call inside write_transaction()."""
    sent = {"due_soon": 0, "overdue": 0, "admins": 0}
    soon = db.session.scalars(
        select(ResponseDue).where(
            ResponseDue.answered_at.is_(None),
            ResponseDue.reminded_due_soon_at.is_(None),
            ResponseDue.due_at > now,
            ResponseDue.due_at <= now + timedelta(days=REMIND_BEFORE_DAYS),
        )
    ).all()
    for due in soon:
        if _claim(due.id, ResponseDue.reminded_due_soon_at.is_(None), reminded_due_soon_at=now):
            _remind(due, "due_soon", now)
            sent["due_soon"] += 1
    overdue = db.session.scalars(
        select(ResponseDue).where(
            ResponseDue.answered_at.is_(None),
            ResponseDue.due_at <= now,
            or_(ResponseDue.last_overdue_reminder_at.is_(None), ResponseDue.last_overdue_reminder_at <= now - timedelta(days=1)),
        )
    ).all()
    for due in overdue:
        previous = due.last_overdue_reminder_at
        condition = ResponseDue.last_overdue_reminder_at.is_(None) if previous is None else ResponseDue.last_overdue_reminder_at == previous
        if _claim(due.id, condition, last_overdue_reminder_at=now, overdue_reminders=ResponseDue.overdue_reminders + 1):
            _remind(due, "overdue", now)
            sent["overdue"] += 1
    late = db.session.scalars(
        select(ResponseDue).where(
            ResponseDue.answered_at.is_(None),
            ResponseDue.admins_alerted_at.is_(None),
            ResponseDue.due_at <= now - timedelta(days=ALERT_ADMINS_AFTER_DAYS),
        )
    ).all()
    for due in late:
        if _claim(due.id, ResponseDue.admins_alerted_at.is_(None), admins_alerted_at=now):
            _remind(due, "admins", now)
            sent["admins"] += 1
    return sent


def _remind(due: ResponseDue, kind: str, now: datetime) -> None:
    """Until notifications exist, a reminder is an audit entry (and a signal they will subscribe to)."""
    audit.record(f"response.reminder.{kind}", now, subject=due.idea or due.scorecard, department_id=due.department_id, due_at=due.due_at.isoformat(),
                 days_overdue=days_overdue(due, now))
    signals.response_reminder.send(due, kind=kind, now=now)


def upcoming_deadlines(now: datetime, horizon: timedelta) -> list[datetime]:
    """Moments within `horizon` when a reminder falls due, for exact-time triggers."""
    until = now + horizon
    moments = []
    for due_at, soon_sent in db.session.execute(
        select(ResponseDue.due_at, ResponseDue.reminded_due_soon_at).where(
            ResponseDue.answered_at.is_(None), ResponseDue.due_at > now - timedelta(days=1), ResponseDue.due_at <= until + timedelta(days=REMIND_BEFORE_DAYS)
        )
    ):
        for moment in (due_at - timedelta(days=REMIND_BEFORE_DAYS) if soon_sent is None else None, due_at):
            if moment is not None and now < moment <= until:
                moments.append(moment)
    return sorted(set(moments))


# --- other kinds of answerable records ----------------------------------------------------------------


@dataclass(frozen=True)
class AnswerableKind:
    """How the inbox and the public record show a kind of record, other than ideas, that
    departments answer through this module's clocks (a monitoring panel's scorecard). The
    kind registers itself, so this module imports nothing above it."""

    title: Callable[[Any], str]
    context: Callable[[Any], str]
    view_url: Callable[[Any], str]
    answer_url: Callable[[Any], str]
    is_public: Callable[[Any], bool]


_subjects: dict[str, AnswerableKind] = {}


def register_answerable(name: str, kind: AnswerableKind) -> None:
    _subjects[name] = kind


@dataclass(frozen=True)
class RecordRow:
    department: Department
    cells: tuple[str, ...]  # one per column, already in words and numbers
    overdue: bool = False  # marked on the row; a cell says it in words too
    # The same figures as numbers, by name (the open-data API's reading of the table); the
    # provider fills them in from what it counted for the cells.
    figures: Mapping[str, int | float | None] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class RecordTable:
    """A table another domain adds to the departments' public record (civil requests' figures).
    The provider does all the counting and wording; this module only shows the table."""

    heading: str
    caption: str
    columns: tuple[str, ...]  # after the department
    rows: tuple[RecordRow, ...]
    empty: str  # said when there are no rows
    notes: tuple[str, ...] = ()
    export_endpoint: str | None = None  # the provider's own CSV/Excel download of its figures (?format=csv|xlsx)
    export_label: str | None = None  # what that download holds, for the links


_record_providers: dict[str, Callable[[datetime], RecordTable | None]] = {}


def register_record_provider(name: str, provider: Callable[[datetime], RecordTable | None]) -> None:
    """Add a table to /responses/departments: `provider(now)` returns it (None: nothing to show).
    Registering under the same name again replaces it (each app registers its blueprints)."""
    _record_providers[name] = provider


def record_tables(now: datetime) -> list[RecordTable]:
    """Every registered provider's table, in the order they registered."""
    return [table for _name, table in named_record_tables(now)]


def named_record_tables(now: datetime) -> list[tuple[str, RecordTable]]:
    """(the name it registered under, its table) for every provider with something to show."""
    tables = ((name, provider(now)) for name, provider in _record_providers.items())
    return [(name, table) for name, table in tables if table is not None]


@dataclass(frozen=True)
class InboxEntry:
    title: str
    context: str
    view_url: str
    answer_url: str


def inbox_entry(due: ResponseDue) -> InboxEntry:
    """What the inbox shows of the record a clock concerns."""
    from flask import url_for

    if due.idea is not None:
        idea = due.idea
        return InboxEntry(idea.title, idea.round.title, url_for("ideas.detail", idea_id=idea.id), url_for("responses.answer", idea_id=idea.id))
    kind = _subjects["scorecard"]
    subject = due.scorecard
    return InboxEntry(kind.title(subject), kind.context(subject), kind.view_url(subject), kind.answer_url(subject))


# --- the department inbox and public record ---------------------------------------------------------------


def inbox(department_id: int | None) -> list[ResponseDue]:
    """What awaits an answer, soonest due first (None: every department, for admins)."""
    stmt = (
        select(ResponseDue)
        .where(ResponseDue.answered_at.is_(None))
        .options(joinedload(ResponseDue.idea).joinedload(Idea.round), joinedload(ResponseDue.department), joinedload(ResponseDue.scorecard))
        .order_by(ResponseDue.due_at, ResponseDue.id)
    )
    if department_id is not None:
        stmt = stmt.where(ResponseDue.department_id == department_id)
    return list(db.session.scalars(stmt))


@dataclass
class DepartmentRecord:
    department: Department
    on_time: int
    late: int
    overdue: int
    waiting: int  # open and not yet due
    median_days: float | None  # from the clock's start to the first answer

    @property
    def answered(self) -> int:
        return self.on_time + self.late


def department_records(now: datetime, published_only: bool = True) -> list[DepartmentRecord]:
    """Every department's record: answers on time, late, overdue, and the median days to answer.
    Only clocks of published rounds and scorecards count (before that, they are not public)."""
    from participation.rounds.models import Round

    stmt = select(ResponseDue).join(Idea, Idea.id == ResponseDue.idea_id).join(Round, Round.id == Idea.round_id)
    if published_only:
        stmt = stmt.where(Round.published_at.is_not(None))
    dues = list(db.session.scalars(stmt))
    # Scorecards' clocks count the same way, once their scorecard is published.
    for due in db.session.scalars(select(ResponseDue).where(ResponseDue.scorecard_id.is_not(None)).options(joinedload(ResponseDue.scorecard))):
        if not published_only or _subjects["scorecard"].is_public(due.scorecard):
            dues.append(due)
    rows: dict[int, dict] = {}
    for due in dues:
        row = rows.setdefault(due.department_id, {"on_time": 0, "late": 0, "overdue": 0, "waiting": 0, "days": []})
        if due.answered_at is not None:
            row["late" if due.was_late() else "on_time"] += 1
            row["days"].append((due.answered_at - due.started_at).total_seconds() / 86400)
        elif due.is_overdue(now):
            row["overdue"] += 1
        else:
            row["waiting"] += 1
    departments = {d.id: d for d in db.session.scalars(select(Department).where(Department.id.in_(list(rows))))}
    records = [
        DepartmentRecord(
            departments[dep_id], row["on_time"], row["late"], row["overdue"], row["waiting"],
            round(statistics.median(row["days"]), 1) if row["days"] else None,
        )
        for dep_id, row in rows.items()
    ]
    return sorted(records, key=lambda r: (-r.overdue, -r.late, r.department.name_ko))
