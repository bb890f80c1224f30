"""Results: a round's published outcome with its ranked tally, the departments' record of
answering, and the public moderation log, each as its page shows a signed-out visitor."""
from __future__ import annotations

from flask import request, url_for
from flask_login import current_user
from marshmallow import Schema, fields

from participation.api import http, paging
from participation.api.guard import requested_language
from participation.api.spec import PageQuery, operation, page_of, query_args
from participation.api.v1 import bp
from participation.api.v1.rounds import visible_round
from participation.api.v1.schemas import DepartmentRef, Localized, Time
from participation.core.i18n import lazy_gettext as _l
from participation.core.time import now
from participation.deliberation import labels as deliberation_labels
from participation.deliberation import permissions as deliberation_permissions
from participation.deliberation import reading as deliberation_reading
from participation.deliberation.models import ModerationAction, ModerationActionKind
from participation.outcomes import permissions as outcome_permissions
from participation.outcomes import reading as outcome_reading
from participation.outcomes.models import OutcomeEntry
from participation.responses import labels as response_labels
from participation.responses import permissions as response_permissions
from participation.responses import services as response_services


def _label(labels: dict, code: str | None, *, unknown_as_code: bool = True) -> str | None:
    """The label of `code` in the language asked for (as the page words it)."""
    if not code:
        return None
    if code in labels:
        return str(labels[code])
    return code if unknown_as_code else None


# --- the outcome -------------------------------------------------------------------------------


class AnswerSchema(Schema):
    decision = fields.String(required=True, metadata={"enum": sorted(response_labels.DECISION_LABELS)})
    decision_label = fields.Function(lambda r: _label(response_labels.DECISION_LABELS, r.decision), required=True,
                                     metadata={"type": "string"})
    department = fields.Nested(DepartmentRef, required=True)
    updated_at = Time(required=True, metadata={"description": _l("When the answer was last revised.")})


class DueSchema(Schema):
    department = fields.Nested(DepartmentRef, required=True)
    due_at = Time(required=True)
    overdue_days = fields.Integer(required=True, allow_none=True,
                                  metadata={"description": _l("Days past the due date (0: due today and late), or null while not yet due.")})


class TallyRowSchema(Schema):
    rank = fields.Integer(required=True)
    votes = fields.Integer(required=True)
    idea_id = fields.Integer(required=True, allow_none=True,
                             metadata={"description": _l("Null while moderators review the idea (its page is hidden).")})
    title = fields.String(required=True, allow_none=True)
    idea_url = fields.String(required=True, allow_none=True, metadata={"format": "uri"})
    category = Localized(required=True)
    selected = fields.Boolean(required=True, allow_none=True,
                              metadata={"description": _l("Null until the outcome is published, as on the page.")})
    tier_reached = fields.Integer(required=True, allow_none=True,
                                  metadata={"description": _l("The highest response tier the idea's votes reached, or null.")})
    answer = fields.Nested(AnswerSchema, required=True, allow_none=True,
                           metadata={"description": _l("The official answer, shown for selected ideas.")})
    due = fields.Nested(DueSchema, required=True, allow_none=True,
                        metadata={"description": _l("The answer still owed, and by when.")})


class TotalsSchema(Schema):
    voters = fields.Integer(required=True, metadata={"description": _l("Residents who voted.")})
    votes = fields.Integer(required=True)
    ideas = fields.Integer(required=True)
    selected = fields.Integer(required=True, allow_none=True,
                              metadata={"description": _l("Null until the outcome is published, as on the page.")})


class BreakdownSchema(Schema):
    id = fields.Integer(required=True, allow_none=True)
    name = fields.String(required=True, allow_none=True, metadata={"description": _l("Null for \"not specified\".")})
    ideas = fields.Integer(required=True)
    votes = fields.Integer(required=True)
    voters = fields.Integer(required=True)


class OutcomeSchema(Schema):
    round_id = fields.Integer(required=True)
    round_url = fields.String(required=True, metadata={"format": "uri"})
    closed_at = Time(required=True, metadata={"description": _l("When voting closed.")})
    published_at = Time(required=True, allow_none=True)
    totals = fields.Nested(TotalsSchema, required=True)
    by_category = fields.List(fields.Nested(BreakdownSchema), required=True)
    by_district = fields.List(fields.Nested(BreakdownSchema), required=True)
    tally = fields.Nested(page_of(TallyRowSchema), required=True,
                          metadata={"description": _l("The ranked tally, best first, one page at a time.")})


class OutcomeQuery(PageQuery):
    pass


