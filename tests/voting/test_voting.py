"""Supporting ideas: allowances, deadlines to the second, refusals with reasons, tiers reached once."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from participation.core.db import write_transaction
from participation.core.errors import ServiceError
from participation.extensions import db
from participation.ideas.models import Idea
from participation.ideas.search import forget_counts
from participation.rounds.rules import TierSpec
from participation.voting import services
from participation.voting.models import TierReached, Vote
from tests.factories import make_idea, make_round, make_user


def vote_rows(idea=None) -> int:
    stmt = select(func.count()).select_from(Vote)
    if idea is not None:
        stmt = stmt.where(Vote.idea_id == idea.id)
    return db.session.scalar(stmt)


@pytest.fixture
def voter(resident_client):
    return resident_client


def test_support_and_withdraw_with_plain_form_posts(voter):
    round_ = make_round("voting", votes_per_resident=3)
    idea = make_idea(round_)
    response = voter.post_form(f"/ideas/{idea.id}/vote", {"next": f"/rounds/{round_.id}"}, token_from=f"/ideas/{idea.id}")
    assert response.status_code == 302 and response.location == f"/rounds/{round_.id}"
    page = voter.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "You support this idea. You have 2 votes left in this round." in page
    assert "1 vote" in page and "2 votes left in this round" in page and "Withdraw support" in page
    assert (vote_rows(idea), db.session.get(Idea, idea.id).vote_count) == (1, 1)
    response = voter.post_form(f"/ideas/{idea.id}/unvote", token_from=f"/ideas/{idea.id}")
    assert response.status_code == 302
    assert (vote_rows(idea), db.session.get(Idea, idea.id).vote_count) == (0, 0)
    assert "3 votes left in this round" in voter.get(f"/ideas/{idea.id}").get_data(as_text=True)


def test_json_answers_for_the_in_place_button(voter):
    round_ = make_round("voting", votes_per_resident=2)
    idea = make_idea(round_)
    token = voter.csrf_token(f"/ideas/{idea.id}")
    response = voter.post(f"/ideas/{idea.id}/vote", data={"csrf_token": token}, headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.json | {"message": None} == {
        "ok": True, "voted": True, "vote_count": 1, "vote_count_text": "1 vote", "votes_left": 1,
        "votes_left_text": "1 vote left in this round", "message": None,
    }
    again = voter.post(f"/ideas/{idea.id}/vote", data={"csrf_token": token}, headers={"Accept": "application/json"})
    assert again.status_code == 409 and again.json["error"]["code"] == "already_voted"
    assert again.json["error"]["message"] == "You already support this idea."
    no_token = voter.post(f"/ideas/{idea.id}/unvote", headers={"Accept": "application/json"})
    assert no_token.status_code == 400 and no_token.json["error"]["code"] == "csrf"


def test_the_allowance_is_enforced_with_a_clear_message(voter):
    round_ = make_round("voting", votes_per_resident=2)
    ideas = [make_idea(round_) for _ in range(3)]
    for idea in ideas[:2]:
        assert voter.post_form(f"/ideas/{idea.id}/vote").status_code == 302
    response = voter.post_form(f"/ideas/{ideas[2].id}/vote", follow_redirects=True)
    assert "You have used all 2 of your votes in this round. Withdraw one to support another idea." in response.get_data(as_text=True)
    assert vote_rows() == 2
    voter.post_form(f"/ideas/{ideas[0].id}/unvote")
    assert voter.post_form(f"/ideas/{ideas[2].id}/vote").status_code == 302
    assert vote_rows() == 2


def test_unlimited_allowance(voter):
    round_ = make_round("voting", votes_per_resident=None)
    for _ in range(6):
        voter.post_form(f"/ideas/{make_idea(round_).id}/vote")
    assert vote_rows() == 6
    assert "Unlimited votes in this round" in voter.get(f"/rounds/{round_.id}").get_data(as_text=True)


def test_allowances_are_per_round(voter):
    first, second = make_round("voting", votes_per_resident=1), make_round("voting", votes_per_resident=1)
    assert voter.post_form(f"/ideas/{make_idea(first).id}/vote").status_code == 302
    voter.post_form(f"/ideas/{make_idea(second).id}/vote")
    assert vote_rows() == 2


@pytest.mark.parametrize(
    ("phase", "message"),
    [
        ("submission", "Voting in this round opens on"),
        ("review", "Voting in this round opens on"),
        ("closed", "Voting in this round closed on"),
    ],
)
def test_voting_outside_the_window_is_refused(voter, phase, message):
    idea = make_idea(make_round(phase))
    response = voter.post_form(f"/ideas/{idea.id}/vote", follow_redirects=True)
    assert message in response.get_data(as_text=True)
    assert vote_rows() == 0


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("withdrawn", "This idea was withdrawn by its author and can no longer be supported."),
        ("hidden", "This idea is hidden while moderators review it and cannot be supported now."),
    ],
)
def test_withdrawn_and_hidden_ideas_cannot_be_supported(voter, status, message):
    idea = make_idea(make_round("voting"), status=status)
    response = voter.post_form(f"/ideas/{idea.id}/vote", follow_redirects=True)
    assert message in response.get_data(as_text=True)
    assert vote_rows() == 0


def test_authors_may_support_their_own_idea_unless_the_round_says_no(voter):
    round_ = make_round("voting")
    mine = make_idea(round_, voter.user)
    assert voter.post_form(f"/ideas/{mine.id}/vote").status_code == 302 and vote_rows() == 1
    strict = make_round("voting")
    strict.allow_author_votes = False
    db.session.commit()
    mine = make_idea(strict, voter.user)
    response = voter.post_form(f"/ideas/{mine.id}/vote", follow_redirects=True)
    assert "In this round, authors may not support their own ideas." in response.get_data(as_text=True)
    assert vote_rows() == 1


def test_a_round_that_requires_verification_refuses_until_verification_exists(voter):
    round_ = make_round("voting")
    round_.voting_requires_verification = True
    db.session.commit()
    response = voter.post_form(f"/ideas/{make_idea(round_).id}/vote", follow_redirects=True)
    assert "Only verified residents may vote in this round" in response.get_data(as_text=True)


def test_visitors_are_asked_to_sign_in(client, app_ctx):
    idea = make_idea(make_round("voting"))
    body = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert f"/login?next=/ideas/{idea.id}" in body
    response = client.post_form(f"/ideas/{idea.id}/vote")
    assert response.status_code == 302 and "/login" in response.location
    assert vote_rows() == 0


def test_withdrawing_a_vote_you_do_not_have_is_refused(voter):
    idea = make_idea(make_round("voting"))
    response = voter.post_form(f"/ideas/{idea.id}/unvote", follow_redirects=True)
    assert "You do not support this idea." in response.get_data(as_text=True)
    assert db.session.get(Idea, idea.id).vote_count == 0


def test_votes_cannot_be_withdrawn_after_close(app_ctx):
    round_ = make_round("voting")
    idea, user = make_idea(round_), make_user()
    with write_transaction():
        services.cast_vote(user, idea, round_.voting_closes_at - timedelta(seconds=1))
    with pytest.raises(ServiceError), write_transaction():
        services.withdraw_vote(user, idea, round_.voting_closes_at)
    assert vote_rows(idea) == 1


def test_the_deadline_is_exact_to_the_second_whether_or_not_a_job_ran(app_ctx):
    round_ = make_round("voting")
    idea = make_idea(round_)
    early, late = make_user(), make_user()
    with write_transaction():
        services.cast_vote(early, idea, round_.voting_closes_at - timedelta(seconds=1))
    with pytest.raises(ServiceError) as refused, write_transaction():
        services.cast_vote(late, idea, round_.voting_closes_at)
    assert refused.value.code == "not_allowed"
    with pytest.raises(ServiceError), write_transaction():
        services.cast_vote(late, idea, round_.voting_opens_at - timedelta(seconds=1))
    with write_transaction():
        services.cast_vote(late, idea, round_.voting_opens_at)
    assert vote_rows(idea) == 2


def test_the_request_time_decides_not_the_time_the_lock_was_won(voter, monkeypatch):
    """A request that arrives a second before the deadline counts even if it is processed after it."""
    import participation.voting.views as views

    round_ = make_round("voting")
    idea = make_idea(round_)
    monkeypatch.setattr(views, "now", lambda: round_.voting_closes_at - timedelta(seconds=1))
    assert voter.post_form(f"/ideas/{idea.id}/vote").status_code == 302
    monkeypatch.setattr(views, "now", lambda: round_.voting_closes_at)
    other = make_idea(round_)
    response = voter.post_form(f"/ideas/{other.id}/vote", follow_redirects=True)
    assert "Voting in this round closed on" in response.get_data(as_text=True)
    assert vote_rows() == 1


def test_reaching_a_tier_is_recorded_once_with_its_due_date(app_ctx):
    round_ = make_round("voting", votes_per_resident=None, tiers=[TierSpec(2, "department", 14), TierSpec(3, "mayor_office", 30)])
    idea = make_idea(round_)
    voters = [make_user() for _ in range(3)]
    moment = round_.voting_opens_at + timedelta(hours=1)
    for user in voters[:2]:
        with write_transaction():
            services.cast_vote(user, db.session.get(Idea, idea.id), moment)
    reached = db.session.scalars(select(TierReached)).all()
    assert [(r.tier.threshold, r.responder, r.response_due_at - r.reached_at) for r in reached] == [(2, "department", timedelta(days=14))]
    # Withdraw and vote again: the tier is not reached a second time, its clock does not restart.
    with write_transaction():
        services.withdraw_vote(voters[1], db.session.get(Idea, idea.id), moment + timedelta(hours=1))
    with write_transaction():
        services.cast_vote(voters[1], db.session.get(Idea, idea.id), moment + timedelta(hours=2))
    assert db.session.scalar(select(func.count()).select_from(TierReached)) == 1
    assert db.session.scalar(select(TierReached)).reached_at == moment
    with write_transaction():
        services.cast_vote(voters[2], db.session.get(Idea, idea.id), moment + timedelta(hours=3))
    assert db.session.scalar(select(func.count()).select_from(TierReached)) == 2
    events = [c.event for c in db.session.get(Idea, idea.id).timeline]
    assert events == ["submitted", "tier_reached", "tier_reached"]


def test_the_timeline_shows_a_reached_tier_in_the_readers_language(client, app_ctx):
    round_ = make_round("voting", votes_per_resident=None, tiers=[TierSpec(1, "department", 14)])
    idea = make_idea(round_)
    with write_transaction():
        services.cast_vote(make_user(), idea, round_.voting_opens_at)
    client.use_english()
    assert "1 vote: the owning department answers by" in client.get(f"/ideas/{idea.id}").get_data(as_text=True)


def test_lists_show_counts_and_what_you_support(voter):
    round_ = make_round("voting")
    supported = make_idea(round_, title="지지한 제안")
    make_idea(round_, title="다른 제안")
    voter.post_form(f"/ideas/{supported.id}/vote")
    body = voter.get(f"/rounds/{round_.id}").get_data(as_text=True)
    card = body[body.index("지지한 제안"):]
    assert "1 vote" in card[:1500] and 'aria-pressed="true"' in card[:1500]
    card = body[body.index("다른 제안"):]
    assert 'aria-pressed="false"' in card[:1500]


def test_my_votes_page(voter):
    round_ = make_round("voting", votes_per_resident=3)
    idea = make_idea(round_, title="내가 지지한 제안")
    assert "You have not supported any idea yet." in voter.get("/me/votes").get_data(as_text=True)
    voter.post_form(f"/ideas/{idea.id}/vote")
    body = voter.get("/me/votes").get_data(as_text=True)
    assert "내가 지지한 제안" in body and "2 votes left in this round" in body and "Withdraw support" in body


def test_a_list_with_vote_buttons_still_costs_a_fixed_number_of_queries(voter, count_queries):
    round_ = make_round("voting", votes_per_resident=None)
    for _ in range(3):
        voter.post_form(f"/ideas/{make_idea(round_, make_user()).id}/vote")
    forget_counts()
    with count_queries() as few:
        voter.get(f"/rounds/{round_.id}")
    for _ in range(15):
        voter.post_form(f"/ideas/{make_idea(round_, make_user()).id}/vote")
    forget_counts()
    with count_queries() as many:
        voter.get(f"/rounds/{round_.id}")
    assert len(few) == len(many)


def test_recount_repairs_and_reports_drift(app_ctx):
    round_ = make_round("voting", votes_per_resident=None)
    idea, quiet = make_idea(round_), make_idea(round_)
    for _ in range(3):
        with write_transaction():
            services.cast_vote(make_user(), db.session.get(Idea, idea.id), round_.voting_opens_at)
    db.session.get(Idea, idea.id).vote_count = 7  # a counter gone wrong
    db.session.get(Idea, quiet.id).vote_count = 2
    db.session.commit()
    drifts = services.recount_votes(round_.voting_opens_at)
    db.session.commit()
    assert sorted((d.idea_id, d.cached, d.counted) for d in drifts) == [(idea.id, 7, 3), (quiet.id, 2, 0)]
    assert (db.session.get(Idea, idea.id).vote_count, db.session.get(Idea, quiet.id).vote_count) == (3, 0)
    assert services.recount_votes(round_.voting_opens_at) == []


def test_reconcile_command_reports_and_repairs(runner, app_ctx):
    round_ = make_round("voting", votes_per_resident=None)
    idea = make_idea(round_)
    with write_transaction():
        services.cast_vote(make_user(), db.session.get(Idea, idea.id), round_.voting_opens_at)
    assert "Every counter matches its votes." in runner.invoke(args=["votes", "reconcile"]).output
    db.session.get(Idea, idea.id).vote_count = 5
    db.session.commit()
    result = runner.invoke(args=["votes", "reconcile", "--round", str(round_.id)])
    assert f"idea {idea.id}: counter 5, votes 1 (repaired)" in result.output
    db.session.expire_all()
    assert db.session.get(Idea, idea.id).vote_count == 1


def test_one_vote_left_and_one_vote_used_read_in_the_singular(voter):
    round_ = make_round("voting", votes_per_resident=2)
    first, second = make_idea(round_), make_idea(round_)
    page = voter.post_form(f"/ideas/{first.id}/vote", follow_redirects=True).get_data(as_text=True)
    assert "You support this idea. You have 1 vote left in this round." in page and "1 votes" not in page
    voter.post_form(f"/ideas/{second.id}/vote")
    single = make_round("voting", votes_per_resident=1)
    voter.post_form(f"/ideas/{make_idea(single).id}/vote")
    page = voter.post_form(f"/ideas/{make_idea(single).id}/vote", follow_redirects=True).get_data(as_text=True)
    assert "You have used your 1 vote in this round. Withdraw it to support another idea." in page
