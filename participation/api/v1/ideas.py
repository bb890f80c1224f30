"""Ideas: the list as /ideas and a round's page filter, search and sort it; one idea as its page
shows it to a visitor; its public timeline; and its official response with every public version.

Everything here is read through the pages' own functions (ideas.search for the list,
ideas.permissions for what of an idea is public, ideas.visibility for the status and timeline a
visitor may see, responses.reading for the official response), as the anonymous visitor.
"""
from __future__ import annotations

from datetime import datetime

from flask import url_for
from flask_login import current_user
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from participation.accounts.models import Department
from participation.api import http, paging
from participation.api.guard import requested_language
from participation.api.spec import MAX_ID, IdParam, PageQuery, operation, page_of, query_args
from participation.api.v1 import bp
from participation.api.v1.rounds import last_change as round_last_change
from participation.api.v1.schemas import DepartmentRef, Localized, Time
from participation.core.i18n import lazy_gettext as _l
from participation.core.time import now
from participation.deliberation.labels import MODERATION_REASON_LABELS
from participation.extensions import db
from participation.ideas import permissions, search
from participation.ideas.forms import QUERY_MAX
from participation.ideas.labels import EVENT_LABELS, STATUS_LABELS
from participation.ideas.models import Idea, IdeaStatus, StatusChange, TimelineEvent
from participation.ideas.visibility import shown_status, shown_timeline
from participation.responses import reading
from participation.responses.labels import DECISION_LABELS
from participation.responses.models import Decision, ResponseRevision
from participation.rounds.labels import RESPONDER_LABELS

# Ids are 32-bit integers in every table: anything larger names nothing (and must not reach the database).
PUBLIC_STATUSES = sorted({*STATUS_LABELS} - {"hidden", "withdrawn"}) + ["hidden", "withdrawn"]
DECISIONS = [d.value for d in Decision]
EVENTS = [e.value for e in TimelineEvent]


