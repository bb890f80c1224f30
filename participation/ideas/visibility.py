"""What of an idea's outcome may be shown: before its round's outcome is published, the
selection and the administration's answers are not public.

Every place that shows an idea's status (its page, cards, lists, search filters, the
timeline) asks here, with a flag saying whether the reader may see results. Who may
see them early (the answering department, admins) is the responses domain's call;
this module only applies the answer.
"""
from __future__ import annotations

from participation.ideas.models import IdeaStatus, TimelineEvent

# Statuses that reveal the selection or the answer.
RESULT_STATUSES = frozenset({IdeaStatus.SELECTED, IdeaStatus.NOT_SELECTED, IdeaStatus.ANSWERED, IdeaStatus.IMPLEMENTED})
# Timeline rows that reveal them.
RESULT_EVENTS = frozenset(
    {
        TimelineEvent.SELECTED,
        TimelineEvent.NOT_SELECTED,
        TimelineEvent.ANSWERED,
        TimelineEvent.RESPONSE_REVISED,
        TimelineEvent.PROGRESS,
        TimelineEvent.IMPLEMENTED,
    }
)
# What a reader without access sees instead of a result status (not stored; a filter value too).
RESULTS_PENDING = "results_pending"


def results_published(round_) -> bool:
    return round_.published_at is not None


def shown_status(status: str | None, results_visible: bool) -> str | None:
    """The status to show: a result status becomes "voting closed, results pending" for
    readers who may not see results yet."""
    if not results_visible and status in RESULT_STATUSES:
        return RESULTS_PENDING
    return status


def shown_timeline(changes, results_visible: bool) -> list:
    """The timeline rows to show (result rows left out for readers who may not see results yet)."""
    if results_visible:
        return list(changes)
    return [change for change in changes if change.event not in RESULT_EVENTS]
