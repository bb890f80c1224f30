"""Defects found in review, each pinned by a test so it cannot come back."""
from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest

from participation.core.time import now
from participation.core.web import is_safe_next
from participation.extensions import db
from participation.ideas.models import Idea
from participation.ideas.photos import process_photo, store
from tests.factories import PASSWORD, jpeg_bytes, make_category, make_idea, make_round, make_user


@pytest.mark.parametrize(
    "target",
    ["//evil.example", "/\t/evil.example", "/\n/evil.example", "/\\evil.example", "https://evil.example", "/ /x", "", None,
     "javascript:alert(1)", "/%0a" + "\n"],
)
def test_unsafe_next_targets_are_refused(target):
    assert not is_safe_next(target)


@pytest.mark.parametrize("target", ["/", "/privacy", "/ideas?q=%EA%B3%B5%EC%9B%90&page=2", "/rounds/3#ideas"])
def test_ordinary_paths_are_followed(target):
    assert is_safe_next(target)


def test_login_never_redirects_off_site_through_a_tab_trick(client, app_ctx):
    user = make_user()
    response = client.post_form("/login", {"email": user.email, "password": PASSWORD, "next": "/\t/evil.example"})
    assert response.location == "/account"
    assert client.get("/login?next=/%09/evil.example").location == "/account"


def test_pagination_links_ignore_url_for_options_in_the_query(client, app_ctx):
    round_ = make_round("voting")
    for n in range(25):
        make_idea(round_, title=f"제안 {n}")
    for query in ("endpoint=x", "_method=POST", "_external=1", "round_id=abc&x=1", "page=2&page=3"):
        response = client.get(f"/ideas?{query}")
        assert response.status_code == 200, query
        assert 'href="http://' not in response.get_data(as_text=True), query
    body = client.get(f"/rounds/{round_.id}?round_id=999").get_data(as_text=True)
    assert f"/rounds/{round_.id}?page=2" in body


def test_a_round_date_in_year_one_is_a_form_error_not_a_crash(admin_client):
    round_ = make_round("upcoming")
    from tests.rounds.test_rounds import valid_form

    response = admin_client.post_form(f"/rounds/{round_.id}/edit", valid_form(round_.department, round_.categories, submission_opens_at="0001-01-01T01:00"))
    assert response.status_code == 422
    assert "Enter a date between the years 2000 and 2100." in response.get_data(as_text=True)


def test_draft_rounds_answer_404_to_everyone_but_their_managers(client, app_ctx):
    round_ = make_round("draft")
    user = make_user()
    client.login(user.email)
    assert client.get(f"/rounds/{round_.id}/edit").status_code == 404
    assert client.post_form(f"/rounds/{round_.id}/schedule").status_code == 404


def test_a_published_rounds_times_cannot_move_into_the_past(admin_client):
    from tests.rounds.test_rounds import valid_form

    round_ = make_round("upcoming")
    past = (now() - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    form = valid_form(round_.department, round_.categories, submission_opens_at=past)
    response = admin_client.post_form(f"/rounds/{round_.id}/edit", form)
    assert "A published round&#39;s times can only move to the future." in response.get_data(as_text=True)


def test_a_title_change_on_an_open_round_is_not_refused_for_seconds(admin_client):
    from participation.core.time import to_local
    from participation.rounds.models import Round
    from tests.rounds.test_rounds import valid_form

    round_ = make_round("submission")  # created with seconds in every time
    form = valid_form(
        round_.department, round_.categories, title="새 제목",
        **{name: to_local(getattr(round_, name)).strftime("%Y-%m-%dT%H:%M")
           for name in ("submission_opens_at", "submission_closes_at", "voting_opens_at", "voting_closes_at")},
    )
    assert admin_client.post_form(f"/rounds/{round_.id}/edit", form).status_code == 302
    assert db.session.get(Round, round_.id).title == "새 제목"


def test_categories_cannot_be_removed_once_a_round_opened_and_rules_freeze_when_voting_starts(admin_client):
    from participation.core.time import to_local
    from tests.rounds.test_rounds import valid_form

    def keep_times(round_):
        return {name: to_local(getattr(round_, name)).strftime("%Y-%m-%dT%H:%M")
                for name in ("submission_opens_at", "submission_closes_at", "voting_opens_at", "voting_closes_at")}

    department = make_round("submission").department
    open_round = make_round("submission", department=department, categories=[make_category(department), make_category(department)])
    form = valid_form(department, open_round.categories[:1], **keep_times(open_round))
    response = admin_client.post_form(f"/rounds/{open_round.id}/edit", form)
    assert "Categories cannot be removed once the round has opened" in response.get_data(as_text=True)

    voting = make_round("voting", department=department)
    form = valid_form(voting.department, voting.categories, **keep_times(voting), **{"tiers-0-threshold": "10"})
    response = admin_client.post_form(f"/rounds/{voting.id}/edit", form)
    assert "Voting has started: its rules and response tiers can no longer change." in response.get_data(as_text=True)


def test_an_idea_whose_category_was_retired_can_still_be_edited(client, app_ctx):
    round_ = make_round("submission")
    author = make_user()
    idea = make_idea(round_, author)
    idea.category.retired_at = now()
    db.session.commit()
    client.login(author.email)
    form = {"title": "고친 제목", "body": idea.body, "category_id": str(idea.category_id), "district_id": "", "latitude": "", "longitude": ""}
    response = client.post_form(f"/ideas/{idea.id}/edit", form, token_from=f"/ideas/{idea.id}/edit", content_type="multipart/form-data")
    assert response.status_code == 302
    assert db.session.get(Idea, idea.id).title == "고친 제목"


def test_photo_files_follow_the_transaction(app, app_ctx):
    folder = Path(app.config["UPLOAD_FOLDER"]) / "photos"
    token = store(process_photo(io.BytesIO(jpeg_bytes())), folder)
    assert (folder / f"{token}.jpg").exists()
    db.session.execute(db.text("SELECT 1"))
    db.session.rollback()
    assert not (folder / f"{token}.jpg").exists() and not (folder / f"{token}-thumb.jpg").exists()
    kept = store(process_photo(io.BytesIO(jpeg_bytes())), folder)
    db.session.execute(db.text("SELECT 1"))
    db.session.commit()
    assert (folder / f"{kept}.jpg").exists()


def test_a_large_phone_jpeg_is_decoded_at_reduced_scale(app_ctx):
    photo = process_photo(io.BytesIO(jpeg_bytes(size=(8000, 6000))))  # 48 megapixels
    assert max(photo.width, photo.height) == 2048
