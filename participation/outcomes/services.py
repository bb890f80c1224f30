"""Closing rounds and publishing their outcomes, each exactly once.

`close_due_rounds(now)` and `publish_due_outcomes(now)` are the scheduler's
sweeps; an admin's early publication uses the same conditional update. Each
step is claimed by a conditional update (`closed_at IS NULL`, `published_at IS
NULL`): of two sweeps at once, in two threads or two processes, exactly one
sets it. A large round is then finished in bounded batches of short write
transactions, so votes in other rounds, sign-ins and (on SQLite, where a write
transaction holds the whole database) every other writer wait at most one
batch: the claim with the tally and the first ideas' results; the remaining
results, RESULTS_PER_BATCH ideas at a time behind a cursor
(RoundOutcome.results_written); the people told, in chunks of their own (one
notification per person and key, so a chunk written twice tells nobody twice);
and last the mark that it is done (closing_done_at, publication_done_at). If
the first transaction fails, the round stays open-for-closing; a crash after
it is resumed by the next sweep from where it stopped, with the same result.

Everything recorded is computed from stored facts and the round's deadline,
never from the moment the job ran, so a late run gives the identical result.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import distinct, func, insert, select, update

from participation.accounts.models import User
from participation.core import audit, batches, signals
from participation.core.db import write_transaction
from participation.core.errors import ServiceError
from participation.core.i18n import lazy_gettext as _l
from participation.core.i18n import lazy_ngettext
from participation.extensions import db
from participation.ideas.models import LISTED_STATUSES, Idea, IdeaStatus, TimelineEvent
from participation.ideas.services import record_timeline
from participation.outcomes.models import OutcomeEntry, RoundOutcome
from participation.responses import services as responses
from participation.rounds.models import ResponseTier, Round, SelectionRule
from participation.voting.models import Vote
from participation.voting.services import recount_votes

log = logging.getLogger(__name__)

def publish_time(round_: Round) -> datetime:
    """When the outcome goes public: the deadline plus the round's publish delay."""
    return round_.publishes_at


# --- closing ---------------------------------------------------------------------------------