class Seed(fields.Integer):
    """The shuffle's seed: ASCII digits only, 1 to MAX_ID."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).update(minimum=1, maximum=MAX_ID)
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not value.isascii() or not value.isdigit() or not 1 <= int(value) <= MAX_ID:
            raise ValidationError(str(BAD_SEED))
        return int(value)


BAD_SEED = _l("Must be a whole number from 1 to %(max)d.", max=MAX_ID)


def _label(labels: dict, code: str | None) -> str | None:
    return str(labels.get(code, code)) if code is not None else None


def _person(user) -> str | None:
    """The display name the pages show for a person (people.html `person`), or null for a deleted account."""
    return None if user is None or user.is_deleted else user.display_name


def _photo_url(name: str) -> str:
    return url_for("ideas.photo", name=name, _external=True)


class IdeaDistrictRef(Schema):
    id = fields.Integer(required=True)
    name = fields.Function(lambda d: d.full_name_for(requested_language()), required=True,
                           metadata={"type": "string", "description": _l("A dong's name comes after its gu's.")})


class IdeaPhotoSchema(Schema):
    url = fields.Function(lambda p: _photo_url(p.filename), required=True, metadata={"type": "string", "format": "uri"})
    thumbnail_url = fields.Function(lambda p: _photo_url(p.thumbnail_filename), required=True,
                                    metadata={"type": "string", "format": "uri"})


class AuthorUpdateSchema(Schema):
    body = fields.String(required=True, metadata={"description": _l("Markdown, as written.")})
    language = fields.String(required=True)
    created_at = Time(required=True)


class LocationSchema(Schema):
    latitude = fields.Float(required=True)
    longitude = fields.Float(required=True)


class IdeaSchema(Schema):
    """An idea as its card in a list shows it. `results_visible` maps ids to whether the reader may see results."""

    id = fields.Integer(required=True)
    round_id = fields.Integer(required=True)
    title = fields.String(required=True)
    language = fields.String(required=True, metadata={"description": _l("The language the idea is written in (ko, en ...).")})
    category = Localized(required=True, metadata={"type": "string"})
    category_id = fields.Integer(required=True)
    district = fields.Nested(IdeaDistrictRef, required=True, allow_none=True)
    status = fields.Method("_status", required=True, metadata={
        "type": "string", "enum": PUBLIC_STATUSES,
        "description": _l("As a visitor sees it: until the round's outcome is published, results_pending in place of the selection.")})
    status_label = fields.Method("_status_label", required=True, metadata={"type": "string"})
    vote_count = fields.Integer(required=True)
    comment_count = fields.Integer(required=True)
    author = fields.Function(lambda idea: _person(idea.author), required=True, allow_none=True,
                             metadata={"type": "string", "description": _l("The author's public display name; null for a deleted account.")})
    thumbnail_url = fields.Method("_thumbnail", required=True, allow_none=True,
                                  metadata={"type": "string", "format": "uri", "description": _l("The first photo, small, or null.")})
    created_at = Time(required=True)
    updated_at = Time(required=True)
    url = fields.Function(lambda idea: url_for("api.idea", idea_id=idea.id, _external=True), required=True,
                          metadata={"type": "string", "format": "uri"})
    html_url = fields.Function(lambda idea: url_for("ideas.detail", idea_id=idea.id, _external=True), required=True,
                               metadata={"type": "string", "format": "uri"})

    def __init__(self, *args, statuses: dict[int, str] | None = None, content: dict[int, bool] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.statuses = statuses or {}
        self.content = content or {}

    def _status(self, idea: Idea) -> str:
        return self.statuses[idea.id]

    def _status_label(self, idea: Idea) -> str:
        return _label(STATUS_LABELS, self.statuses[idea.id])

    def _thumbnail(self, idea: Idea) -> str | None:
        if not self.content.get(idea.id, True) or not idea.photos:
            return None
        return _photo_url(idea.photos[0].thumbnail_filename)


class IdeaDetailSchema(IdeaSchema):
    """An idea as its page shows it to a visitor: body, photos and location only while it is listed."""

    body = fields.String(required=True, allow_none=True, metadata={
        "description": _l("Markdown, as written; null when the page does not show it (a hidden or withdrawn idea).")})
    photos = fields.List(fields.Nested(IdeaPhotoSchema), required=True, metadata={"description": _l("Empty when the page shows none.")})
    location = fields.Nested(LocationSchema, required=True, allow_none=True)
    updates = fields.List(fields.Nested(AuthorUpdateSchema), required=True, metadata={
        "description": _l("The author's dated notes, oldest first; empty when the page shows none.")})
    edited_at = Time(required=True, allow_none=True, metadata={"description": _l("When the author last edited it, or null.")})
    withdrawal_reason = fields.String(required=True, allow_none=True, metadata={
        "description": _l("The author's reason, for a withdrawn idea that gave one.")})
    results_publish_at = Time(required=True, allow_none=True, metadata={
        "description": _l("While voting is closed and the outcome not yet published: when it will be.")})

    def __init__(self, *args, results: reading.IdeaResults | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.results = results

    def get_attribute(self, obj, attr, default):
        shows = self.content.get(obj.id, False)
        if attr == "body":
            return obj.body if shows else None
        if attr in ("photos", "updates"):
            return getattr(obj, attr) if shows else []
        if attr == "location":
            return obj if shows and obj.has_location else None
        if attr == "withdrawal_reason":
            return obj.status_note if obj.status == IdeaStatus.WITHDRAWN and obj.status_note else None
        if attr == "results_publish_at":
            return self.results.publishes_at if self.results is not None and self.results.pending else None
        return super().get_attribute(obj, attr, default)


class IdeasQuery(PageQuery):
    round = IdParam(metadata={"description": _l("Only ideas of this round.")})
    category = IdParam(metadata={"description": _l("Only ideas of this category.")})
    district = IdParam(metadata={
        "description": _l("Only ideas of this district; a gu includes its dongs.")})
    status = fields.String(validate=validate.OneOf(search.FILTER_STATUSES), metadata={
        "description": _l("As the public sees statuses: results_pending matches selected and not selected ideas until the outcome is published.")})
    q = fields.String(validate=validate.Length(max=QUERY_MAX), metadata={"description": _l("Words the idea must all contain.")})
    sort = fields.String(validate=validate.OneOf(search.SORTS), metadata={"description": _l("votes (the default), newest, discussed or random.")})
    seed = Seed(metadata={
        "description": _l("For sort=random: the same seed gives the same order, so pages stay consistent (1 if not given).")})


def _filters(args: dict) -> search.IdeaFilters:
    return search.IdeaFilters(
        round_id=args.get("round"),
        category_id=args.get("category"),
        district_id=args.get("district"),
        status=args.get("status"),
        q=(args.get("q") or "").strip() or None,
        sort=args.get("sort") or "votes",
        seed=args.get("seed") or 1,
    )


def visible_idea(idea_id: int) -> Idea:
    idea = db.session.get(Idea, idea_id)  # the <int> converter caps the id at what the column holds
    if idea is None or not permissions.can_view_idea(current_user, idea, now()):
        raise http.not_found()
    return idea


def idea_last_change(idea: Idea, moment):
    """An idea changes when it is edited or changes status, and shows differently when its round
    passes a phase (the outcome published reveals the selection)."""
    return http.latest(idea.updated_at, idea.edited_at, round_last_change(idea.round, moment))


@bp.get("/ideas")
@operation(summary=_l("Ideas"), tag="ideas", query=IdeasQuery, response=page_of(IdeaSchema),
           description=_l("Every idea the idea list shows a visitor, with its filters, search and sorts."))
def ideas():
    args = query_args(IdeasQuery)
    moment = now()
    filters = _filters(args)
    statement = search.matching_ideas(filters).options(*search.CARD_LOADS)
    page = paging.keyset_page(statement, search.ordering(filters), paging.requested_limit(args), args.get("cursor"))
    shown = [idea for idea in page.items if permissions.can_view_idea(current_user, idea, moment)]
    statuses = {idea.id: reading.public_status(current_user, idea) for idea in shown}
    content = {idea.id: permissions.can_view_idea_content(current_user, idea, moment) for idea in shown}
    body, links = paging.envelope(page, IdeaSchema(many=True, statuses=statuses, content=content).dump(shown))
    return http.respond(body, last_modified=http.latest(*(idea_last_change(i, moment) for i in shown)), links=links)


@bp.get("/ideas/<int:idea_id>")
@operation(summary=_l("An idea"), tag="ideas", response=IdeaDetailSchema,
           description=_l("The idea as its page shows it to a visitor. Hidden and withdrawn ideas keep their page, without their content."))
def idea(idea_id: int):
    moment = now()
    found = visible_idea(idea_id)
    results = reading.idea_results(current_user, found, moment)
    schema = IdeaDetailSchema(statuses={found.id: reading.public_status(current_user, found, results)},
                              content={found.id: permissions.can_view_idea_content(current_user, found, moment)}, results=results)
    last = http.latest(idea_last_change(found, moment), *(p.created_at for p in found.photos), *(u.created_at for u in found.updates))
    return http.respond(schema.dump(found), last_modified=last)


# --- the timeline -------------------------------------------------------------------------------


class TransitionSchema(Schema):
    from_status = fields.String(required=True, data_key="from")
    from_label = fields.String(required=True)
    to_status = fields.String(required=True, data_key="to")
    to_label = fields.String(required=True)


class CodeLabel(Schema):
    code = fields.String(required=True)
    label = fields.String(required=True)


class TierFacts(Schema):
    votes = fields.Integer(required=True, metadata={"description": _l("The votes that reached the tier.")})
    responder = fields.Nested(CodeLabel, required=True)
    due_at = Time(required=True, metadata={"description": _l("When the answer is due.")})


class TimelineEntrySchema(Schema):
    """One row of an idea's status history, as its page shows it."""

    id = fields.Integer(required=True)
    event = fields.String(required=True, validate=validate.OneOf(EVENTS), metadata={"enum": EVENTS})
    event_label = fields.String(required=True)
    occurred_at = Time(required=True)
    actor = fields.String(required=True, allow_none=True, metadata={
        "description": _l("Who did it, by public display name; null for the system, moderation or a deleted account (see actor_kind).")})
    actor_kind = fields.String(required=True, metadata={"enum": ["person", "deleted_account", "moderation", "system"]})
    transition = fields.Nested(TransitionSchema, required=True, allow_none=True, metadata={
        "description": _l("The status before and after, as a visitor sees statuses; null when the visible status did not change.")})
    note = fields.String(required=True, allow_none=True)
    reason = fields.Nested(CodeLabel, required=True, allow_none=True, metadata={"description": _l("Why moderation hid or restored it.")})
    decision = fields.Nested(CodeLabel, required=True, allow_none=True, metadata={"description": _l("The official response's decision.")})
    progress = fields.Integer(required=True, allow_none=True, metadata={"description": _l("Percent done, for implementation progress.")})
    tier = fields.Nested(TierFacts, required=True, allow_none=True)


