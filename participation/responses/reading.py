"""What an idea's page shows of its selection and official response, for a given reader: one
function for the page and the API alike."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from participation.accounts.models import Role
from participation.ideas.models import Idea
from participation.ideas.visibility import shown_status
from participation.responses import clock, permissions, services
from participation.responses.models import ImplementationUpdate, OfficialResponse, ResponseDue
from participation.rounds.models import Phase


@dataclass
class IdeaResults:
    """What one person may see of an idea's selection and official response, and may do about it."""

    visible: bool  # the selection, the answer and the clock may be shown
    early: bool  # shown to this person before the outcome is public
    pending: bool  # voting closed; the outcome is not yet public (and not shown to this person)
    publishes_at: datetime
    due: ResponseDue | None = None
    response: OfficialResponse | None = None
    updates: list[ImplementationUpdate] = field(default_factory=list)
    countdown: clock.Countdown | None = None
    can_answer: bool = False
    can_post_progress: bool = False

    @property
    def shown(self) -> bool:
        """Whether the page has an official-response section at all."""
        return self.visible and (self.due is not None or self.response is not None)


def is_official(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.has_role(Role.OFFICIAL))


def idea_results(user, idea: Idea, moment: datetime) -> IdeaResults:
    round_ = idea.round
    visible = permissions.can_see_idea_results(user, idea)
    due = None
    if visible or is_official(user):
        # Only then can the clock matter: it is shown, or it names the official's department.
        due = services.due_for(idea)
        visible = visible or permissions.can_see_idea_results(user, idea, due)
    closed = round_.phase(moment) == Phase.CLOSED
    results = IdeaResults(
        visible=visible, early=visible and closed, pending=closed and not visible, publishes_at=round_.publishes_at
    )
    if not visible:
        return results
    results.due = due
    results.response = services.response_for(idea)
    if results.response is not None:
        results.updates = services.implementation_updates(idea)
    if due is not None:
        results.countdown = clock.countdown(due, moment)
    results.can_answer = permissions.can_answer(user, due)
    results.can_post_progress = permissions.can_post_progress(user, results.response)
    return results


def public_status(user, idea: Idea, known: IdeaResults | None = None) -> str:
    """The idea's status as `user` may see it: before publication, "voting closed" in place of
    the selection, unless they are of the administration."""
    visible = known.visible if known is not None else permissions.can_see_idea_results(user, idea)
    return shown_status(idea.status, visible)
