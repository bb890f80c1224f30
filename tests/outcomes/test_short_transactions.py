"""Closing and publishing a large round in short transactions: residents keep voting while it runs,
and a crash between two batches is finished by the next sweep with the same result."""
from __future__ import annotations

import queue
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select, text

from participation.accounts import services as accounts
from participation.accounts.models import User
from participation.core import batches
from participation.core.audit import AuditEvent
from participation.core.db import write_transaction
from participation.core.time import now
from participation.extensions import db
from participation.ideas.models import Idea
from participation.notifications import services as notes
from participation.notifications.models import Follow, Notification
from participation.outcomes import services
from participation.outcomes.models import RoundOutcome
from participation.rounds.models import Round
from participation.voting import services as voting
from tests.factories import make_idea, make_round, make_user
from tests.notifications.helpers import unread_counter, unread_rows
from tests.outcomes.helpers import after, voting_round
from tests.outcomes.test_closing import snapshot


def follow_round(round_id: int, user_ids) -> None:
    at = now()
    with write_transaction():
        db.session.execute(insert(Follow), [{"user_id": user_id, "subject_kind": "round", "subject_id": round_id, "active": True,
                                             "automatic": False, "created_at": at, "updated_at": at} for user_id in user_ids])


def crowd(size: int) -> list[int]:
    """`size` residents, written directly (registering each would hash `size` passwords)."""
    at = now()
    start = db.session.scalar(select(func.coalesce(func.max(User.id), 0)))
    with write_transaction():
        db.session.execute(insert(User), [{"email": f"crowd{start}-{n}@example.kr", "display_name": f"주민{n}", "password_hash": "!",
                                           "privacy_consented_at": at, "created_at": at} for n in range(size)])
    return list(db.session.scalars(select(User.id).where(User.email.like(f"crowd{start}-%")).order_by(User.id)))


def crash_at(monkeypatch, step: str, nth: int) -> None:
    """The sweep dies (a power cut) right after its `nth` committed batch of `step`."""
    seen = {"n": 0}

    def between(where):
        if where == step:
            seen["n"] += 1
            if seen["n"] == nth:
                raise RuntimeError("power cut")

    monkeypatch.setattr(batches, "between_batches", between)


def told_of(event: str) -> list[int]:
    return list(db.session.scalars(select(Notification.user_id).where(Notification.event == event).order_by(Notification.user_id)))


