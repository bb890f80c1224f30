"""Closing a round: frozen voting, recount with repair, ranking, the selection rule,
the recorded outcome, response clocks, and idempotence."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from participation.core.audit import AuditEvent
from participation.core.db import write_transaction
from participation.core.errors import ServiceError
from participation.extensions import db
from participation.ideas.models import Idea, StatusChange
from participation.outcomes import services
from participation.outcomes.models import OutcomeEntry, RoundOutcome
from participation.responses.models import ResponseDue
from participation.rounds.models import Round
from participation.voting import services as voting
from participation.voting.models import TierReached
from tests.factories import make_user
from tests.outcomes.helpers import after, close, voting_round


def snapshot(round_id):
    """Everything a close records, as plain values, to compare two runs."""
    db.session.expire_all()
    outcome = db.session.scalar(select(RoundOutcome).where(RoundOutcome.round_id == round_id))
    entries = db.session.execute(
        select(OutcomeEntry.idea_id, OutcomeEntry.rank, OutcomeEntry.votes, OutcomeEntry.selected, OutcomeEntry.tier_threshold)
        .where(OutcomeEntry.outcome_id == outcome.id).order_by(OutcomeEntry.rank)
    ).all()
    statuses = db.session.execute(select(Idea.id, Idea.status, Idea.vote_count).where(Idea.round_id == round_id).order_by(Idea.id)).all()
    timeline = db.session.execute(
        select(StatusChange.idea_id, StatusChange.event, StatusChange.occurred_at)
        .join(Idea).where(Idea.round_id == round_id, StatusChange.event.in_(["selected", "not_selected"])).order_by(StatusChange.idea_id)
    ).all()
    dues = db.session.execute(
        select(ResponseDue.idea_id, ResponseDue.department_id, ResponseDue.reason, ResponseDue.due_at)
        .join(Idea).where(Idea.round_id == round_id).order_by(ResponseDue.idea_id)
    ).all()
    round_ = db.session.get(Round, round_id)
    return {
        "closed_at": round_.closed_at,
        "totals": (outcome.closed_at, outcome.participants, outcome.votes, outcome.ideas, outcome.selected, outcome.by_category, outcome.by_district),
        "entries": entries,
        "statuses": statuses,
        "timeline": timeline,
        "dues": dues,
    }


def test_a_round_is_not_closed_before_its_deadline(app_ctx):
    round_, _ideas, _ = voting_round()
    with write_transaction():
        assert services.close_round(round_.id, round_.voting_closes_at - timedelta(seconds=1)) is None
    assert db.session.get(Round, round_.id).closed_at is None
    assert services.close_due_rounds(round_.voting_closes_at - timedelta(seconds=1)) == 0


def test_closing_ranks_selects_and_records_the_outcome(app_ctx):
    round_, ideas, voters = voting_round(votes=(6, 4, 3, 1, 0))
    outcome = close(round_, after(round_, hours=5))
    db.session.expire_all()
    round_ = db.session.get(Round, round_.id)
    # closed_at is the deadline, not when the job ran.
    assert round_.closed_at == round_.voting_closes_at == outcome.closed_at
    assert [e.idea_id for e in outcome.entries] == [i.id for i in ideas]
    assert [e.rank for e in outcome.entries] == [1, 2, 3, 4, 5]
    # first_tier rule: 3 votes or more is selected.
    assert [e.selected for e in outcome.entries] == [True, True, True, False, False]
    assert [e.tier_threshold for e in outcome.entries] == [5, 3, 3, None, None]
    assert [db.session.get(Idea, i.id).status for i in ideas] == ["selected"] * 3 + ["not_selected"] * 2
    assert (outcome.participants, outcome.votes, outcome.ideas, outcome.selected) == (6, 14, 5, 3)
    # Ideas alternate categories: 0, 2, 4 in one (6+3+0 votes), 1, 3 in the other (4+1).
    by_votes = sorted((row["ideas"], row["votes"]) for row in outcome.by_category)
    assert by_votes == [(2, 5), (3, 9)]
    assert sum(row["votes"] for row in outcome.by_district) == 14
    # Each idea's timeline says what happened to it, dated at the deadline.
    events = db.session.execute(select(StatusChange.idea_id, StatusChange.event, StatusChange.occurred_at).where(
        StatusChange.event.in_(["selected", "not_selected"]))).all()
    assert len(events) == 5 and {e.occurred_at for e in events} == {round_.voting_closes_at}


def test_selected_and_tier_reaching_ideas_get_response_clocks_from_their_tier(app_ctx):
    round_, ideas, _ = voting_round(votes=(6, 3, 1), selection_rule="top_n", selection_top_n=1)
    close(round_)
    dues = {d.idea_id: d for d in db.session.scalars(select(ResponseDue))}
    assert set(dues) == {ideas[0].id, ideas[1].id}  # the third reached no tier and was not selected
    top, second = dues[ideas[0].id], dues[ideas[1].id]
    assert (top.reason, second.reason) == ("selected", "tier")
    # Reached the 5-vote (mayor's office, 30 days) tier during voting: its clock started then and keeps its date.
    # The mayor's office tier is answered by the round's coordinating department.
    assert top.department_id == round_.department_id
    reached = db.session.scalar(select(TierReached).where(TierReached.idea_id == ideas[0].id, TierReached.tier_id == top.tier_id))
    assert reached.tier.threshold == 5
    assert top.due_at == reached.response_due_at == reached.reached_at + timedelta(days=30)
    # A department tier: the department the idea's category routes to.
    assert second.department_id == ideas[1].category.department_id
    reached = db.session.scalar(select(TierReached).where(TierReached.idea_id == ideas[1].id, TierReached.tier_id == second.tier_id))
    assert second.due_at == reached.reached_at + timedelta(days=14)


def test_a_top_n_selection_without_any_tier_uses_the_first_tiers_clock(app_ctx):
    round_, ideas, _ = voting_round(votes=(2, 1), selection_rule="top_n", selection_top_n=1)
    close(round_)
    due = db.session.scalar(select(ResponseDue))
    assert due.idea_id == ideas[0].id and due.reason == "selected"
    assert due.due_at == round_.voting_closes_at + timedelta(days=14)


def test_ties_go_to_the_earlier_idea(app_ctx):
    round_, ideas, _ = voting_round(votes=(2, 2, 2), selection_rule="top_n", selection_top_n=2)
    outcome = close(round_)
    assert [e.idea_id for e in outcome.entries] == [i.id for i in ideas]
    assert [e.selected for e in outcome.entries] == [True, True, False]


def test_withdrawn_ideas_are_not_ranked_but_hidden_ones_are(app_ctx):
    round_, ideas, _ = voting_round(votes=(6, 4, 3))
    db.session.execute(update(Idea).where(Idea.id == ideas[1].id).values(status="withdrawn"))
    db.session.execute(update(Idea).where(Idea.id == ideas[2].id).values(status="hidden"))
    db.session.commit()
    outcome = close(round_)
    assert [e.idea_id for e in outcome.entries] == [ideas[0].id, ideas[2].id]
    assert db.session.get(Idea, ideas[1].id).status == "withdrawn"
    assert db.session.get(Idea, ideas[2].id).status == "hidden"


def test_the_close_recounts_and_repairs_drifted_counters(app_ctx):
    round_, ideas, _ = voting_round(votes=(4, 2))
    db.session.execute(update(Idea).where(Idea.id == ideas[1].id).values(vote_count=9))  # a counter gone wrong
    db.session.commit()
    outcome = close(round_)
    assert outcome.repaired_counters == 1
    assert [e.votes for e in outcome.entries] == [4, 2]
    assert db.session.get(Idea, ideas[1].id).vote_count == 2
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "votes.recounted")) == 1


def test_voting_is_frozen_once_closed(app_ctx):
    round_, ideas, _ = voting_round(votes=(1,))
    close(round_)
    with pytest.raises(ServiceError):
        with write_transaction():
            voting.cast_vote(make_user(), db.session.get(Idea, ideas[0].id), round_.voting_closes_at - timedelta(seconds=1))


def test_a_vote_one_second_before_the_deadline_counts_and_one_second_after_does_not(app_ctx):
    round_, ideas, _ = voting_round(votes=(0,))
    early, late = make_user(), make_user()
    with write_transaction():
        voting.cast_vote(early, ideas[0], round_.voting_closes_at - timedelta(seconds=1))
    with pytest.raises(ServiceError):
        with write_transaction():
            voting.cast_vote(late, db.session.get(Idea, ideas[0].id), round_.voting_closes_at + timedelta(seconds=1))
    outcome = close(round_)
    assert [e.votes for e in outcome.entries] == [1]


def test_closing_twice_closes_once_with_identical_results(app_ctx):
    round_, _ideas, _ = voting_round()
    first = close(round_)
    before = snapshot(round_.id)
    assert close(round_, after(round_, hours=1)) is None
    assert services.close_due_rounds(after(round_, days=2)) == 0
    assert snapshot(round_.id) == before
    assert db.session.scalar(select(func.count()).select_from(RoundOutcome)) == 1
    assert first is not None


def test_a_late_close_after_downtime_records_the_same_result_as_an_on_time_one(app_ctx):
    on_time_round, _, _ = voting_round(votes=(5, 3, 1))
    late_round, _, _ = voting_round(votes=(5, 3, 1))
    services.close_due_rounds(after(on_time_round, seconds=2))
    on_time = snapshot(on_time_round.id)
    # Its close runs three days after the deadline, as after a long outage.
    services.close_due_rounds(after(late_round, days=3))
    late = snapshot(late_round.id)
    assert late["closed_at"] == db.session.get(Round, late_round.id).voting_closes_at
    shape = lambda s: ([(e.rank, e.votes, e.selected, e.tier_threshold) for e in s["entries"]], s["totals"][1:5],  # noqa: E731
                       [(st, v) for _i, st, v in s["statuses"]], [(r, d - s["closed_at"]) for _i, _dep, r, d in s["dues"]])
    assert shape(late) == shape(on_time)


def test_a_close_that_fails_halfway_is_rolled_back_and_the_next_sweep_completes_it(app_ctx, monkeypatch):
    round_, ideas, _ = voting_round(votes=(6, 4, 3, 1))
    real = services.record_timeline
    calls = {"n": 0}

    def crash_on_the_third(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("power cut")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "record_timeline", crash_on_the_third)
    assert services.close_due_rounds(after(round_)) == 0  # the sweep logs the failure and carries on
    db.session.expire_all()
    assert db.session.get(Round, round_.id).closed_at is None
    assert db.session.scalar(select(func.count()).select_from(RoundOutcome)) == 0
    assert db.session.scalar(select(func.count()).select_from(StatusChange).where(StatusChange.event == "selected")) == 0
    assert {db.session.get(Idea, i.id).status for i in ideas} == {"published"}
    monkeypatch.setattr(services, "record_timeline", real)
    assert services.close_due_rounds(after(round_, minutes=1)) == 1
    result = snapshot(round_.id)
    assert [s for _i, s, _v in result["statuses"]] == ["selected", "selected", "selected", "not_selected"]
    assert len(result["timeline"]) == 4 and result["closed_at"] == round_.voting_closes_at


def test_an_idea_hidden_at_the_close_is_tallied_and_a_restore_brings_back_its_result(app_ctx, make_client):
    from participation.deliberation import services as deliberation
    from tests.deliberation.helpers import text_of, visitor

    round_, ideas, _ = voting_round(votes=(6, 4, 3, 1, 0))
    leader = ideas[0]
    for _n in range(3):  # three reports just before the deadline hide the leader
        with write_transaction():
            deliberation.flag(make_user(), db.session.get(Idea, leader.id), "spam", None, round_.voting_closes_at - timedelta(minutes=5))
    assert db.session.get(Idea, leader.id).status == "hidden"
    outcome = close(round_)
    assert [e.idea_id for e in outcome.entries][0] == leader.id and outcome.entries[0].selected
    assert outcome.votes == 14 and sum(row["votes"] for row in outcome.by_category) == 14
    assert db.session.get(Idea, leader.id).status == "hidden"  # still under review
    assert db.session.scalar(select(ResponseDue).where(ResponseDue.idea_id == leader.id)) is not None
    services.publish_due_outcomes(after(round_))
    page = text_of(visitor(make_client).get(f"/rounds/{round_.id}/outcome"))
    assert leader.title not in page  # its words stay hidden on the outcome page too
    from participation.deliberation.models import ModerationItem

    item = db.session.scalar(select(ModerationItem).where(ModerationItem.idea_id == leader.id, ModerationItem.closed_at.is_(None)))
    with write_transaction():
        deliberation.decide(make_user(roles={"moderator"}), item, "restore", "no_violation", None, after(round_, hours=1))
    assert db.session.get(Idea, leader.id).status == "selected"


def test_votes_on_a_withdrawn_idea_are_not_in_the_totals(app_ctx):
    round_, ideas, _ = voting_round(votes=(6, 4))
    db.session.execute(update(Idea).where(Idea.id == ideas[1].id).values(status="withdrawn"))
    db.session.commit()
    outcome = close(round_)
    assert (outcome.votes, outcome.ideas) == (6, 1)
