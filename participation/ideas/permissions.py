"""Who may submit, see, edit, update and withdraw ideas, by role and by the round's phase."""
from __future__ import annotations

from datetime import datetime

from participation.accounts.models import Role
from participation.accounts.permissions import is_admin
from participation.ideas.models import LISTED_STATUSES, Idea, IdeaStatus
from participation.rounds.models import Phase, Round
from participation.rounds.permissions import can_manage_round, can_view_round


def _resident(user) -> bool:
    return bool(user is not None and user.is_authenticated and not user.is_deleted and user.has_role(Role.RESIDENT))


def _is_author(user, idea: Idea) -> bool:
    return _resident(user) and idea.author_id is not None and idea.author_id == user.id


def _is_moderator(user) -> bool:
    return bool(user is not None and user.is_authenticated and not user.is_deleted and user.has_role(Role.MODERATOR))


def can_submit(user, round_: Round, now: datetime) -> bool:
    """A resident whose account is not suspended, while the round takes ideas."""
    return _resident(user) and not user.is_suspended(now) and round_.phase(now) == Phase.SUBMISSION


def can_view_idea(user, idea: Idea, now: datetime) -> bool:
    """The idea's page (at least its title, status and timeline) is public once its round is."""
    return can_view_round(user, idea.round, now)


def can_view_idea_content(user, idea: Idea, now: datetime) -> bool:
    """Body, photos and location: public while listed; for hidden or withdrawn ideas only the
    author, moderators, admins and the round's managers still see them."""
    if not can_view_idea(user, idea, now):
        return False
    if idea.status in LISTED_STATUSES:
        return True
    return _is_author(user, idea) or _is_moderator(user) or is_admin(user) or can_manage_round(user, idea.round)


def can_edit(user, idea: Idea, now: datetime) -> bool:
    """The author, until the first vote, while the round is open."""
    return (
        _is_author(user, idea)
        and idea.status == IdeaStatus.PUBLISHED
        and idea.round.is_open(now)
        and idea.vote_count == 0
    )


def can_post_update(user, idea: Idea, now: datetime) -> bool:
    """The author may add dated notes to a listed idea at any time."""
    return _is_author(user, idea) and idea.status in LISTED_STATUSES and idea.round.phase(now) != Phase.DRAFT


def can_withdraw(user, idea: Idea, now: datetime) -> bool:
    """The author, at any time before the round closes."""
    return _is_author(user, idea) and idea.status == IdeaStatus.PUBLISHED and idea.round.is_open(now)