def _tally_row(line: outcome_reading.Line, moment, show_selection: bool) -> dict:
    shown = line.title_shown
    due = line.due_shown
    if not show_selection:
        return {"rank": line.entry.rank, "votes": line.entry.votes, "idea_id": line.idea.id if shown else None,
                "title": line.idea.title if shown else None,
                "idea_url": url_for("ideas.detail", idea_id=line.idea.id, _external=True) if shown else None,
                "category": line.idea.category, "selected": None, "tier_reached": None, "answer": None, "due": None}
    return {
        "rank": line.entry.rank,
        "votes": line.entry.votes,
        "idea_id": line.idea.id if shown else None,
        "title": line.idea.title if shown else None,
        "idea_url": url_for("ideas.detail", idea_id=line.idea.id, _external=True) if shown else None,
        "category": line.idea.category,
        "selected": line.entry.selected,
        "tier_reached": line.entry.tier_threshold or None,
        "answer": line.response if line.entry.selected else None,
        "due": {"department": due.department, "due_at": due.due_at, "overdue_days": line.overdue_days(moment)} if due is not None else None,
    }


def _breakdown(rows: list, names: dict, locale: str) -> list[dict]:
    return [{"id": row["id"], "name": names[row["id"]].name_for(locale) if row["id"] in names else None,
             "ideas": row["ideas"], "votes": row["votes"], "voters": row["participants"]} for row in rows]


@bp.get("/rounds/<int:round_id>/outcome")
@operation(summary=_l("A round's outcome"), tag="results", query=OutcomeQuery, response=OutcomeSchema,
           description=_l("The published outcome: the totals, the breakdowns and the ranked tally (paged by cursor), "
                          "with each selected idea's answer and every answer still owed. Before publication, as on the page, "
                          "the count without the selection. Not found before voting closes."))
def round_outcome(round_id: int):
    args = query_args(OutcomeQuery)
    moment = now()
    round_ = visible_round(round_id)
    if not outcome_permissions.can_view_outcome(current_user, round_, moment):
        raise http.not_found()
    outcome = outcome_reading.outcome_of(round_)
    if outcome is None:
        raise http.not_found()
    page = paging.keyset_page(outcome_reading.ranking_statement(outcome), [OutcomeEntry.rank, OutcomeEntry.id],
                              paging.requested_limit(args), args.get("cursor"), scalars=False)
    lines = outcome_reading.lines_for(page.items)
    # Before publication a visitor's page has the count without the selection, and so does this.
    show_selection = outcome_permissions.can_see_selection(current_user, round_)
    categories, districts = outcome_reading.breakdown_names(outcome)
    locale = requested_language()
    tally, links = paging.envelope(page, TallyRowSchema(many=True).dump([_tally_row(line, moment, show_selection) for line in lines]))
    body = OutcomeSchema(exclude=("tally",)).dump({
        "round_id": round_.id,
        "round_url": url_for("api.round_", round_id=round_.id, _external=True),
        "closed_at": outcome.closed_at,
        "published_at": round_.published_at,
        "totals": {"voters": outcome.participants, "votes": outcome.votes, "ideas": outcome.ideas,
                   "selected": outcome.selected if show_selection else None},
        "by_category": _breakdown(outcome.by_category, categories, locale),
        "by_district": _breakdown(outcome.by_district, districts, locale),
    })
    body["tally"] = tally
    changes = [line.response.updated_at for line in lines if line.response is not None]
    changes += [line.due.answered_at for line in lines if line.due is not None]
    changes += [line.idea.updated_at for line in lines]
    return http.respond(body, last_modified=http.latest(round_.published_at, round_.updated_at, *changes), links=links)


# --- the departments' record ----------------------------------------------------------------------


class IdeaAnswersSchema(Schema):
    answered = fields.Integer(required=True)
    on_time = fields.Integer(required=True)
    late = fields.Integer(required=True)
    overdue_now = fields.Integer(required=True, metadata={"description": _l("Past due and not yet answered.")})
    waiting = fields.Integer(required=True, metadata={"description": _l("Not yet answered and not yet due.")})
    median_days = fields.Float(required=True, allow_none=True,
                               metadata={"description": _l("Median days from the end of voting to the first answer; null before any answer.")})


class CivilRequestFiguresSchema(Schema):
    answered = fields.Integer(required=True)
    on_time = fields.Integer(required=True)
    on_time_rate = fields.Float(required=True, allow_none=True, metadata={"description": _l("0 to 1; null before any answer.")})
    median_working_hours = fields.Float(required=True, allow_none=True)
    rated = fields.Integer(required=True, metadata={"description": _l("Answers the applicants rated.")})
    satisfied = fields.Integer(required=True)
    neutral = fields.Integer(required=True)
    dissatisfied = fields.Integer(required=True)
    satisfied_share = fields.Float(required=True, allow_none=True)
    neutral_share = fields.Float(required=True, allow_none=True)
    dissatisfied_share = fields.Float(required=True, allow_none=True)
    overdue_now = fields.Integer(required=True, metadata={"description": _l("Open requests past due.")})


class DepartmentRecordSchema(Schema):
    department = fields.Nested(DepartmentRef, required=True)
    ideas = fields.Nested(IdeaAnswersSchema, required=True, allow_none=True,
                          metadata={"description": _l("Official answers to ideas, counting rounds whose outcome is published; null if none was owed.")})
    civil_requests = fields.Nested(CivilRequestFiguresSchema, required=True, allow_none=True,
                                   metadata={"description": _l("Civil requests (민원), private ones counted as numbers only; null if none.")})


