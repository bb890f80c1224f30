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


def _acting_author(user, idea: Idea, now: datetime) -> bool:
    """The idea's author, with an account that is not suspended now."""
    return _is_author(user, idea) and not user.is_suspended(now)


def suspension_refusal(user, now: datetime, idea: Idea | None = None):
    """What a suspended person is told when turned away (the suspension's end), or None if
    not suspended. With an idea, only its author is told: a suspension is not why anyone
    else may not change it."""
    if _resident(user) and user.is_suspended(now) and (idea is None or _is_author(user, idea)):
        from participation.core.i18n import lazy_gettext as _l
        from participation.core.time import format_local_datetime

        return _l("Your account is suspended until %(when)s.", when=format_local_datetime(user.suspended_until))
    return None


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
    """The author, until the first vote, while the round is open and the account is not suspended."""
    return (
        _acting_author(user, idea, now)
        and idea.status == IdeaStatus.PUBLISHED
        and idea.round.is_open(now)
        and idea.vote_count == 0
    )


def can_post_update(user, idea: Idea, now: datetime) -> bool:
    """The author may add dated notes to a listed idea at any time, except while suspended."""
    return _acting_author(user, idea, now) and idea.status in LISTED_STATUSES and idea.round.phase(now) != Phase.DRAFT


def can_withdraw(user, idea: Idea, now: datetime) -> bool:
    """The author, at any time before the round closes, except while suspended."""
    return _acting_author(user, idea, now) and idea.status == IdeaStatus.PUBLISHED and idea.round.is_open(now)
