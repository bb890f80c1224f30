"""Before a round's outcome is published, nobody outside the administration can learn the selection
or the answers: not on the idea's page, its timeline, any list, a status filter, search or "my votes"."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask_babel import force_locale

from participation.core.time import format_local_datetime, now
from participation.extensions import db
from participation.ideas.visibility import RESULT_EVENTS, shown_status, shown_timeline
from tests.deliberation.helpers import signed_in, text_of, visitor
from tests.factories import make_department, make_user
from tests.responses.helpers import answer, closed_round, official_of, progress, publish_round

EXPLANATION = "정류장 열두 곳에 그늘막을 설치하겠습니다."
# What would give the selection or the answer away, on any page.
TELLTALES = ("status-selected", "status-not_selected", "status-answered", "status-implemented", ">Selected<", "Not selected",
             "Official response", EXPLANATION, "decision-accepted", "answer due", "Overdue", "Answered", "% done")


@pytest.fixture
def unpublished(app_ctx):
    """Voting closed an hour ago; the outcome is published 48 hours after the deadline. The
    department has answered and reported progress already."""
    setting = closed_round(publish_delay_hours=48)
    official = official_of(setting.answering)
    answer(official, setting.selected, "accepted", EXPLANATION, budget_estimate=2_000_000)
    progress(official, setting.selected, 20)
    return setting


def people(setting, make_client):
    voter = make_user()
    return {
        "visitor": visitor(make_client),
        "resident": signed_in(make_client, voter),
        "moderator": signed_in(make_client, make_user(roles={"moderator"})),
        "official of another department": signed_in(make_client, official_of(make_department())),
        "official of the answering department": signed_in(make_client, official_of(setting.answering)),
        "official of the round's department": signed_in(make_client, official_of(setting.coordinating)),
        "admin": signed_in(make_client, make_user(roles={"admin"})),
    }


OUTSIDERS = ("visitor", "resident", "moderator", "official of another department")
ADMINISTRATION = ("official of the answering department", "official of the round's department", "admin")


def pages(setting) -> list[str]:
    round_id = setting.round.id
    return [
        f"/ideas/{setting.selected.id}",
        f"/ideas/{setting.not_selected.id}",
        f"/rounds/{round_id}",
        "/ideas",
        "/ideas?q=그늘막",
        f"/ideas?round_id={round_id}&sort=newest",
    ]


def leaks(page: str) -> list[str]:
    """Telltales on the page, leaving out the status filter's options (which every list offers)."""
    page = re.sub(r"<select.*?</select>", "", page, flags=re.S)
    return [telltale for telltale in TELLTALES if telltale in page]


def test_outsiders_cannot_learn_the_selection_or_the_answer_before_publication(unpublished, make_client):
    clients = people(unpublished, make_client)
    publish_at = unpublished.round.publishes_at
    for role in OUTSIDERS:
        client = clients[role]
        for url in pages(unpublished):
            response = client.get(url)
            assert response.status_code == 200, (role, url)
            page = text_of(response)
            assert not leaks(page), (role, url, leaks(page))
            if url.startswith("/ideas/"):
                with force_locale("en"):
                    when = format_local_datetime(publish_at)
                assert f"Voting closed — results will be published on {when}." in page, (role, url)
        # The vote counts stay as they were during voting.
        assert "3 votes" in text_of(client.get(f"/ideas/{unpublished.selected.id}"))
        assert "1 vote" in text_of(client.get(f"/ideas/{unpublished.not_selected.id}"))


def test_the_status_filters_do_not_reveal_the_selection_before_publication(unpublished, make_client):
    client = visitor(make_client)
    for status in ("selected", "not_selected", "answered", "implemented"):
        page = text_of(client.get(f"/ideas?round_id={unpublished.round.id}&status={status}"))
        assert "0 ideas found." in page, status
        assert unpublished.selected.title not in page
    pending = text_of(client.get(f"/ideas?round_id={unpublished.round.id}&status=results_pending"))
    assert "2 ideas found." in pending
    assert unpublished.selected.title in pending and unpublished.not_selected.title in pending


def test_a_voter_s_list_of_votes_shows_voting_closed_not_the_selection(unpublished, make_client):
    voter = make_user()
    from participation.core.db import write_transaction
    from participation.voting.models import Vote

    with write_transaction():
        db.session.add(Vote(idea_id=unpublished.selected.id, user_id=voter.id, round_id=unpublished.round.id, created_at=now() - timedelta(days=2)))
    page = text_of(signed_in(make_client, voter).get("/me/votes"))
    assert unpublished.selected.title in page
    assert "status-results_pending" in page and not leaks(page)


def test_the_administration_sees_the_selection_and_the_answer_before_publication(unpublished, make_client):
    clients = people(unpublished, make_client)
    for role in ADMINISTRATION:
        client = clients[role]
        page = text_of(client.get(f"/ideas/{unpublished.selected.id}"))
        assert "Official response" in page and EXPLANATION in page and "2,000,000 won" in page, role
        assert "Not public yet." in page, role
        assert "20% done" in page, role
        other = text_of(client.get(f"/ideas/{unpublished.not_selected.id}"))
        assert "status-not_selected" in other and "Not selected" in other, role
        listing = text_of(client.get(f"/rounds/{unpublished.round.id}"))
        assert "status-implemented" not in listing and "status-answered" in listing, role


def test_everyone_sees_the_selection_and_answers_once_published(unpublished, make_client):
    publish_round(unpublished.round)
    client = visitor(make_client)
    page = text_of(client.get(f"/ideas/{unpublished.selected.id}"))
    for text in ("Official response", EXPLANATION, ">Selected<", "Answered", "20% done", "2,000,000 won", "Answered on time"):
        assert text in page, text
    assert "Voting closed —" not in page and "Not public yet." not in page
    assert "status-not_selected" in text_of(client.get(f"/ideas/{unpublished.not_selected.id}"))
    assert unpublished.selected.title in text_of(client.get(f"/ideas?round_id={unpublished.round.id}&status=answered"))
    assert "0 ideas found." in text_of(client.get(f"/ideas?round_id={unpublished.round.id}&status=results_pending"))


def test_the_timeline_leaves_out_result_rows_and_masks_statuses_for_outsiders(unpublished):
    idea = unpublished.selected
    db.session.refresh(idea)
    hidden = shown_timeline(idea.timeline, results_visible=False)
    assert [c.event for c in hidden] == ["submitted", "tier_reached"]
    assert not {c.event for c in hidden} & RESULT_EVENTS
    assert [c.event for c in shown_timeline(idea.timeline, results_visible=True)] == [
        "submitted", "tier_reached", "selected", "answered", "progress"
    ]
    assert shown_status("selected", False) == shown_status("not_selected", False) == "results_pending"
    assert shown_status("hidden", False) == "hidden" and shown_status("published", False) == "published"
    assert shown_status("selected", True) == "selected"


def test_a_moderated_idea_s_timeline_does_not_name_its_earlier_result_status(unpublished, make_client):
    from participation.core.db import write_transaction
    from participation.ideas.services import hide_idea

    with write_transaction():
        hide_idea(db.session.get(type(unpublished.selected), unpublished.selected.id), "spam", now())
    page = text_of(visitor(make_client).get(f"/ideas/{unpublished.selected.id}"))
    assert "Voting closed → Hidden" in page
    assert not leaks(page)
