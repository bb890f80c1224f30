"""Citizen monitoring panels: panels with the draw's public record, scored public services,
evaluation campaigns with their rubrics, and published scorecards with the department's answer
and action plan, each as its page shows a visitor.

A scorecard is only ever the frozen aggregate figures: no evaluation, evaluator, comment or
photo is read here, and the anonymised scores export is not linked.
"""
from __future__ import annotations

from flask import g, url_for
from flask_login import current_user
from marshmallow import Schema, fields, validate
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from participation.api import http, paging
from participation.api.spec import IdParam, PageQuery, operation, page_of, query_args
from participation.api.v1 import bp
from participation.api.v1.schemas import DepartmentRef, Localized, Time
from participation.core.i18n import lazy_gettext as _l
from participation.core.time import now
from participation.extensions import db
from participation.panels import labels, permissions, reading, services
from participation.panels.models import (
    AGE_BANDS,
    STRATA,
    Campaign,
    CampaignPhase,
    MemberStatus,
    Panel,
    PublicService,
    SelectionMethod,
)
from participation.responses.labels import DECISION_LABELS

PUBLIC_PHASES = [phase.value for phase in CampaignPhase if phase != CampaignPhase.DRAFT]
LISTED_STATUSES = [status.value for status in MemberStatus if status != MemberStatus.WITHDRAWN]
SELECTED_BY = ["lottery", "appointment", "replacement"]


def _now():
    """The one moment a response is read at (phases and "recruiting" follow the clock)."""
    if "panels_now" not in g:
        g.panels_now = now()
    return g.panels_now


class _With:
    """An object read as it is, plus a few figures read beside it (what a schema dumps)."""

    def __init__(self, base, **extra):
        self._base = base
        self.__dict__.update(extra)

    def __getattr__(self, name):
        return getattr(self._base, name)


def _uri(**metadata):
    return {"type": "string", "format": "uri", **metadata}


def _language_field():
    return fields.String(required=True, metadata={"description": _l("The language the text is written in (ko or en).")})


# --- schemas --------------------------------------------------------------------------------------------------------


