"""Creating, editing and scheduling rounds."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from participation.accounts.models import Department, District, User
from participation.core import audit, signals
from participation.core.errors import ServiceError
from participation.core.i18n import lazy_gettext as _l
from participation.extensions import db
from participation.rounds.models import Phase, ResponseTier, Round, SelectionRule
from participation.rounds.rules import TierSpec, schedule_problems, tier_problems


@dataclass
class RoundData:
    title: str
    description: str
    department: Department
    categories: list  # of Category
    districts: list[District]
    submission_opens_at: datetime
    submission_closes_at: datetime
    voting_opens_at: datetime
    voting_closes_at: datetime
    votes_per_resident: int | None
    tiers: list[TierSpec]
    selection_rule: str = SelectionRule.FIRST_TIER.value
    selection_top_n: int | None = None
    publish_delay_hours: int = 0
    voting_requires_verification: bool = False
    allow_author_votes: bool = True


def _check(data: RoundData, round_: Round | None, now: datetime) -> None:
    problems = schedule_problems(data.submission_opens_at, data.submission_closes_at, data.voting_opens_at, data.voting_closes_at)
    if problems:
        field_name, message = problems[0]
        raise ServiceError(message, field=field_name, code="schedule")
    tier_messages = tier_problems(data.tiers)
    if tier_messages:
        raise ServiceError(tier_messages[0], field="tiers", code="tiers")
    if not data.categories:
        raise ServiceError(_l("Choose at least one category."), field="category_ids", code="categories_required")
    if data.selection_rule == SelectionRule.TOP_N and not data.selection_top_n:
        raise ServiceError(_l("Say how many ideas are selected."), field="selection_top_n", code="top_n_required")
    if round_ is not None:
        _check_changes_to_a_published_round(data, round_, now)


DATE_FIELDS = ("submission_opens_at", "submission_closes_at", "voting_opens_at", "voting_closes_at")
VOTING_RULES = ("votes_per_resident", "selection_rule", "selection_top_n", "publish_delay_hours",
                "voting_requires_verification", "allow_author_votes")


def _minute(value: datetime) -> datetime:
    """Forms carry times to the minute; seconds never count as a change."""
    return value.replace(second=0, microsecond=0)


def _tier_specs(round_: Round) -> list[TierSpec]:
    return [TierSpec(t.threshold, t.responder, t.response_days) for t in round_.tiers]


def _check_changes_to_a_published_round(data: RoundData, round_: Round, now: datetime) -> None:
    """What residents were told must hold: no time moved into the past, no rule changed mid-vote."""
    phase = round_.phase(now)
    if phase == Phase.DRAFT:
        return
    for name in DATE_FIELDS:
        old, new = getattr(round_, name), getattr(data, name)
        if _minute(old) == _minute(new):
            continue
        if old <= now:
            raise ServiceError(_l("This time has passed and can no longer be changed."), field=name, code="past")
        if new <= now:
            raise ServiceError(_l("A published round's times can only move to the future."), field=name, code="past")
    if phase in (Phase.UPCOMING,):
        return
    # From the opening on: ideas may use every category and district in scope.
    if set(round_.categories) - set(data.categories):
        raise ServiceError(_l("Categories cannot be removed once the round has opened: ideas may already use them."), field="category_ids", code="started")
    if set(round_.districts) - set(data.districts) or (data.districts and not round_.districts):
        raise ServiceError(_l("The round's area cannot shrink once the round has opened."), field="district_ids", code="started")
    if phase in (Phase.SUBMISSION, Phase.REVIEW):
        return
    # From the start of voting on: the rules of the vote and of the answers are fixed.
    changed = [name for name in VOTING_RULES if getattr(round_, name) != getattr(data, name)]
    if data.selection_rule != SelectionRule.TOP_N and "selection_top_n" in changed:
        changed.remove("selection_top_n")
    if _tier_specs(round_) != list(data.tiers):
        changed.append("tiers")
    if changed:
        field_name = changed[0] if changed[0] != "tiers" else None
        raise ServiceError(_l("Voting has started: its rules and response tiers can no longer change."), field=field_name, code="voting_started")


def _apply(round_: Round, data: RoundData, now: datetime) -> None:
    for name in ("title", "description", "department", "votes_per_resident", "selection_rule", "publish_delay_hours",
                 "voting_requires_verification", "allow_author_votes"):
        setattr(round_, name, getattr(data, name))
    for name in DATE_FIELDS:
        old = getattr(round_, name, None)
        if old is None or _minute(old) != _minute(getattr(data, name)):
            setattr(round_, name, getattr(data, name))
    round_.title = data.title.strip()
    round_.selection_top_n = data.selection_top_n if data.selection_rule == SelectionRule.TOP_N else None
    round_.categories = list(data.categories)
    round_.districts = list(data.districts)
    existing = {tier.threshold: tier for tier in round_.tiers}
    wanted = []
    for spec in data.tiers:
        tier = existing.get(spec.threshold) or ResponseTier(threshold=spec.threshold)
        tier.responder, tier.response_days = spec.responder, spec.response_days
        wanted.append(tier)
    round_.tiers = wanted
    round_.updated_at = now


def create_round(actor: User, data: RoundData, now: datetime) -> Round:
    _check(data, None, now)
    round_ = Round(created_by=actor, created_at=now)
    _apply(round_, data, now)
    db.session.add(round_)
    db.session.flush()
    audit.record("round.created", now, actor=actor, subject=round_, title=round_.title)
    return round_


def update_round(actor: User, round_: Round, data: RoundData, now: datetime) -> Round:
    _check(data, round_, now)
    _apply(round_, data, now)
    db.session.flush()
    audit.record("round.updated", now, actor=actor, subject=round_)
    return round_


def schedule_round(actor: User, round_: Round, now: datetime) -> None:
    """Publish a draft: from now on residents see it, and it opens by its dates."""
    if round_.scheduled_at is not None:
        raise ServiceError(_l("This round is already published."), code="already_scheduled")
    if round_.voting_closes_at <= now:
        raise ServiceError(_l("This round's voting deadline has passed. Change its dates first."), code="in_the_past")
    round_.scheduled_at = now
    audit.record("round.scheduled", now, actor=actor, subject=round_)


def all_rounds() -> list[Round]:
    """Every round, latest first. A city runs tens of rounds a year, so no paging is needed."""
    return list(db.session.scalars(select(Round).order_by(Round.submission_opens_at.desc(), Round.id.desc())))


# --- announcing phases ---------------------------------------------------------------------------------

ANNOUNCED_PHASES = (Phase.SUBMISSION, Phase.VOTING)


def announce_phases(now: datetime) -> int:
    """The scheduler's sweep: tell each round's followers, once, when submissions or voting open.
    A round found further on (after downtime) announces only the phase it is in."""
    told = 0
    candidates = db.session.scalars(
        select(Round).where(Round.scheduled_at.is_not(None), Round.closed_at.is_(None), Round.submission_opens_at <= now,
                            Round.voting_closes_at > now)
    ).all()
    for round_ in candidates:
        phase = round_.phase(now)
        if phase not in ANNOUNCED_PHASES or round_.announced_phase == phase:
            continue
        claimed = db.session.execute(
            update(Round).where(Round.id == round_.id, or_(Round.announced_phase.is_(None), Round.announced_phase != phase.value))
            .values(announced_phase=phase.value).execution_options(synchronize_session=False)
        ).rowcount == 1
        if claimed:
            db.session.refresh(round_)
            signals.round_phase_changed.send(round_, phase=phase.value, now=now)
            told += 1
    return told


def upcoming_phase_moments(now: datetime, horizon: timedelta) -> list[datetime]:
    until = now + horizon
    moments = []
    for opens, voting in db.session.execute(
        select(Round.submission_opens_at, Round.voting_opens_at).where(Round.scheduled_at.is_not(None), Round.closed_at.is_(None))
    ):
        moments += [m for m in (opens, voting) if now < m <= until]
    return sorted(set(moments))


def is_public(round_id: int) -> bool:
    """A round anyone may see and follow: it exists and is published (not a draft)."""
    round_ = db.session.get(Round, round_id)
    return round_ is not None and round_.scheduled_at is not None