def timeline_entry(change: StatusChange, results_visible: bool) -> dict:
    """The row as templates/ideas/detail.html renders it: the same facts, as data."""
    details = change.details or {}
    entry = {"id": change.id, "event": change.event, "event_label": _label(EVENT_LABELS, change.event),
             "occurred_at": change.occurred_at, "actor": None, "transition": None, "note": None, "reason": None,
             "decision": None, "progress": None, "tier": None}
    if change.actor is not None:
        entry["actor"] = _person(change.actor)
        entry["actor_kind"] = "person" if entry["actor"] is not None else "deleted_account"
    else:
        entry["actor_kind"] = "moderation" if change.event in ("hidden", "restored") else "system"
    if change.from_status and change.from_status != change.to_status:
        shown_from, shown_to = shown_status(change.from_status, results_visible), shown_status(change.to_status, results_visible)
        if shown_from != shown_to:
            entry["transition"] = {"from_status": shown_from, "from_label": _label(STATUS_LABELS, shown_from),
                                   "to_status": shown_to, "to_label": _label(STATUS_LABELS, shown_to)}
    if change.event in ("hidden", "restored") and details.get("reason"):
        entry["reason"] = {"code": details["reason"], "label": str(MODERATION_REASON_LABELS.get(details["reason"], ""))}
    if change.note and change.event != "edited":
        entry["note"] = change.note
    if change.event in ("answered", "response_revised") and details.get("decision"):
        entry["decision"] = {"code": details["decision"], "label": _label(DECISION_LABELS, details["decision"])}
    elif change.event in ("progress", "implemented") and details.get("progress") is not None:
        entry["progress"] = details["progress"]
    if change.event == "tier_reached" and details:
        entry["tier"] = {"votes": details["threshold"],
                         "responder": {"code": details["responder"], "label": _label(RESPONDER_LABELS, details["responder"])},
                         "due_at": datetime.fromisoformat(details["due_at"])}
    return entry