def audits(action: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def shape(result):
    """A close's result without its ids and moments: the same for two rounds voted alike."""
    closed = result["closed_at"]
    breakdowns = [[{k: v for k, v in row.items() if k != "id"} for row in rows] for rows in result["totals"][5:]]
    return ([(e.rank, e.votes, e.selected, e.tier_threshold) for e in result["entries"]], result["totals"][1:5], breakdowns,
            [(status, votes) for _id, status, votes in result["statuses"]], sorted(event for _id, event, _at in result["timeline"]),
            [(reason, due - closed) for _id, _department, reason, due in result["dues"]])


VOTES = (6, 5, 4, 3, 3, 1, 0)


def test_a_close_that_crashes_between_batches_is_finished_by_the_next_sweep_with_the_same_result(app_ctx, monkeypatch):
    monkeypatch.setattr(services, "RESULTS_PER_BATCH", 2)
    uninterrupted, _, _ = voting_round(votes=VOTES)
    assert services.close_due_rounds(after(uninterrupted)) == 1
    expected = shape(snapshot(uninterrupted.id))

    round_, _, _ = voting_round(votes=VOTES)
    followers = [make_user().id for _ in range(3)]
    follow_round(round_.id, followers)
    crash_at(monkeypatch, "close", 2)  # the claim with ranks 1-2 and the batch of ranks 3-4 are committed
    assert services.close_due_rounds(after(round_)) == 0  # logged; the sweep carries on
    db.session.expire_all()
    outcome = db.session.scalar(select(RoundOutcome).where(RoundOutcome.round_id == round_.id))
    assert db.session.get(Round, round_.id).closed_at == round_.voting_closes_at  # voting stays closed meanwhile
    assert (outcome.results_written, outcome.closing_done_at) == (4, None)
    assert told_of("round_closed") == []
    assert round_.id not in services.rounds_due_for_publishing(after(round_, days=30))  # nothing half-closed is published

    monkeypatch.setattr(batches, "between_batches", lambda where: None)
    assert services.close_due_rounds(after(round_, minutes=1)) == 1
    assert shape(snapshot(round_.id)) == expected
    assert len(snapshot(round_.id)["timeline"]) == len(VOTES)  # each idea's result once, none twice
    assert told_of("round_closed") == followers
    assert audits("round.closed") == 2  # one for each round
    assert services.close_due_rounds(after(round_, minutes=2)) == 0


def test_a_crash_while_the_followers_are_told_of_the_close_tells_nobody_twice(app_ctx, monkeypatch):
    round_, _, _ = voting_round(votes=(3, 1))
    followers = [make_user().id for _ in range(5)]
    follow_round(round_.id, followers)
    monkeypatch.setattr(notes, "SWEEP_CHUNK", 2)
    crash_at(monkeypatch, "notify", 2)
    assert services.close_due_rounds(after(round_)) == 0
    db.session.expire_all()
    assert told_of("round_closed") == followers[:4]  # two chunks of two committed
    monkeypatch.setattr(batches, "between_batches", lambda where: None)
    assert services.close_due_rounds(after(round_, minutes=1)) == 1
    assert told_of("round_closed") == followers
    assert [unread_counter(user_id) for user_id in followers] == [1] * 5 == [unread_rows(user_id) for user_id in followers]


def test_a_publication_that_crashes_between_chunks_is_finished_by_the_next_sweep(app_ctx, monkeypatch):
    round_, ideas, _ = voting_round(votes=(6, 4, 1))
    followers = [make_user().id for _ in range(5)]
    follow_round(round_.id, followers)
    assert services.close_due_rounds(after(round_)) == 1
    monkeypatch.setattr(notes, "SWEEP_CHUNK", 3)
    crash_at(monkeypatch, "notify", 1)
    assert services.publish_due_outcomes(after(round_, minutes=1)) == 0
    db.session.expire_all()
    published_at = db.session.get(Round, round_.id).published_at
    assert published_at == round_.voting_closes_at  # public from the claim on
    assert 0 < len(told_of("outcome_published")) < 5
    monkeypatch.setattr(batches, "between_batches", lambda where: None)
    assert services.publish_due_outcomes(after(round_, minutes=2)) == 1
    assert services.publish_due_outcomes(after(round_, minutes=3)) == 0
    db.session.expire_all()
    assert db.session.get(Round, round_.id).published_at == published_at
    assert told_of("outcome_published") == followers
    authors = sorted(idea.author_id for idea in ideas)
    assert sorted(told_of("own_selected") + told_of("own_not_selected")) == authors
    assert audits("round.published") == 1
    for user_id in followers + authors:
        assert unread_counter(user_id) == unread_rows(user_id) >= 1


def test_publication_tells_in_a_fixed_number_of_statements_whatever_the_number_of_ideas(app_ctx, monkeypatch):
    """It used to issue a batch of statements for every idea (its author, its followers, its answer)."""
    from sqlalchemy import event

    counts = {}
    for ideas in (2, 8):
        round_, _, _ = voting_round(votes=(1,) * ideas)
        assert services.close_due_rounds(after(round_)) == 1
        statements = []

        def count(*args, statements=statements, **kwargs):
            statements.append(1)

        engine = db.engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert services.publish_due_outcomes(after(round_, minutes=1)) == 1
        finally:
            event.remove(engine, "before_cursor_execute", count)
        counts[ideas] = len(statements)
    assert counts[8] == counts[2]


@pytest.mark.parametrize("recipients", [300])
def test_a_recipient_votes_in_another_round_while_a_large_round_closes_and_publishes(app, app_ctx, monkeypatch, recipients):
    """The vote runs while the sweep is under way in its own thread: on PostgreSQL inside a batch
    transaction that has just told the voter (under a lock_timeout of 2 s), on SQLite between two
    batches (the in-process writer queue, normally 60 s, cut to 2 s; a write transaction there
    holds the whole database by design)."""
    postgres = db.engine.dialect.name == "postgresql"
    monkeypatch.setattr("participation.core.db.WRITER_GATE_TIMEOUT", 2.0)
    monkeypatch.setattr(notes, "SWEEP_CHUNK", 100)
    voter = make_user()
    closing, _, _ = voting_round(votes=(3, 2, 1))
    follow_round(closing.id, [voter.id, *crowd(recipients)])
    # Open from a day on and closing two days after the other, so the sweep leaves it alone.
    still_open = make_round("voting", votes_per_resident=None, at=now() + timedelta(days=2))
    ballot_time = still_open.voting_opens_at + timedelta(hours=1)
    ballots = [make_idea(still_open).id for _ in range(2)]
    db.session.commit()

    paused, resumed = queue.Queue(), queue.Queue()
    phase = {"now": None, "paused": set()}

    def pause_once():
        if phase["now"] not in phase["paused"]:
            phase["paused"].add(phase["now"])
            paused.put(phase["now"])
            resumed.get(timeout=30)

    if postgres:
        real = accounts.add_unread

        def add_unread(increments):
            real(increments)
            if increments.get(voter.id):  # the voter's count row is now held by the sweep's open transaction
                pause_once()

        monkeypatch.setattr(accounts, "add_unread", add_unread)
    else:
        monkeypatch.setattr(batches, "between_batches", lambda where: pause_once() if where == "notify" else None)

    results = {}

    def sweep():
        with app.app_context():
            try:
                phase["now"] = "close"
                results["closed"] = services.close_due_rounds(after(closing))
                phase["now"] = "publish"
                results["published"] = services.publish_due_outcomes(after(closing, minutes=1))
            except BaseException as error:  # reported to the test below
                results["error"] = error
            finally:
                db.session.remove()
                paused.put(None)

    def vote(idea_id):
        with write_transaction():
            if postgres:
                db.session.execute(text("SET LOCAL lock_timeout = '2s'"))
            return voting.cast_vote(db.session.get(User, voter.id), db.session.get(Idea, idea_id), ballot_time)

    thread = threading.Thread(target=sweep)
    thread.start()
    votes = []
    try:
        for idea_id in ballots:
            where = paused.get(timeout=60)
            assert where in ("close", "publish"), f"the sweep ended without a pause ({results})"
            try:
                votes.append((where, vote(idea_id).voted))
            finally:
                resumed.put(True)
    finally:
        thread.join(timeout=120)
    assert "error" not in results, results
    assert votes == [("close", True), ("publish", True)]
    assert (results["closed"], results["published"]) == (1, 1)
    db.session.expire_all()
    assert len(told_of("round_closed")) == len(told_of("outcome_published")) == recipients + 1
    assert unread_counter(voter) == unread_rows(voter) == 2
