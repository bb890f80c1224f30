"""Casting and withdrawing votes, exactly once each, and keeping the counter cache honest.

Every change runs inside core.db.write_transaction(): on SQLite that is
BEGIN IMMEDIATE, which serialises writers for the whole transaction; on
PostgreSQL the voter's user row is locked FOR UPDATE first, so one person's
parallel requests queue up while different people vote side by side. Within
that, the allowance check, the insert (guarded by the UNIQUE (idea, user)
constraint) and the counter update (an atomic increment) happen together.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm.attributes import set_committed_value

from participation.accounts.models import User
from participation.core import audit, signals
from participation.core.db import lock_for_update
from participation.core.errors import ServiceError
from participation.core.i18n import lazy_gettext as _l
from participation.core.i18n import lazy_ngettext
from participation.extensions import db
from participation.ideas.models import Idea, TimelineEvent
from participation.ideas.services import record_timeline
from participation.rounds.models import Round
from participation.voting.models import TierReached, Vote
from participation.voting.permissions import can_withdraw_vote, vote_refusal

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VoteResult:
    voted: bool
    vote_count: int
    votes_left: int | None  # None: unlimited


def _lock(user: User, idea: Idea) -> None:
    """Lock the idea, then the voter, always in that order, and re-read what the checks need.

    On PostgreSQL both rows are held FOR NO KEY UPDATE, so requests that only
    insert rows pointing at them (timeline, audit) are never blocked and no two
    requests can deadlock. On SQLite BEGIN IMMEDIATE already holds everything.
    The idea and its round are re-read: what the request loaded before the
    lock may have changed (withdrawn, hidden, closed early).
    """
    lock_for_update(idea)
    db.session.refresh(idea.round)
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(User.id).where(User.id == user.id).with_for_update(key_share=True))


def votes_used(user: User, round_: Round) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Vote).where(Vote.round_id == round_.id, Vote.user_id == user.id)
    )


def votes_left(user: User, round_: Round) -> int | None:
    if round_.votes_per_resident is None:
        return None
    return max(round_.votes_per_resident - votes_used(user, round_), 0)


def has_voted(user: User, idea: Idea) -> bool:
    return db.session.scalar(select(Vote.id).where(Vote.idea_id == idea.id, Vote.user_id == user.id)) is not None


def voted_idea_ids(user, idea_ids) -> set[int]:
    """Which of these ideas the person supports (one query, for list pages)."""
    if not getattr(user, "is_authenticated", False) or not idea_ids:
        return set()
    return set(db.session.scalars(select(Vote.idea_id).where(Vote.user_id == user.id, Vote.idea_id.in_(list(idea_ids)))))


def _change_count(idea: Idea, delta: int) -> int:
    count = db.session.execute(
        update(Idea)
        .where(Idea.id == idea.id)
        .values(vote_count=Idea.vote_count + delta)
        .returning(Idea.vote_count)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    set_committed_value(idea, "vote_count", count)
    return count


def _record_tiers_reached(idea: Idea, count: int, now: datetime) -> None:
    """Each tier is reached once: a later withdrawal and re-vote does not reset its clock."""
    due = [tier for tier in idea.round.tiers if tier.threshold <= count]
    if not due:
        return
    reached = set(db.session.scalars(select(TierReached.tier_id).where(TierReached.idea_id == idea.id)))
    for tier in due:
        if tier.id in reached:
            continue
        due_at = now + timedelta(days=tier.response_days)
        db.session.add(TierReached(idea=idea, tier=tier, reached_at=now, response_due_at=due_at, responder=tier.responder))
        record_timeline(
            idea,
            None,
            TimelineEvent.TIER_REACHED,
            now,
            details={"threshold": tier.threshold, "responder": tier.responder, "due_at": due_at.isoformat()},
        )
        signals.tier_reached.send(idea, tier=tier, due_at=due_at, now=now)


def cast_vote(user: User, idea: Idea, now: datetime) -> VoteResult:
    """Support `idea`. Call inside write_transaction(); `now` is when the request arrived."""
    _lock(user, idea)
    refusal = vote_refusal(user, idea, now)
    if refusal:
        raise ServiceError(refusal, code="not_allowed")
    round_ = idea.round
    if has_voted(user, idea):
        raise ServiceError(_l("You already support this idea."), code="already_voted")
    left = votes_left(user, round_)
    if left == 0:
        raise ServiceError(
            lazy_ngettext("You have used your %(count)d vote in this round. Withdraw it to support another idea.", "You have used all %(count)d of your votes in this round. Withdraw one to support another idea.", round_.votes_per_resident, count=round_.votes_per_resident),
            code="allowance_used",
        )
    db.session.execute(insert(Vote).values(idea_id=idea.id, user_id=user.id, round_id=round_.id, created_at=now))
    count = _change_count(idea, +1)
    _record_tiers_reached(idea, count, now)
    signals.vote_cast.send(idea, user=user, now=now)
    return VoteResult(True, count, None if left is None else left - 1)


def withdraw_vote(user: User, idea: Idea, now: datetime) -> VoteResult:
    """Take back support while voting is open. Call inside write_transaction()."""
    _lock(user, idea)
    if not can_withdraw_vote(user, idea, now):
        raise ServiceError(_l("Votes can only be withdrawn while voting is open."), code="not_allowed")
    removed = db.session.execute(delete(Vote).where(Vote.idea_id == idea.id, Vote.user_id == user.id)).rowcount
    if not removed:
        raise ServiceError(_l("You do not support this idea."), code="not_voted")
    count = _change_count(idea, -1)
    return VoteResult(False, count, votes_left(user, idea.round))


@dataclass(frozen=True)
class Drift:
    idea_id: int
    cached: int
    counted: int


def find_vote_drift(round_id: int | None = None) -> list[Drift]:
    """Every idea whose counter differs from its vote rows (one statement, so one consistent view)."""
    counted = select(Vote.idea_id, func.count().label("n")).group_by(Vote.idea_id).subquery()
    actual = func.coalesce(counted.c.n, 0)
    stmt = select(Idea.id, Idea.vote_count, actual).outerjoin(counted, counted.c.idea_id == Idea.id).where(Idea.vote_count != actual)
    if round_id is not None:
        stmt = stmt.where(Idea.round_id == round_id)
    return [Drift(idea_id, cached, n) for idea_id, cached, n in db.session.execute(stmt)]


def repair_vote_drift(drifts: list[Drift], now: datetime) -> None:
    """Correct each counter by its measured error, not to an absolute number, so votes
    cast since the drift was measured are kept. Call inside write_transaction()."""
    for drift in drifts:
        log.warning("vote counter drift on idea %s: cached %s, counted %s", drift.idea_id, drift.cached, drift.counted)
        db.session.execute(
            update(Idea)
            .where(Idea.id == drift.idea_id)
            .values(vote_count=Idea.vote_count + (drift.counted - drift.cached))
            .execution_options(synchronize_session=False)
        )
    if drifts:
        audit.record("votes.recounted", now, repaired=[d.__dict__ for d in drifts[:100]], total=len(drifts))


def recount_votes(now: datetime, round_id: int | None = None) -> list[Drift]:
    """Recount every idea's votes from the rows; repair and report any counter that drifted."""
    drifts = find_vote_drift(round_id)
    repair_vote_drift(drifts, now)
    return drifts