class DepartmentsSchema(Schema):
    data = fields.List(fields.Nested(DepartmentRecordSchema), required=True)


CIVIL_REQUESTS = "civil_requests"  # the name the civil-request figures register under


@bp.get("/departments")
@operation(summary=_l("How departments answer"), tag="results", response=DepartmentsSchema,
           description=_l("Each department's record, as /responses/departments shows it: official answers to ideas "
                          "(on time, late, overdue now, median days) and civil requests (on-time rate, median working hours, "
                          "satisfaction, overdue now). Departments with the most overdue first."))
def departments():
    if not response_permissions.can_view_response_stats(current_user):
        raise http.not_found()
    moment = now()
    rows: dict[int, dict] = {}
    for record in response_services.department_records(moment):
        rows[record.department.id] = {"department": record.department, "civil_requests": None, "ideas": {
            "answered": record.answered, "on_time": record.on_time, "late": record.late, "overdue_now": record.overdue,
            "waiting": record.waiting, "median_days": record.median_days}}
    for name, table in response_services.named_record_tables(moment):
        if name != CIVIL_REQUESTS:
            continue
        for row in table.rows:
            entry = rows.setdefault(row.department.id, {"department": row.department, "ideas": None, "civil_requests": None})
            entry["civil_requests"] = dict(row.figures)
    body = DepartmentsSchema().dump({"data": list(rows.values())})
    # The figures are counted as of now, and move with the clock (answers fall overdue with no
    # row changing), so the time of counting is their Last-Modified; the ETag, made from the
    # body (no clock in it), is what answers a client with a 304 while they stay the same.
    return http.respond(body, last_modified=moment)


# --- the moderation log ---------------------------------------------------------------------------


class ModerationEntrySchema(Schema):
    id = fields.Integer(required=True)
    occurred_at = Time(required=True)
    action = fields.String(required=True, metadata={"enum": [kind.value for kind in ModerationActionKind]})
    action_label = fields.String(required=True)
    reason = fields.String(required=True, allow_none=True)
    reason_label = fields.String(required=True, allow_none=True)
    item = fields.String(required=True, metadata={"enum": ["comment", "idea", "account"]})
    comment_id = fields.Integer(required=True, allow_none=True)
    comment_url = fields.String(required=True, allow_none=True, metadata={"format": "uri"})
    subject_title = fields.String(required=True, allow_none=True,
                                  metadata={"description": _l("What the comment was on, or the idea itself.")})
    subject_url = fields.String(required=True, allow_none=True, metadata={"format": "uri"})
    until = Time(required=True, allow_none=True, metadata={"description": _l("The end of an account's suspension.")})


class ModerationLogQuery(PageQuery):
    pass


def _external(path: str | None) -> str | None:
    """The page's own (relative) address, made absolute as the API's other links are."""
    return request.host_url.rstrip("/") + path if path and path.startswith("/") else path


def _log_row(entry: deliberation_reading.LogEntry) -> dict:
    action = entry.action
    item = "comment" if action.comment_id else "idea" if action.idea_id else "account"
    shows_subject = item != "account" and bool(entry.title)
    return {
        "id": action.id,
        "occurred_at": action.occurred_at,
        "action": action.action,
        "action_label": _label(deliberation_labels.ACTION_LABELS, action.action),
        "reason": action.reason or None,
        "reason_label": _label(deliberation_labels.MODERATION_REASON_LABELS, action.reason, unknown_as_code=False),
        "item": item,
        "comment_id": action.comment_id,
        "comment_url": url_for("deliberation.comment", comment_id=action.comment_id, _external=True) if action.comment_id else None,
        "subject_title": entry.title if shows_subject else None,
        "subject_url": _external(entry.url) if shows_subject else None,
        "until": action.until if item == "account" else None,
    }


@bp.get("/moderation-log")
@operation(summary=_l("Moderation log"), tag="results", query=ModerationLogQuery, response=page_of(ModerationEntrySchema),
           description=_l("Every moderation action, newest first, as /moderation/log shows it: the item, the action, "
                          "the reason and the time. Moderators and reporters are never named."))
def moderation_log():
    args = query_args(ModerationLogQuery)
    if not deliberation_permissions.can_read_moderation_log(current_user):
        raise http.not_found()
    ordering = [ModerationAction.occurred_at.desc(), ModerationAction.id.desc()]
    page = paging.keyset_page(deliberation_reading.log_statement(), ordering, paging.requested_limit(args), args.get("cursor"))
    entries = deliberation_reading.log_entries(page.items)
    body, links = paging.envelope(page, ModerationEntrySchema(many=True).dump([_log_row(e) for e in entries]))
    return http.respond(body, last_modified=http.latest(*(a.occurred_at for a in page.items)), links=links)
