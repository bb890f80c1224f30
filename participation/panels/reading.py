"""What the panels' public pages read, as pure functions: the pages and the JSON API call these,
so both show a visitor the same panels, campaigns, trends and scorecards.

Only reading lives here; the verbs stay in services.py (which this module may call, never the
reverse, so it adds no import circle to the one between services and permissions).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from participation.extensions import db
from participation.panels import permissions, services, stats
from participation.panels.models import ActionItem, Campaign, MemberStatus, Panel, PanelMember, PublicService, Scorecard
from participation.responses.models import OfficialResponse, ResponseDue

# The order /panels/ lists panels in (the last key unique, so a cursor can page it).
PANEL_ORDER = (Panel.recruitment_opens_at.desc(), Panel.id.desc())


def member_counts(panel_ids=None) -> dict[int, int]:
    """Current members per panel (of the given panels, or of all)."""
    statement = select(PanelMember.panel_id, func.count()).where(PanelMember.status == MemberStatus.SELECTED)
    if panel_ids is not None:
        statement = statement.where(PanelMember.panel_id.in_(list(panel_ids)))
    return dict(db.session.execute(statement.group_by(PanelMember.panel_id)).all())


def membership_changes(panel_ids) -> dict[int, datetime | None]:
    """The latest application, joining or leaving per panel: when its public list last changed
    (a withdrawal before the draw leaves no time; it still changes what the list shows)."""
    rows = db.session.execute(
        select(PanelMember.panel_id, func.max(PanelMember.created_at), func.max(PanelMember.joined_at), func.max(PanelMember.left_at))
        .where(PanelMember.panel_id.in_(list(panel_ids))).group_by(PanelMember.panel_id)
    ).all()
    return {panel_id: max((t for t in times if t is not None), default=None) for panel_id, *times in rows}


def _visible(user, campaigns, now: datetime) -> list[Campaign]:
    return [c for c in campaigns if permissions.can_view_campaign(user, c, now)]


def panel_campaigns(user, panel: Panel, now: datetime) -> list[Campaign]:
    """The panel's campaigns `user` may see, latest opening first (as the panel page lists them)."""
    campaigns = db.session.scalars(
        select(Campaign).where(Campaign.panel_id == panel.id).order_by(Campaign.opens_at.desc(), Campaign.id.desc())
    ).all()
    return _visible(user, campaigns, now)


def service_campaigns(user, service: PublicService, now: datetime) -> list[Campaign]:
    """The service's campaigns `user` may see, latest close first (as the service page lists them)."""
    campaigns = db.session.scalars(
        select(Campaign).where(Campaign.service_id == service.id).order_by(Campaign.closes_at.desc(), Campaign.id.desc())
    ).all()
    return _visible(user, campaigns, now)


def service_trend(service: PublicService) -> tuple[list[tuple[Campaign, Scorecard]], dict[int, float | None]]:
    """The published scorecards of a service, oldest first, and each one's change against the
    previous campaign, shown only when that one is published too (it is in the trend)."""
    trend = services.service_trend(service)
    published = {campaign_.id for campaign_, _card in trend}
    changes = {card.id: card.change if card.previous_campaign_id in published else None for _campaign, card in trend}
    return trend, changes


@dataclass
class ScorecardReading:
    """Everything a scorecard page shows besides the forms."""

    card: Scorecard
    criteria: list[dict]  # the frozen entries, with "stats" as stats.CriterionStats
    change: float | None
    agreement: str  # a key of labels.ALPHA_READINGS
    due: ResponseDue | None
    response: OfficialResponse | None
    actions: list[ActionItem]


def scorecard_reading(user, campaign: Campaign) -> ScorecardReading | None:
    """The campaign's frozen scorecard as `user` reads it (callers check can_view_scorecard first)."""
    card = services.scorecard_for(campaign)
    if card is None:
        return None
    return ScorecardReading(
        card=card,
        criteria=[dict(entry, stats=stats.CriterionStats.from_dict(entry["stats"])) for entry in card.criteria],
        change=services.visible_change(card, user),
        agreement=services.agreement_reading(card),
        due=services.due_for(card),
        response=services.response_for(card),
        actions=services.action_items(card),
    )


def with_criteria(statement):
    """A campaigns statement that also loads each campaign's rubric, its panel and its service (a fixed
    number of queries for a whole page)."""
    return statement.options(
        selectinload(Campaign.criteria), selectinload(Campaign.panel),
        selectinload(Campaign.service).selectinload(PublicService.department),
    )
