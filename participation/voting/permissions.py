"""Who may support which idea, and why not: one place for every reason a vote is refused."""
from __future__ import annotations

from datetime import datetime

from participation.accounts.models import Role
from participation.core.i18n import lazy_gettext as _l
from participation.core.time import format_local_datetime
from participation.ideas.models import Idea, IdeaStatus
from participation.rounds.models import Phase


def can_take_part(user) -> bool:
    """A signed-in resident whose account is active."""
    return bool(user is not None and user.is_authenticated and not user.is_deleted and user.has_role(Role.RESIDENT))


def vote_refusal(user, idea: Idea, now: datetime):
    """Why `user` may not support `idea` now (a message), or None. The allowance and
    an existing vote are checked by the voting service, under its lock."""
    if not can_take_part(user):
        return _l("Sign in to support ideas.")
    if user.is_suspended(now):
        return _l("Your account is suspended until %(when)s.", when=format_local_datetime(user.suspended_until))
    round_ = idea.round
    phase = round_.phase(now)
    if phase in (Phase.DRAFT, Phase.UPCOMING, Phase.SUBMISSION, Phase.REVIEW):
        return _l("Voting in this round opens on %(when)s.", when=format_local_datetime(round_.voting_opens_at))
    if phase != Phase.VOTING:
        return _l("Voting in this round closed on %(when)s.", when=format_local_datetime(round_.voting_closes_at))
    if idea.status == IdeaStatus.WITHDRAWN:
        return _l("This idea was withdrawn by its author and can no longer be supported.")
    if idea.status != IdeaStatus.PUBLISHED:
        return _l("This idea is hidden while moderators review it and cannot be supported now.")
    if not round_.allow_author_votes and idea.author_id == user.id:
        return _l("In this round, authors may not support their own ideas.")
    if round_.voting_requires_verification:
        return _l("Only verified residents may vote in this round, and resident verification is not available yet.")
    return None


def can_vote(user, idea: Idea, now: datetime) -> bool:
    return vote_refusal(user, idea, now) is None


def can_withdraw_vote(user, idea: Idea, now: datetime) -> bool:
    """While voting is open, a resident may take back their support."""
    return can_take_part(user) and idea.round.phase(now) == Phase.VOTING
