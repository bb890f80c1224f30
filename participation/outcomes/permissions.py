"""Who may see a round's outcome, and its selection before publication, and publish it early."""
from __future__ import annotations

from datetime import datetime

from participation.responses.permissions import can_publish_early, can_see_answers, is_official_of
from participation.rounds.permissions import can_view_round


def can_view_outcome(user, round_, now: datetime) -> bool:
    """The outcome page of any round the person may see; what it shows depends on the phase."""
    return can_view_round(user, round_, now)


def can_see_selection(user, round_, answering_departments=frozenset()) -> bool:
    """The selection and answers: everyone once published; before that, admins, the round's
    department and every department that owes one of its ideas an answer."""
    return can_see_answers(user, round_) or any(is_official_of(user, d) for d in answering_departments)


def can_publish_outcome_early(user, round_) -> bool:
    """Whether the page offers the button (the view itself asks only can_publish_early)."""
    return can_publish_early(user) and round_.closed_at is not None and round_.published_at is None
