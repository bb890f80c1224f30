"""Campaigns opt in to the generic discussion threads, and scorecards to the official-response
inbox, through those domains' registries (nothing there imports panels)."""
from __future__ import annotations

from datetime import datetime

from flask import url_for

from participation.core.i18n import lazy_gettext as _l


def _closed_reason(campaign, now: datetime):
    from participation.panels.models import CampaignPhase

    if campaign.phase(now) == CampaignPhase.DRAFT:
        return _l("This campaign has not been announced yet.")
    return None


def _count_changed(campaign, count: int) -> None:
    campaign.comment_count = count


def register() -> None:
    from participation.deliberation import subjects
    from participation.panels import permissions
    from participation.panels.models import Campaign
    from participation.responses.services import AnswerableKind, register_answerable

    subjects.register(
        subjects.SubjectKind(
            name="campaign",
            model=Campaign,
            can_read=permissions.can_view_campaign,
            closed_reason=_closed_reason,
            title=lambda campaign: campaign.title,
            url=lambda campaign: url_for("panels.campaign", campaign_id=campaign.id),
            count_changed=_count_changed,
        )
    )
    register_answerable(
        "scorecard",
        AnswerableKind(
            title=lambda card: str(_l("Scorecard: %(title)s", title=card.campaign.title)),
            context=lambda card: card.campaign.service.name,
            view_url=lambda card: url_for("panels.scorecard", campaign_id=card.campaign_id),
            answer_url=lambda card: url_for("panels.respond", campaign_id=card.campaign_id),
            is_public=lambda card: card.campaign.published_at is not None,
        ),
    )