def _claim_close(round_id: int, now: datetime) -> bool:
    """The one conditional update that makes a close happen once: closed_at := the deadline."""
    result = db.session.execute(
        update(Round)
        .where(
            Round.id == round_id,
            Round.scheduled_at.is_not(None),
            Round.closed_at.is_(None),
            Round.voting_closes_at <= now,
        )
        .values(closed_at=Round.voting_closes_at)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _lock_ideas(round_id: int) -> None:
    """Wait for votes already under way in the round (they lock their idea first) to
    commit, so the recount sees them; votes that come after see the round closed."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(Idea.id).where(Idea.round_id == round_id).order_by(Idea.id).with_for_update(key_share=True))


# Ideas in the tally: every idea still standing. A hidden idea is under moderation, not out
# of the count (three reports before the deadline must not take the leader out of the
# result); only an idea its author withdrew is left out.
TALLIED = sorted({s.value for s in LISTED_STATUSES} | {IdeaStatus.HIDDEN.value})


def _ranked(round_id: int):
    """The round's tallied ideas, most votes first; on a tie the earlier idea ranks higher. Plain
    rows with what the tally needs (id, vote_count, category_id, district_id): loading thousands of
    ideas whole would lengthen the claim's transaction for nothing."""
    return db.session.execute(
        select(Idea.id, Idea.vote_count, Idea.category_id, Idea.district_id)
        .where(Idea.round_id == round_id, Idea.status.in_(TALLIED))
        .order_by(Idea.vote_count.desc(), Idea.created_at.asc(), Idea.id.asc())
    ).all()


def _highest_tier(tiers: list[ResponseTier], votes: int) -> ResponseTier | None:
    reached = [t for t in tiers if votes >= t.threshold]
    return reached[-1] if reached else None


def _is_selected(round_: Round, rank: int, votes: int) -> bool:
    if votes <= 0:
        return False
    if round_.selection_rule == SelectionRule.TOP_N:
        return rank <= (round_.selection_top_n or 0)
    first = round_.first_tier
    return first is not None and votes >= first.threshold


def _breakdown(round_id: int, ideas, key: str) -> list[dict]:
    """Ideas, votes and distinct participants per category or district (None: no district)."""
    column = getattr(Idea, key)
    participants = dict(
        db.session.execute(
            select(column, func.count(distinct(Vote.user_id)))
            .join(Idea, Idea.id == Vote.idea_id)
            .where(Vote.round_id == round_id, Idea.status.in_(TALLIED))
            .group_by(column)
        ).all()
    )
    rows: dict = defaultdict(lambda: {"ideas": 0, "votes": 0})
    for idea in ideas:
        row = rows[getattr(idea, key)]
        row["ideas"] += 1
        row["votes"] += idea.vote_count
    return [
        {"id": ref, "ideas": row["ideas"], "votes": row["votes"], "participants": participants.get(ref, 0)}
        for ref, row in sorted(rows.items(), key=lambda kv: (-kv[1]["votes"], kv[0] is None, kv[0] or 0))
    ]


RESULTS_PER_BATCH = 50  # ideas whose timeline and response clock one transaction writes (a few ms each)


def _begin_close(round_id: int, now: datetime) -> RoundOutcome | None:
    """The claim and the tally, in the caller's transaction: closed_at, the recount, the ranking,
    the outcome with every entry, and the audit entry. What follows (each idea's timeline and
    clock, telling the followers) is written in batches after it (see _write_results)."""
    if not _claim_close(round_id, now):
        return None
    round_ = db.session.get(Round, round_id)
    db.session.refresh(round_)
    closed_at = round_.closed_at
    _lock_ideas(round_id)
    drifts = recount_votes(now, round_id)
    if drifts:
        log.warning("round %s: %d vote counters repaired at close", round_id, len(drifts))
    db.session.expire_all()
    round_ = db.session.get(Round, round_id)
    ideas = _ranked(round_id)
    tiers = sorted(round_.tiers, key=lambda t: t.threshold)
    # Totals over the same ideas as the ranking (votes on withdrawn ideas are not in the result).
    participants, total_votes = db.session.execute(
        select(func.count(distinct(Vote.user_id)), func.count(Vote.id))
        .join(Idea, Idea.id == Vote.idea_id)
        .where(Vote.round_id == round_id, Idea.status.in_(TALLIED))
    ).one()
    entries = []
    for rank, idea in enumerate(ideas, start=1):
        tier = _highest_tier(tiers, idea.vote_count)
        entries.append({"idea_id": idea.id, "rank": rank, "votes": idea.vote_count, "selected": _is_selected(round_, rank, idea.vote_count),
                        "tier_threshold": tier.threshold if tier else None})
    outcome = RoundOutcome(
        round_id=round_id,
        closed_at=closed_at,
        computed_at=now,
        participants=participants,
        votes=total_votes,
        ideas=len(ideas),
        selected=sum(entry["selected"] for entry in entries),
        by_category=_breakdown(round_id, ideas, "category_id"),
        by_district=_breakdown(round_id, ideas, "district_id"),
        repaired_counters=len(drifts),
        results_written=0,
    )
    db.session.add(outcome)
    db.session.flush()
    for chunk in batches.chunks(entries, 500):
        db.session.execute(insert(OutcomeEntry), [{"outcome_id": outcome.id, **entry} for entry in chunk])
    audit.record("round.closed", now, subject=round_, closed_at=closed_at.isoformat(), ideas=len(ideas), selected=outcome.selected,
                 votes=total_votes, repaired=len(drifts))
    return outcome


def _write_results(outcome_id: int) -> bool:
    """Write the next RESULTS_PER_BATCH ranks' results (timeline, status, response clock), in the caller's
    transaction; True while ranks remain. The cursor moves by a conditional update first, so each
    batch is written exactly once even by two sweeps at once (the second finds it moved)."""
    outcome = db.session.get(RoundOutcome, outcome_id)
    db.session.refresh(outcome)
    start = outcome.results_written
    if start >= outcome.ideas:
        return False
    end = min(start + RESULTS_PER_BATCH, outcome.ideas)
    moved = db.session.execute(
        update(RoundOutcome).where(RoundOutcome.id == outcome_id, RoundOutcome.results_written == start)
        .values(results_written=end).execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        return True  # another sweep wrote this batch meanwhile: look again
    round_ = db.session.get(Round, outcome.round_id)
    closed_at = outcome.closed_at
    tiers = sorted(round_.tiers, key=lambda t: t.threshold)
    by_threshold = {tier.threshold: tier for tier in tiers}
    rows = db.session.execute(
        select(OutcomeEntry, Idea).join(Idea, Idea.id == OutcomeEntry.idea_id)
        .where(OutcomeEntry.outcome_id == outcome_id, OutcomeEntry.rank > start, OutcomeEntry.rank <= end).order_by(OutcomeEntry.rank)
    ).all()
    for entry, idea in rows:
        tier = by_threshold.get(entry.tier_threshold) if entry.tier_threshold is not None else None
        selected = entry.selected
        # A hidden idea keeps its status; its result is on its timeline, and a restore
        # (ideas.services.restore_idea) brings the idea back with that result.
        record_timeline(
            idea,
            None,
            (TimelineEvent.SELECTED if selected else TimelineEvent.NOT_SELECTED).value,
            closed_at,
            to_status=None if idea.status == IdeaStatus.HIDDEN else (IdeaStatus.SELECTED if selected else IdeaStatus.NOT_SELECTED).value,
            details={"rank": entry.rank, "votes": entry.votes},
        )
        if selected or tier is not None:
            owed = tier or (tiers[0] if tiers else None)
            if owed is not None:
                # A clock opened when the idea reached its tier during voting keeps its date;
                # a selected idea without one starts its clock at the deadline.
                responses.open_clock(
                    idea,
                    tier=owed,
                    department_id=responses.responder_department(round_, idea, owed),
                    reason="selected" if selected else "tier",
                    started_at=closed_at,
                    due_at=closed_at + timedelta(days=owed.response_days),
                )
    db.session.flush()
    return end < outcome.ideas


def _closing_done(outcome_id: int, now: datetime) -> bool:
    return db.session.execute(
        update(RoundOutcome).where(RoundOutcome.id == outcome_id, RoundOutcome.closing_done_at.is_(None))
        .values(closing_done_at=now).execution_options(synchronize_session=False)
    ).rowcount == 1


def close_round(round_id: int, now: datetime) -> RoundOutcome | None:
    """Close one round whose deadline has passed, if nobody has yet, all in the caller's
    transaction (call inside write_transaction(); the scheduler's sweep uses short ones instead).

    Freezes voting (closed_at), recounts every idea from its vote rows
    (repairing any drift), ranks the ideas, applies the selection rule, writes
    each idea's timeline, records the outcome and opens the response clocks.
    Returns the outcome, or None when there was nothing to close.
    """
    outcome = _begin_close(round_id, now)
    if outcome is None:
        return None
    while _write_results(outcome.id):
        pass
    signals.round_closed.send(db.session.get(Round, round_id), outcome=outcome, now=now)
    _closing_done(outcome.id, now)
    db.session.refresh(outcome)
    return outcome


def _unfinished(column) -> list[int]:
    """Rounds whose close (or publication) was claimed and not finished: a crash in between."""
    return list(db.session.scalars(select(RoundOutcome.round_id).where(column.is_(None)).order_by(RoundOutcome.closed_at, RoundOutcome.round_id)))


def rounds_due_for_closing(now: datetime) -> list[int]:
    return list(
        db.session.scalars(
            select(Round.id)
            .where(Round.scheduled_at.is_not(None), Round.closed_at.is_(None), Round.voting_closes_at <= now)
            .order_by(Round.voting_closes_at, Round.id)
        )
    )


def _close_in_batches(round_id: int, now: datetime) -> bool:
    """Claim (or resume) one round's close and finish it in short transactions. True if this
    run finished it. Votes in other rounds (and on SQLite every other writer) wait at most one
    batch, never the whole close."""
    with write_transaction():
        outcome = _begin_close(round_id, now)
        if outcome is not None:
            _write_results(outcome.id)  # the first batch with the claim: a failure in it undoes the claim too
        else:
            outcome = db.session.scalar(select(RoundOutcome).where(RoundOutcome.round_id == round_id, RoundOutcome.closing_done_at.is_(None)))
            if outcome is None:
                return False  # closed meanwhile by another sweep
        outcome_id = outcome.id
    batches.between_batches("close")
    more = True
    while more:
        with write_transaction():
            more = _write_results(outcome_id)
        batches.between_batches("close")
    # Telling the followers is idempotent (one notification per person and key): after a
    # crash it runs again whole, and nobody is told twice.
    with batches.own_transactions():
        round_ = db.session.get(Round, round_id)
        signals.round_closed.send(round_, outcome=db.session.get(RoundOutcome, outcome_id), now=now)
    with write_transaction():
        return _closing_done(outcome_id, now)


def close_due_rounds(now: datetime) -> int:
    """The scheduler's sweep: close every round whose deadline has passed, and finish any close
    a crash interrupted, each in short transactions of its own (one failing round does not hold
    back the others). Runs with no transaction around it (Sweep own_transactions). Returns how
    many it closed."""
    closed = 0
    unfinished = _unfinished(RoundOutcome.closing_done_at)
    due = rounds_due_for_closing(now)
    db.session.commit()  # no read transaction kept open across the batches
    for round_id in [*unfinished, *[r for r in due if r not in unfinished]]:
        try:
            closed += _close_in_batches(round_id, now)
        except Exception:
            db.session.rollback()
            log.exception("closing round %s failed; the next sweep tries again", round_id)
    return closed


# --- publishing --------------------------------------------------------------------------------


def _claim_publish(round_id: int, at: datetime) -> bool:
    """Publishable once its close is done (the results are all written): published_at := `at`, once."""
    closing_done = select(RoundOutcome.id).where(RoundOutcome.round_id == round_id, RoundOutcome.closing_done_at.is_not(None)).exists()
    result = db.session.execute(
        update(Round)
        .where(Round.id == round_id, Round.closed_at.is_not(None), Round.published_at.is_(None), closing_done)
        .values(published_at=at)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _tell_published(round_: Round, now: datetime, actor: User | None) -> None:
    """What became public with the outcome: each tallied idea's result, and the answers given before it."""
    entries = db.session.execute(
        select(OutcomeEntry.idea_id, OutcomeEntry.selected).join(RoundOutcome, RoundOutcome.id == OutcomeEntry.outcome_id)
        .where(RoundOutcome.round_id == round_.id)
    ).all()
    selected = {idea_id for idea_id, chosen in entries if chosen}
    ideas = []
    for chunk in batches.chunks(sorted(idea_id for idea_id, _chosen in entries), 500):
        ideas += db.session.scalars(select(Idea).where(Idea.id.in_(chunk)).order_by(Idea.id))
    answers = {
        revision.response.idea_id: (revision.id, revision.decision, revision.author_id)
        for revision in responses.latest_revisions([idea.id for idea in ideas])
    }
    signals.outcome_published.send(round_, ideas=ideas, selected=selected, answers=answers, actor=actor, now=now)


def _publication_done(round_id: int, now: datetime) -> bool:
    return db.session.execute(
        update(RoundOutcome).where(RoundOutcome.round_id == round_id, RoundOutcome.publication_done_at.is_(None))
        .values(publication_done_at=now).execution_options(synchronize_session=False)
    ).rowcount == 1


def rounds_due_for_publishing(now: datetime) -> list[int]:
    candidates = db.session.scalars(
        select(Round).join(RoundOutcome, RoundOutcome.round_id == Round.id)
        .where(Round.closed_at.is_not(None), Round.published_at.is_(None), Round.closed_at <= now, RoundOutcome.closing_done_at.is_not(None))
        .order_by(Round.closed_at, Round.id)
    ).all()
    return [r.id for r in candidates if publish_time(r) <= now]


def _publish_in_batches(round_id: int, now: datetime) -> bool:
    """Claim (or resume) one round's publication: the claim and its audit entry in one short
    transaction, then everyone told in chunks of their own, then marked done. True if this run
    finished it."""
    with write_transaction():
        round_ = db.session.get(Round, round_id)
        db.session.refresh(round_)
        if round_.published_at is None:
            at = publish_time(round_)
            if at > now or not _claim_publish(round_id, at):
                return False
            db.session.refresh(round_)
            audit.record("round.published", now, subject=round_, published_at=at.isoformat(), early=False)
        elif outcome_of(round_) is None or outcome_of(round_).publication_done_at is not None:
            return False
    batches.between_batches("publish")
    with batches.own_transactions():
        _tell_published(db.session.get(Round, round_id), now, None)
    with write_transaction():
        return _publication_done(round_id, now)


def publish_due_outcomes(now: datetime) -> int:
    """The scheduler's sweep: publish every closed round whose publish time has come, and finish
    telling people of any publication a crash interrupted. The recorded time is the scheduled one
    (deadline + delay), so a late run changes nothing. Runs with no transaction around it."""
    published = 0
    unfinished = list(db.session.scalars(
        select(RoundOutcome.round_id).join(Round, Round.id == RoundOutcome.round_id)
        .where(Round.published_at.is_not(None), RoundOutcome.publication_done_at.is_(None)).order_by(Round.published_at, Round.id)
    ))
    due = rounds_due_for_publishing(now)
    db.session.commit()
    for round_id in [*unfinished, *[r for r in due if r not in unfinished]]:
        try:
            published += _publish_in_batches(round_id, now)
        except Exception:
            db.session.rollback()
            log.exception("publishing round %s failed; the next sweep tries again", round_id)
    return published


def missing_answers(round_: Round) -> list[Idea]:
    """Selected ideas of the round that have no official response yet."""
    return responses.unanswered_selected(round_.id)


def publish_early(actor: User, round_: Round, now: datetime) -> None:
    """An admin publishes before the publish time, once every selected idea has an answer. In the
    request's transaction, set-based (a fixed number of statements per 500 people told)."""
    if round_.closed_at is None or (outcome_of(round_) is None or outcome_of(round_).closing_done_at is None):
        raise ServiceError(_l("The round has not closed yet."), code="not_closed")
    if round_.published_at is not None:
        raise ServiceError(_l("The outcome is already published."), code="already_published")
    missing = missing_answers(round_)
    if missing:
        raise ServiceError(
            lazy_ngettext("%(count)d selected idea still has no official response. Publish once it is answered.", "%(count)d selected ideas still have no official response. Publish once every one is answered.", len(missing), count=len(missing)),
            code="answers_missing",
        )
    if not _claim_publish(round_.id, now):
        raise ServiceError(_l("The outcome is already published."), code="already_published")
    db.session.refresh(round_)
    audit.record("round.published", now, actor=actor, subject=round_, published_at=now.isoformat(), early=True)
    _tell_published(round_, now, actor)
    _publication_done(round_.id, now)


def outcome_of(round_: Round) -> RoundOutcome | None:
    return db.session.scalar(select(RoundOutcome).where(RoundOutcome.round_id == round_.id))


# --- the scheduler's deadlines ------------------------------------------------------------------


def upcoming_deadlines(now: datetime, horizon: timedelta) -> list[datetime]:
    """Voting deadlines and publish times within `horizon`, for exact-time triggers."""
    until = now + horizon
    closing = db.session.scalars(
        select(Round.voting_closes_at).where(
            Round.scheduled_at.is_not(None), Round.closed_at.is_(None), Round.voting_closes_at > now, Round.voting_closes_at <= until
        )
    ).all()
    pending = db.session.scalars(
        select(Round).where(Round.scheduled_at.is_not(None), Round.published_at.is_(None), Round.voting_closes_at <= until)
    ).all()
    publishing = [publish_time(r) for r in pending if now < publish_time(r) <= until]
    return sorted(set(closing) | set(publishing))
