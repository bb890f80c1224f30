"""Who may run panels and campaigns, evaluate, see a scorecard before publication, and answer it."""
from __future__ import annotations

from datetime import datetime

from participation.accounts.permissions import is_admin
from participation.responses import permissions as response_permissions


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and not user.is_deleted)


def can_manage(user) -> bool:
    """Panels, services and campaigns are run by admins."""
    return is_admin(user)


def is_panelist(user, campaign) -> bool:
    """A current member of the campaign's panel."""
    from participation.panels.services import membership

    return _active(user) and membership(user, campaign.panel_id) is not None


def can_view_campaign(user, campaign, now: datetime) -> bool:
    """Drafts are seen by admins only; a scheduled campaign is public."""
    return campaign.scheduled_at is not None or can_manage(user)


def can_evaluate(user, campaign, now: datetime) -> bool:
    from participation.panels.services import evaluate_refusal

    return _active(user) and evaluate_refusal(user, campaign, now) is None


def is_department_official(user, campaign) -> bool:
    return response_permissions.is_official_of(user, campaign.service.department_id)


def can_view_scorecard(user, campaign) -> bool:
    """Public once published; before that, the administration's working paper (admins and the
    service's department, who must answer it)."""
    if campaign.closed_at is None:
        return False
    return campaign.published_at is not None or can_manage(user) or is_department_official(user, campaign)


def can_answer(user, due) -> bool:
    return response_permissions.can_answer(user, due)


def can_publish(user) -> bool:
    return is_admin(user)


def can_see_evaluation_photo(user, evaluation) -> bool:
    """Evidence photos are seen by their panelist, admins and the service's department."""
    if not _active(user):
        return False
    return user.id == evaluation.user_id or can_manage(user) or is_department_official(user, evaluation.campaign)

