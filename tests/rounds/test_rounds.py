"""Rounds: settings and their validation, the phase from dates, who sees and manages them."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from participation.core.time import now
from participation.extensions import db
from participation.rounds.models import Phase, Round
from tests.factories import make_category, make_department, make_round, make_user

T0 = datetime(2027, 3, 1, 0, 0, tzinfo=UTC)


def round_at(**stored) -> Round:
    """An unsaved round with windows T0..T0+10d (ideas), T0+12d..T0+20d (voting)."""
    day = timedelta(days=1)
    return Round(
        submission_opens_at=T0,
        submission_closes_at=T0 + 10 * day,
        voting_opens_at=T0 + 12 * day,
        voting_closes_at=T0 + 20 * day,
        scheduled_at=stored.get("scheduled_at", T0 - day),
        closed_at=stored.get("closed_at"),
        published_at=stored.get("published_at"),
    )


@pytest.mark.parametrize(
    ("moment", "phase"),
    [
        (T0 - timedelta(seconds=1), Phase.UPCOMING),
        (T0, Phase.SUBMISSION),
        (T0 + timedelta(days=10) - timedelta(seconds=1), Phase.SUBMISSION),
        (T0 + timedelta(days=10), Phase.REVIEW),
        (T0 + timedelta(days=12), Phase.VOTING),
        (T0 + timedelta(days=20) - timedelta(seconds=1), Phase.VOTING),
        (T0 + timedelta(days=20), Phase.CLOSED),  # even if no job has run
    ],
)
def test_phase_follows_the_dates(moment, phase):
    assert round_at().phase(moment) == phase


def test_stored_transitions_take_precedence():
    assert round_at(scheduled_at=None).phase(T0 + timedelta(days=5)) == Phase.DRAFT
    assert round_at(closed_at=T0 + timedelta(days=20)).phase(T0 + timedelta(days=15)) == Phase.CLOSED
    assert round_at(closed_at=T0, published_at=T0).phase(T0) == Phase.PUBLISHED


def valid_form(department, categories, **overrides):
    start = (now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    data = {
        "title": "2027 주민참여예산",
        "description": "생활 속 **아이디어**를 모읍니다.",
        "department_id": str(department.id),
        "category_ids": [str(c.id) for c in categories],
        "submission_opens_at": start,
        "submission_closes_at": (now() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M"),
        "voting_opens_at": (now() + timedelta(days=11)).strftime("%Y-%m-%dT%H:%M"),
        "voting_closes_at": (now() + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M"),
        "votes_per_resident": "3",
        "tiers-0-threshold": "50", "tiers-0-responder": "department", "tiers-0-response_days": "14",
        "tiers-1-threshold": "1000", "tiers-1-responder": "mayor_office", "tiers-1-response_days": "30",
        "selection_rule": "first_tier",
        "publish_delay_hours": "24",
    }
    data.update(overrides)
    return data


def test_admin_creates_a_draft_round_with_tiers_in_seoul_time(admin_client):
    department = make_department()
    categories = [make_category(department), make_category(department)]
    form = valid_form(department, categories, submission_opens_at="2030-03-02T09:00", submission_closes_at="2030-03-10T18:00",
                      voting_opens_at="2030-03-11T09:00", voting_closes_at="2030-03-20T18:00")
    response = admin_client.post_form("/rounds/new", form, token_from="/rounds/new")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    round_ = db.session.scalar(select(Round))
    assert round_.phase(now()) == Phase.DRAFT
    assert round_.submission_opens_at == datetime(2030, 3, 2, 0, 0, tzinfo=UTC)  # 09:00 in Seoul
    assert [(t.threshold, t.responder, t.response_days) for t in round_.tiers] == [(50, "department", 14), (1000, "mayor_office", 30)]
    assert set(round_.categories) == set(categories) and round_.districts == []
    assert round_.votes_per_resident == 3 and round_.publish_delay_hours == 24


def test_empty_allowance_means_unlimited_votes(admin_client):
    department = make_department()
    admin_client.post_form("/rounds/new", valid_form(department, [make_category(department)], votes_per_resident=""))
    assert db.session.scalar(select(Round)).votes_per_resident is None


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"submission_closes_at": "2020-01-01T00:00"}, "The submission window must close after it opens."),
        ({"voting_opens_at": "2020-01-01T00:00"}, "Voting must open when submissions close or later."),
        ({"voting_closes_at": "2020-01-01T00:00"}, "The voting window must close after it opens."),
        ({"tiers-1-threshold": "40"}, "Each tier must need more votes than the one before it."),
        ({"tiers-1-threshold": "50"}, "Each tier must need more votes than the one before it."),
        ({"tiers-0-threshold": "", "tiers-0-response_days": "", "tiers-1-threshold": "", "tiers-1-response_days": ""},
         "Add at least one response tier."),
        ({"tiers-0-response_days": ""}, "Fill in both the votes needed and the days to answer, or neither."),
        ({"tiers-0-response_days": "400"}, "Use a number from 1 to 365."),
        ({"category_ids": []}, "Choose at least one category."),
        ({"selection_rule": "top_n"}, "Say how many ideas are selected."),
        ({"title": ""}, "Enter a title."),
        ({"title": "가" * 201}, "Use at most 200 characters."),
        ({"votes_per_resident": "0"}, "Use a number from 1 to 1000."),
        ({"voting_closes_at": "next tuesday"}, "Not a valid datetime value."),
        ({"publish_delay_hours": "-1"}, "Use a number from 0 to 2160."),
    ],
)
def test_each_mistake_gets_a_clear_message(admin_client, overrides, message):
    department = make_department()
    response = admin_client.post_form("/rounds/new", valid_form(department, [make_category(department)], **overrides))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(Round)) is None


def test_an_official_creates_rounds_only_for_their_own_department(client, app_ctx):
    own, other = make_department(), make_department()
    official = make_user(roles={"official"}, department=own)
    client.login(official.email)
    client.use_english()
    category = make_category(own)
    response = client.post_form("/rounds/new", valid_form(other, [category]))
    assert response.status_code == 422 and "Choose one of the options." in response.get_data(as_text=True)
    assert client.post_form("/rounds/new", valid_form(own, [category])).status_code == 302


def test_a_draft_is_seen_only_by_its_managers_until_published(client, make_client, app_ctx):
    department = make_department()
    round_ = make_round("draft", department=department, title="준비 중인 회차")
    official = make_user(roles={"official"}, department=department)
    manager = make_client()
    manager.login(official.email)
    assert client.get(f"/rounds/{round_.id}").status_code == 404
    assert "준비 중인 회차" not in client.get("/rounds").get_data(as_text=True)
    assert manager.get(f"/rounds/{round_.id}").status_code == 200
    assert "준비 중인 회차" in manager.get("/rounds").get_data(as_text=True)
    assert manager.post_form(f"/rounds/{round_.id}/schedule", token_from=f"/rounds/{round_.id}").status_code == 302
    assert client.get(f"/rounds/{round_.id}").status_code == 200
    # Publishing twice is not offered, and refused if tried.
    assert manager.post_form(f"/rounds/{round_.id}/schedule").status_code == 403


def test_rounds_page_groups_current_upcoming_and_past(client, app_ctx):
    make_round("submission", title="지금 제안받는 회차")
    make_round("upcoming", title="곧 열리는 회차")
    make_round("closed", title="지난 회차")
    client.use_english()
    body = client.get("/rounds").get_data(as_text=True)
    assert body.index("Open now") < body.index("지금 제안받는 회차") < body.index("Coming up") < body.index("곧 열리는 회차")
    assert body.index("Past rounds") < body.index("지난 회차")


def test_round_page_shows_timeline_rules_and_tiers(client, app_ctx):
    round_ = make_round("voting", votes_per_resident=None)
    client.use_english()
    body = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert "Timeline" in body and "Unlimited" in body
    assert "50 votes or more: the owning department answers within 14 days" in body
    assert "1,000 votes or more: the mayor&#39;s office answers within 30 days" in body
    assert 'aria-current="step"' in body
    assert "<strong>아이디어</strong>" in body  # description rendered through the sanitizer


def test_once_open_the_start_cannot_move_and_deadlines_cannot_go_into_the_past(admin_client):
    round_ = make_round("submission")
    page = admin_client.get(f"/rounds/{round_.id}/edit")
    assert page.status_code == 200
    form = valid_form(round_.department, round_.categories, submission_opens_at=(now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"))
    response = admin_client.post_form(f"/rounds/{round_.id}/edit", form)
    assert "This time has passed and can no longer be changed." in response.get_data(as_text=True)


def test_a_closed_round_cannot_be_edited(admin_client):
    round_ = make_round("closed")
    assert admin_client.get(f"/rounds/{round_.id}/edit").status_code == 403


def test_edit_keeps_what_was_typed_when_refused(admin_client):
    round_ = make_round("upcoming")
    form = valid_form(round_.department, round_.categories, title="바뀐 제목", voting_closes_at="2020-01-01T00:00")
    body = admin_client.post_form(f"/rounds/{round_.id}/edit", form).get_data(as_text=True)
    assert 'value="바뀐 제목"' in body
    assert db.session.get(Round, round_.id).title != "바뀐 제목"