class TimelineSchema(Schema):
    idea_id = fields.Integer(required=True)
    data = fields.List(fields.Nested(TimelineEntrySchema), required=True, metadata={"description": _l("Oldest first, the whole history.")})


@bp.get("/ideas/<int:idea_id>/timeline")
@operation(summary=_l("An idea's timeline"), tag="ideas", response=TimelineSchema,
           description=_l("Every change to the idea the public may see, oldest first, as its page's status history shows it."))
def idea_timeline(idea_id: int):
    moment = now()
    found = visible_idea(idea_id)
    results = reading.idea_results(current_user, found, moment)
    changes = db.session.scalars(
        select(StatusChange).where(StatusChange.idea_id == found.id).options(joinedload(StatusChange.actor)).order_by(StatusChange.id)
    ).all()
    shown = shown_timeline(changes, results.visible)
    body = TimelineSchema().dump({"idea_id": found.id, "data": [timeline_entry(c, results.visible) for c in shown]})
    return http.respond(body, last_modified=http.latest(*(c.occurred_at for c in shown), round_last_change(found.round, moment)))


# --- official responses -------------------------------------------------------------------------


class RevisionSchema(Schema):
    number = fields.Integer(required=True, metadata={"description": _l("1 for the first answer, counting up with each revision.")})
    decision = fields.String(required=True, metadata={"enum": DECISIONS})
    decision_label = fields.Function(lambda r: _label(DECISION_LABELS, r.decision), required=True, metadata={"type": "string"})
    department = fields.Nested(DepartmentRef, required=True)
    explanation = fields.String(required=True, metadata={"description": _l("Markdown, as written.")})
    explanation_html = fields.String(required=True, metadata={"description": _l("The explanation as the page shows it (sanitized HTML).")})
    planned_completion = fields.Date(required=True, allow_none=True)
    budget_estimate = fields.Integer(required=True, allow_none=True, metadata={"description": _l("In won.")})
    created_at = Time(required=True)