class CampaignRef(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    language = _language_field()
    phase = fields.Function(lambda c: c.phase(_now()).value, required=True, metadata={"type": "string", "enum": PUBLIC_PHASES})
    opens_at = Time(required=True)
    closes_at = Time(required=True)
    url = fields.Function(lambda c: url_for("api.campaign", campaign_id=c.id, _external=True), required=True, metadata=_uri())


class PanelRef(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    language = _language_field()
    url = fields.Function(lambda p: url_for("api.panel", panel_id=p.id, _external=True), required=True, metadata=_uri())


class ServiceRef(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    language = _language_field()
    department = fields.Nested(DepartmentRef, required=True)
    url = fields.Function(lambda s: url_for("api.public_service", service_id=s.id, _external=True), required=True, metadata=_uri())


class DrawSchema(Schema):
    """The lottery's public record: anyone can re-run the draw from the seed and the applicant list."""

    seed = fields.String(required=True, attribute="draw_seed")
    drawn_at = Time(required=True)
    applicants_csv = fields.Function(lambda p: url_for("panels.applicants_csv", panel_id=p.id, _external=True), required=True,
                                     metadata=_uri(description=_l("The pseudonymous list the draw ran on (CSV).")))
    program = fields.Function(lambda p: url_for("panels.lottery_source", _external=True), required=True,
                              metadata=_uri(description=_l("The draw's own program: python lottery.py SEED TARGET applicants.csv")))


class PanelSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    purpose = fields.String(required=True, metadata={"description": _l("Markdown, as written.")})
    language = _language_field()
    department = fields.Nested(DepartmentRef, required=True)
    term_starts_on = fields.Date(required=True)
    term_ends_on = fields.Date(required=True)
    target_size = fields.Integer(required=True)
    member_count = fields.Integer(required=True, metadata={"description": _l("Current members.")})
    selection_method = fields.String(required=True, metadata={"enum": [m.value for m in SelectionMethod]})
    strata = fields.List(fields.String(metadata={"enum": list(STRATA)}), required=True,
                         metadata={"description": _l("What the lottery groups applicants by.")})
    recruitment_opens_at = Time(required=True)
    recruitment_closes_at = Time(required=True)
    recruiting = fields.Function(lambda p: p.is_recruiting(_now()), required=True, metadata={"type": "boolean"})
    draw = fields.Nested(DrawSchema, required=True, allow_none=True,
                         metadata={"description": _l("The draw's public record, once the draw is made.")})
    updated_at = Time(required=True)
    url = fields.Function(lambda p: url_for("api.panel", panel_id=p.id, _external=True), required=True, metadata=_uri())


class PanelApplicantSchema(Schema):
    """One line of the public list the draw ran on: a pseudonym, never a name."""

    pseudonym = fields.String(required=True)
    district = Localized(attribute="gu", required=True, metadata={"description": _l("The district (구), in the language asked for.")})
    age_band = fields.String(required=True, metadata={"enum": list(AGE_BANDS)})
    status = fields.String(required=True, metadata={"enum": LISTED_STATUSES})
    selected_by = fields.String(required=True, allow_none=True, metadata={"enum": [*SELECTED_BY, None]})


class DrawQuotaSchema(Schema):
    stratum = fields.List(fields.String(), required=True, metadata={"description": _l("The group's strata values, in the panel's order.")})
    seats = fields.Integer(required=True)


class PanelDetailSchema(PanelSchema):
    applicants = fields.List(fields.Nested(PanelApplicantSchema), required=True,
                             metadata={"description": _l("Everyone who applied and did not withdraw, by pseudonym.")})
    quotas = fields.List(fields.Nested(DrawQuotaSchema), required=True, allow_none=True,
                         metadata={"description": _l("Seats per group at the draw, or null before it.")})
    campaigns = fields.List(fields.Nested(CampaignRef), required=True)


class RubricCriterionSchema(Schema):
    id = fields.Integer(required=True)
    position = fields.Integer(required=True)
    name = fields.String(required=True)
    description = fields.String(required=True)
    language = _language_field()
    weight = fields.Float(required=True)
    labels = fields.List(fields.String(), required=True, metadata={"description": _l("What each score from 1 to 5 means.")})


class CampaignSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    language = _language_field()
    phase = fields.Function(lambda c: c.phase(_now()).value, required=True, metadata={"type": "string", "enum": PUBLIC_PHASES})
    panel = fields.Nested(PanelRef, required=True)
    service = fields.Nested(ServiceRef, required=True)
    opens_at = Time(required=True)
    closes_at = Time(required=True)
    publishes_at = Time(required=True, metadata={"description": _l("When the scorecard is public at the latest.")})
    published_at = Time(required=True, allow_none=True, metadata={"description": _l("When the scorecard was published, or null.")})
    criteria = fields.List(fields.Nested(RubricCriterionSchema), required=True, metadata={"description": _l("The rubric.")})
    scorecard = fields.Function(
        lambda c: url_for("api.scorecard", campaign_id=c.id, _external=True) if c.published_at is not None else None,
        required=True, allow_none=True, metadata=_uri(description=_l("The published scorecard, or null."))
    )
    updated_at = Time(required=True)
    url = fields.Function(lambda c: url_for("api.campaign", campaign_id=c.id, _external=True), required=True, metadata=_uri())


class CampaignDetailSchema(CampaignSchema):
    evaluations_submitted = fields.Integer(required=True)
    members = fields.Integer(required=True, metadata={"description": _l("Members of the panel (at the close, once closed).")})


class ServiceTrendEntrySchema(Schema):
    campaign = fields.Nested(CampaignRef, required=True)
    closed_at = Time(required=True)
    overall = fields.Float(required=True, allow_none=True, metadata={"description": _l("Weighted mean score, 1 to 5.")})
    change = fields.Float(required=True, allow_none=True,
                          metadata={"description": _l("Against the previous campaign, when that one is published too.")})
    response_rate = fields.Float(required=True, allow_none=True, metadata={"description": _l("0 to 1.")})
    scorecard = fields.String(required=True, metadata={"format": "uri"})


class PublicServiceSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    description = fields.String(required=True)
    language = _language_field()
    department = fields.Nested(DepartmentRef, required=True)
    trend = fields.List(fields.Nested(ServiceTrendEntrySchema), required=True,
                        metadata={"description": _l("The published scorecards, oldest first.")})
    campaigns = fields.List(fields.Nested(CampaignRef), required=True, metadata={"description": _l("Latest close first.")})
    url = fields.Function(lambda s: url_for("api.public_service", service_id=s.id, _external=True), required=True, metadata=_uri())


class CriterionFiguresSchema(Schema):
    """A criterion's aggregate figures, frozen at the close."""

    criterion_id = fields.Integer(required=True)
    name = fields.String(required=True)
    weight = fields.Float(required=True)
    n = fields.Integer(required=True, metadata={"description": _l("How many panelists scored it.")})
    mean = fields.Float(required=True, allow_none=True)
    median = fields.Float(required=True, allow_none=True)
    sd = fields.Float(required=True, allow_none=True, metadata={"description": _l("Standard deviation.")})
    ci_low = fields.Float(required=True, allow_none=True, metadata={"description": _l("Lower end of the 95 percent confidence interval.")})
    ci_high = fields.Float(required=True, allow_none=True, metadata={"description": _l("Upper end of the 95 percent confidence interval.")})
    distribution = fields.List(fields.Integer(), required=True, metadata={"description": _l("How many gave each score from 1 to 5.")})


class EarlierVersionSchema(Schema):
    """A version of the department's answer it has since revised (kept, and shown, for ever)."""

    number = fields.Integer(required=True)
    decision = fields.String(required=True, metadata={"enum": list(DECISION_LABELS)})
    explanation = fields.String(required=True, metadata={"description": _l("Markdown, as written.")})
    language = _language_field()
    created_at = Time(required=True)


class ScorecardResponseSchema(Schema):
    decision = fields.String(required=True, metadata={"enum": list(DECISION_LABELS)})
    decision_label = fields.Function(lambda r: str(DECISION_LABELS.get(r.decision, r.decision)), required=True,
                                     metadata={"type": "string"})
    explanation = fields.String(required=True, metadata={"description": _l("Markdown, as written.")})
    language = _language_field()
    department = fields.Nested(DepartmentRef, required=True)
    revision_count = fields.Integer(required=True)
    updated_at = Time(required=True)
    earlier_versions = fields.List(fields.Nested(EarlierVersionSchema), required=True,
                                   metadata={"description": _l("Earlier versions, newest first.")})


class ScorecardDueSchema(Schema):
    """The department's answer still owed."""

    department = fields.Nested(DepartmentRef, required=True)
    due_at = Time(required=True)
    overdue = fields.Function(lambda d: d.is_overdue(_now()), required=True, metadata={"type": "boolean"})


class PlanActionSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    language = _language_field()
    due_on = fields.Date(required=True)
    progress = fields.Integer(required=True, metadata={"description": _l("Percent done, 0 to 100.")})
    note = fields.String(required=True)
    overdue = fields.Function(lambda a: a.progress < 100 and a.due_on < _now().date(), required=True,
                              metadata={"type": "boolean"})
    updated_at = Time(required=True)


class ScorecardSchema(Schema):
    campaign = fields.Nested(CampaignRef, required=True)
    service = fields.Nested(ServiceRef, required=True)
    closed_at = Time(required=True)
    published_at = Time(required=True)
    overall = fields.Float(required=True, allow_none=True, metadata={"description": _l("Weighted mean score, 1 to 5.")})
    change = fields.Float(required=True, allow_none=True,
                          metadata={"description": _l("Against the previous campaign, when that one is published too.")})
    members = fields.Integer(required=True, metadata={"description": _l("Members of the panel at the close.")})
    submitted = fields.Integer(required=True, metadata={"description": _l("Evaluations counted.")})
    response_rate = fields.Float(required=True, allow_none=True, metadata={"description": _l("0 to 1.")})
    alpha = fields.Float(required=True, allow_none=True, metadata={"description": _l("Krippendorff's alpha between panelists.")})
    agreement = fields.String(required=True, metadata={"enum": list(labels.ALPHA_READINGS)})
    agreement_text = fields.String(required=True, metadata={"description": _l("What the agreement means, in the language asked for.")})
    criteria = fields.List(fields.Nested(CriterionFiguresSchema), required=True)
    response = fields.Nested(ScorecardResponseSchema, required=True, allow_none=True,
                             metadata={"description": _l("The department's answer, or null while it is owed.")})
    due = fields.Nested(ScorecardDueSchema, required=True, allow_none=True,
                        metadata={"description": _l("The answer still owed, or null once answered.")})
    action_plan = fields.List(fields.Nested(PlanActionSchema), required=True)


# --- queries ---------------------------------------------------------------------------------------------------------


class PanelsQuery(PageQuery):
    pass


class CampaignsQuery(PageQuery):
    phase = fields.String(validate=validate.OneOf(PUBLIC_PHASES), metadata={"description": _l("Only campaigns in this phase now.")})
    panel_id = IdParam(metadata={"description": _l("Only this panel's campaigns.")})
    service_id = IdParam(metadata={"description": _l("Only campaigns of this service.")})


# --- last changes ----------------------------------------------------------------------------------------------------


def _passed(*moments):
    return [t for t in moments if t is not None and t <= _now()]


def campaign_change(campaign: Campaign):
    """A campaign changes when edited and when it passes from one phase to the next."""
    return http.latest(campaign.updated_at, campaign.scheduled_at, *_passed(campaign.opens_at, campaign.closes_at),
                       campaign.closed_at, campaign.published_at)


def panel_change(panel: Panel, members_changed):
    return http.latest(panel.updated_at, panel.drawn_at, members_changed,
                       *_passed(panel.recruitment_opens_at, panel.recruitment_closes_at))


# --- views -----------------------------------------------------------------------------------------------------------


def _draw(panel: Panel) -> Panel | None:
    """What DrawSchema reads (the panel itself), once the draw is made."""
    return panel if panel.draw_seed is not None else None


def _visible_panel(panel_id: int) -> Panel:
    panel = db.session.get(Panel, panel_id)
    if panel is None:
        raise http.not_found()
    return panel


def _visible_campaign(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or not permissions.can_view_campaign(current_user, campaign, _now()):
        raise http.not_found()
    return campaign


@bp.get("/panels")
@operation(summary=_l("Monitoring panels"), tag="panels", query=PanelsQuery, response=page_of(PanelSchema),
           description=_l("Every citizen monitoring panel, latest recruitment first."))
def panels():
    args = query_args(PanelsQuery)
    statement = select(Panel).options(selectinload(Panel.department))
    page = paging.keyset_page(statement, list(reading.PANEL_ORDER), paging.requested_limit(args), args.get("cursor"))
    ids = [p.id for p in page.items]
    counts = reading.member_counts(ids) if ids else {}
    changed = reading.membership_changes(ids) if ids else {}
    rows = [_With(p, member_count=counts.get(p.id, 0), draw=_draw(p)) for p in page.items]
    body, links = paging.envelope(page, PanelSchema(many=True).dump(rows))
    return http.respond(body, last_modified=http.latest(*(panel_change(p, changed.get(p.id)) for p in page.items)), links=links)


@bp.get("/panels/<int:panel_id>")
@operation(summary=_l("A monitoring panel"), tag="panels", response=PanelDetailSchema,
           description=_l("The panel, the public list its draw ran on (pseudonyms only), the draw's record and its campaigns."))
def panel(panel_id: int):
    panel_ = _visible_panel(panel_id)
    applicants = services.applicants(panel_)
    campaigns = reading.panel_campaigns(current_user, panel_, _now())
    result = services.draw_result(panel_)
    quotas = [{"stratum": list(stratum), "seats": seats} for stratum, seats in sorted(result.quotas.items())] if result else None
    body = PanelDetailSchema().dump(_With(
        panel_, member_count=sum(1 for m in applicants if m.status == MemberStatus.SELECTED),
        applicants=[_With(m, gu=m.district.parent or m.district) for m in applicants], quotas=quotas, campaigns=campaigns, draw=_draw(panel_),
    ))
    changed = reading.membership_changes([panel_.id]).get(panel_.id)
    return http.respond(body, last_modified=http.latest(panel_change(panel_, changed), *(campaign_change(c) for c in campaigns)))


@bp.get("/services/<int:service_id>")
@operation(summary=_l("A public service"), tag="panels", response=PublicServiceSchema,
           description=_l("A service the panels evaluate: the trend of its published scorecards and its campaigns."))
def public_service(service_id: int):
    service_ = db.session.get(PublicService, service_id)
    if service_ is None:
        raise http.not_found()
    trend, changes = reading.service_trend(service_)
    campaigns = reading.service_campaigns(current_user, service_, _now())
    entries = [{"campaign": c, "closed_at": card.closed_at, "overall": card.overall, "change": changes[card.id],
                "response_rate": card.response_rate, "scorecard": url_for("api.scorecard", campaign_id=c.id, _external=True)}
               for c, card in trend]
    body = PublicServiceSchema().dump(_With(service_, trend=entries, campaigns=campaigns))
    moments = [service_.created_at, *(campaign_change(c) for c in campaigns), *(card.computed_at for _c, card in trend)]
    return http.respond(body, last_modified=http.latest(*moments))


@bp.get("/campaigns")
@operation(summary=_l("Evaluation campaigns"), tag="panels", query=CampaignsQuery, response=page_of(CampaignSchema),
           description=_l("Every campaign a visitor sees (drafts never), with its rubric, latest close first."))
def campaigns():
    args = query_args(CampaignsQuery)
    statement = select(Campaign).where(Campaign.scheduled_at.is_not(None))
    if "panel_id" in args:
        statement = statement.where(Campaign.panel_id == args["panel_id"])
    if "service_id" in args:
        statement = statement.where(Campaign.service_id == args["service_id"])
    ordering = [Campaign.closes_at.desc(), Campaign.id.desc()]
    if args.get("phase"):
        # Phases follow the clock, so this one filter is applied to the rows, not in SQL.
        ids = [c.id for c in db.session.scalars(statement) if c.phase(_now()).value == args["phase"]]
        statement = select(Campaign).where(Campaign.id.in_(ids))
    page = paging.keyset_page(reading.with_criteria(statement), ordering, paging.requested_limit(args), args.get("cursor"))
    shown = [c for c in page.items if permissions.can_view_campaign(current_user, c, _now())]
    body, links = paging.envelope(page, CampaignSchema(many=True).dump(shown))
    return http.respond(body, last_modified=http.latest(*(campaign_change(c) for c in shown)), links=links)


@bp.get("/campaigns/<int:campaign_id>")
@operation(summary=_l("An evaluation campaign"), tag="panels", response=CampaignDetailSchema,
           description=_l("The campaign, its rubric, its dates and phase, and how many members have evaluated."))
def campaign(campaign_id: int):
    campaign_ = _visible_campaign(campaign_id)
    submitted, members = services.participation(campaign_)
    body = CampaignDetailSchema().dump(_With(campaign_, evaluations_submitted=submitted, members=members))
    return http.respond(body, last_modified=campaign_change(campaign_))


@bp.get("/campaigns/<int:campaign_id>/scorecard")
@operation(summary=_l("A published scorecard"), tag="panels", response=ScorecardSchema,
           description=_l("The frozen aggregate figures per criterion, the department's response and the action plan. "
                          "Never individual evaluations, evaluators or their comments. Not found until published."))
def scorecard(campaign_id: int):
    campaign_ = _visible_campaign(campaign_id)
    if not permissions.can_view_scorecard(current_user, campaign_):
        raise http.not_found()
    read = reading.scorecard_reading(current_user, campaign_)
    if read is None:
        raise http.not_found()
    card = read.card
    body = ScorecardSchema().dump({
        "campaign": campaign_, "service": campaign_.service, "closed_at": card.closed_at, "published_at": campaign_.published_at,
        "overall": card.overall, "change": read.change, "members": card.members, "submitted": card.submitted,
        "response_rate": card.response_rate, "alpha": card.alpha, "agreement": read.agreement,
        "agreement_text": str(labels.ALPHA_READINGS[read.agreement]),
        # Only the frozen figures: what each entry holds is spelled out, so nothing else can slip in.
        "criteria": [{"criterion_id": e["criterion_id"], "name": e["name"], "weight": e["weight"], **e["stats"].to_dict()}
                     for e in read.criteria],
        "response": _With(read.response, earlier_versions=list(reversed(read.response.revisions[:-1])) if read.response.is_revised else [])
        if read.response is not None else None,
        "due": read.due if read.response is None else None,
        "action_plan": read.actions,
    })
    moments = [card.computed_at, campaign_.published_at, campaign_.updated_at,
               read.response.updated_at if read.response else None, *(a.updated_at for a in read.actions)]
    if read.due is not None:
        moments += [read.due.answered_at, *_passed(read.due.due_at)]
    return http.respond(body, last_modified=http.latest(*moments))
