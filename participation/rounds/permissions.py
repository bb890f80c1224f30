"""Who may create, see and manage rounds."""
from __future__ import annotations

from datetime import datetime

from participation.accounts.models import Role
from participation.accounts.permissions import is_admin
from participation.rounds.models import Phase, Round


def _is_official(user) -> bool:
    return bool(user is not None and user.is_authenticated and not user.is_deleted and user.has_role(Role.OFFICIAL))


def can_create_round(user) -> bool:
    return is_admin(user) or (_is_official(user) and user.department_id is not None)


def can_assign_any_department(user) -> bool:
    """Admins may give a round to any department; officials only to their own."""
    return is_admin(user)


def can_manage_round(user, round_: Round) -> bool:
    """Admins, and officials of the round's owning department."""
    return is_admin(user) or (_is_official(user) and user.department_id == round_.department_id)


def can_view_round(user, round_: Round, now: datetime) -> bool:
    """Drafts are seen only by their managers; everything else is public."""
    return round_.phase(now) != Phase.DRAFT or can_manage_round(user, round_)


def can_edit_round(user, round_: Round, now: datetime) -> bool:
    return can_manage_round(user, round_) and round_.phase(now) not in (Phase.CLOSED, Phase.PUBLISHED)


def can_schedule_round(user, round_: Round, now: datetime) -> bool:
    """Publishing a draft makes it public and fixes its start."""
    return can_manage_round(user, round_) and round_.phase(now) == Phase.DRAFT