class ImplementationSchema(Schema):
    progress = fields.Integer(required=True, metadata={"description": _l("Percent done.")})
    department = fields.Nested(DepartmentRef, required=True)
    note = fields.String(required=True, metadata={"description": _l("Markdown, as written.")})
    note_html = fields.String(required=True)
    created_at = Time(required=True)


class ResponseSchema(RevisionSchema):
    """The current answer (a copy of its latest revision), its implementation and every version."""

    number = fields.Integer(required=True, attribute="revision_count", metadata={"description": _l("How many versions the answer has had.")})
    created_at = Time(required=True, metadata={"description": _l("When it was first answered.")})
    revised_at = Time(required=True, allow_none=True, metadata={"description": _l("When it was last revised, or null if never.")})
    progress = fields.Integer(required=True, allow_none=True, metadata={"description": _l("The latest implementation progress, percent, or null.")})
    implementation = fields.List(fields.Nested(ImplementationSchema), required=True, metadata={"description": _l("Progress reports, newest first.")})
    revisions = fields.List(fields.Nested(RevisionSchema), required=True, metadata={"description": _l("Every version, oldest first.")})


class ShownResponse:
    """An official response with what the idea's page shows beside it."""

    def __init__(self, response, updates, revisions):
        self.response = response
        self.implementation = list(updates) if response.progress is not None else []
        self.revisions = list(revisions)
        self.revised_at = response.updated_at if response.is_revised else None

    def __getattr__(self, name):
        return getattr(self.response, name)


class ResponseClockSchema(Schema):
    state = fields.String(required=True, metadata={"enum": ["open", "today", "overdue", "answered"]})
    days = fields.Integer(required=True, metadata={"description": _l(
        "open: days left; overdue: days past the due date; answered: days late (0 when on time).")})
    due_at = Time(required=True)
    late = fields.Boolean(required=True, metadata={"description": _l("Answered after the due time.")})
    department = fields.Nested(DepartmentRef, required=True, allow_none=True, metadata={
        "description": _l("The department that owes the answer, while it is not yet given.")})


class ResponsesSchema(Schema):
    idea_id = fields.Integer(required=True)
    clock = fields.Nested(ResponseClockSchema, required=True, allow_none=True, metadata={"description": _l("The response clock, or null.")})
    data = fields.List(fields.Nested(ResponseSchema), required=True, metadata={
        "description": _l("The official response with its versions; empty until it is public.")})


@bp.get("/ideas/<int:idea_id>/responses")
@operation(summary=_l("An idea's official response"), tag="ideas", response=ResponsesSchema,
           description=_l("The official response with every public version and the implementation progress, as the idea's page shows them."))
def idea_responses(idea_id: int):
    moment = now()
    found = visible_idea(idea_id)
    results = reading.idea_results(current_user, found, moment)
    clock, data, times = None, [], [round_last_change(found.round, moment)]
    if results.shown:
        response = results.response
        revisions = []
        if response is not None:
            revisions = db.session.scalars(
                select(ResponseRevision).where(ResponseRevision.response_id == response.id).order_by(ResponseRevision.number)
            ).all()
        # Every department the body names, in one query (the rows then find them in the session).
        wanted = {r.department_id for r in revisions} | {u.department_id for u in results.updates}
        wanted |= {response.department_id} if response is not None else set()
        wanted |= {results.due.department_id} if results.due is not None else set()
        if wanted:
            db.session.scalars(select(Department).where(Department.id.in_(wanted))).all()
        if results.countdown is not None:
            c = results.countdown
            clock = {"state": c.state, "days": c.days, "due_at": c.due_at, "late": c.late,
                     "department": results.due.department if results.due is not None and response is None else None}
            times += [results.due.started_at, results.due.answered_at, *([c.due_at] if c.due_at <= moment else [])]
        if response is not None:
            data = [ShownResponse(response, results.updates, revisions)]
            times += [response.updated_at, *(u.created_at for u in results.updates)]
    body = ResponsesSchema().dump({"idea_id": found.id, "clock": clock, "data": data})
    return http.respond(body, last_modified=http.latest(*times))
