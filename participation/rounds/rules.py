"""The rules a round's settings must satisfy, as pure checks shared by the form and the services."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from participation.core.i18n import lazy_gettext as _l
from participation.core.i18n import lazy_ngettext

MAX_TIERS = 5


@dataclass(frozen=True)
class TierSpec:
    threshold: int
    responder: str
    response_days: int


def schedule_problems(
    submission_opens_at: datetime | None,
    submission_closes_at: datetime | None,
    voting_opens_at: datetime | None,
    voting_closes_at: datetime | None,
) -> list[tuple[str, object]]:
    """(field, message) for each way the windows are out of order."""
    problems = []
    if submission_opens_at and submission_closes_at and submission_closes_at <= submission_opens_at:
        problems.append(("submission_closes_at", _l("The submission window must close after it opens.")))
    if submission_closes_at and voting_opens_at and voting_opens_at < submission_closes_at:
        problems.append(("voting_opens_at", _l("Voting must open when submissions close or later.")))
    if voting_opens_at and voting_closes_at and voting_closes_at <= voting_opens_at:
        problems.append(("voting_closes_at", _l("The voting window must close after it opens.")))
    return problems


def tier_problems(tiers: list[TierSpec]) -> list[object]:
    """Messages for a tier list that is empty, too long or not strictly increasing."""
    if not tiers:
        return [_l("Add at least one response tier.")]
    problems = []
    if len(tiers) > MAX_TIERS:
        problems.append(lazy_ngettext("Use at most %(count)d response tier.", "Use at most %(count)d response tiers.", MAX_TIERS, count=MAX_TIERS))
    thresholds = [t.threshold for t in tiers]
    if any(b <= a for a, b in zip(thresholds, thresholds[1:], strict=False)):
        problems.append(_l("Each tier must need more votes than the one before it."))
    if any(t.threshold < 1 for t in tiers):
        problems.append(_l("A tier needs at least 1 vote."))
    if any(not 1 <= t.response_days <= 365 for t in tiers):
        problems.append(_l("Answer within 1 to 365 days."))
    return problems
