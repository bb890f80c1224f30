"""Submitting, editing, updating and withdrawing ideas, each step on the public timeline."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from participation.extensions import db
from participation.ideas.models import Idea, IdeaPhoto
from tests.factories import jpeg_bytes, make_district, make_idea, make_round, make_user

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def submit(client, round_, files=(), **overrides):
    data = {
        "title": "햇살공원에 그늘막을 설치해 주세요",
        "body": "여름에 아이들이 놀 수 없을 만큼 **덥습니다**.",
        "category_id": str(round_.categories[0].id),
        "district_id": "",
        "latitude": "",
        "longitude": "",
    }
    data.update(overrides)
    data["photos"] = [(io.BytesIO(content), name) for content, name in files]
    return client.post_form(
        f"/rounds/{round_.id}/ideas/new", data, token_from=f"/rounds/{round_.id}/ideas/new?title=x", content_type="multipart/form-data"
    )


def test_submitting_an_idea_with_a_photo_and_a_location(resident_client, app):
    round_ = make_round("submission")
    response = submit(resident_client, round_, files=[(jpeg_bytes(), "그늘막.jpg")], latitude="37.5665", longitude="126.978")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    idea = db.session.scalar(select(Idea))
    assert idea.author == resident_client.user and idea.status == "published"
    assert (idea.latitude, idea.longitude) == (37.5665, 126.978)
    assert [(c.event, c.from_status, c.to_status) for c in idea.timeline] == [("submitted", None, "published")]
    photo = idea.photos[0]
    folder = Path(app.config["UPLOAD_FOLDER"]) / "photos"
    assert (folder / photo.filename).exists() and (folder / photo.thumbnail_filename).exists()
    page = resident_client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "<strong>덥습니다</strong>" in page and "37.56650, 126.97800" in page and "Submitted" in page
    served = resident_client.get(f"/media/photos/{photo.filename}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"


def test_the_form_starts_with_the_title_and_shows_similar_ideas_before_submitting(resident_client):
    round_ = make_round("submission")
    make_idea(round_, title="햇살공원 어린이 놀이터에 그늘막 설치", body="여름 놀이터가 너무 덥습니다.")
    start = resident_client.get(f"/rounds/{round_.id}/ideas/new")
    assert start.status_code == 200 and 'method="get"' in start.get_data(as_text=True)
    form = resident_client.get(f"/rounds/{round_.id}/ideas/new?title=놀이터 그늘막").get_data(as_text=True)
    assert "Similar ideas in this round" in form and "햇살공원 어린이 놀이터에 그늘막 설치" in form
    assert 'value="놀이터 그늘막"' in form
    # And again when the final submit is refused for another reason.
    refused = submit(resident_client, round_, title="놀이터 그늘막", body="")
    assert refused.status_code == 422 and "햇살공원 어린이 놀이터에 그늘막 설치" in refused.get_data(as_text=True)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": "가" * 121}, "Use at most 120 characters."),
        ({"title": ""}, "Enter a title."),
        ({"body": "가" * 10_001}, "Use at most 10000 characters."),
        ({"body": ""}, "Describe your idea."),
        ({"category_id": ""}, "Choose a category."),
        ({"category_id": "999999"}, "Choose one of the options."),
        ({"district_id": "999999"}, "Choose one of the options."),
        ({"latitude": "37.5"}, "Give both latitude and longitude, or neither."),
        ({"latitude": "91", "longitude": "127"}, "The location must be in Korea: latitude between 33.0 and 38.9."),
        ({"latitude": "37.5", "longitude": "east"}, "Not a valid float value."),
    ],
)
def test_bad_fields_are_refused_on_the_form(resident_client, overrides, message):
    round_ = make_round("submission")
    response = submit(resident_client, round_, **overrides)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(Idea)) is None


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([(b"\xff\xd8\xff" + b"0" * (6 * 1024 * 1024), "big.jpg")], "Each photo must be 5 MB or smaller."),
        ([(b"%PDF-1.4\n%%EOF", "document.jpg")], "Photos must be JPEG, PNG or WebP images."),
        ([(b'<svg xmlns="http://www.w3.org/2000/svg"/>', "drawing.svg")], "Photos must be JPEG, PNG or WebP images."),
        ([(jpeg_bytes(), "photo.jpg")] * 4, "An idea can have at most 3 photos."),
    ],
)
def test_bad_photos_are_refused_on_the_form_and_nothing_is_stored(resident_client, app, files, message):
    round_ = make_round("submission")
    response = submit(resident_client, round_, files=files)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(Idea)) is None
    folder = Path(app.config["UPLOAD_FOLDER"]) / "photos"
    assert not folder.exists() or not any(folder.iterdir())


def test_a_path_in_the_file_name_is_ignored(resident_client, app):
    round_ = make_round("submission")
    response = submit(resident_client, round_, files=[(jpeg_bytes(), "../../../etc/passwd.jpg")])
    assert response.status_code == 302
    photo = db.session.scalar(select(IdeaPhoto))
    assert "passwd" not in photo.token and ".." not in photo.filename
    stored = list((Path(app.config["UPLOAD_FOLDER"]) / "photos").iterdir())
    assert {p.name for p in stored} == {photo.filename, photo.thumbnail_filename}


def test_script_payloads_in_every_text_field_render_inert(resident_client):
    round_ = make_round("submission")
    submit(resident_client, round_, title=PAYLOAD, body=PAYLOAD)
    idea = db.session.scalar(select(Idea))
    resident_client.post_form(f"/ideas/{idea.id}/updates", {"body": PAYLOAD}, token_from=f"/ideas/{idea.id}")
    resident_client.post_form(f"/ideas/{idea.id}/withdraw", {"reason": PAYLOAD})
    for url in (f"/ideas/{idea.id}", f"/rounds/{round_.id}", "/ideas"):
        body = resident_client.get(url).get_data(as_text=True)
        assert "<script>alert" not in body and "<img src=x" not in body
        assert not re.search(r"<[^>]*onerror", body), url


def test_submission_outside_the_window_is_refused(resident_client):
    for phase in ("upcoming", "review", "voting", "closed"):
        round_ = make_round(phase)
        assert resident_client.get(f"/rounds/{round_.id}/ideas/new?title=x").status_code == 403
        assert submit(resident_client, round_).status_code == 403
    assert db.session.scalar(select(Idea)) is None


def test_visitors_are_sent_to_sign_in(client, app_ctx):
    round_ = make_round("submission")
    response = client.get(f"/rounds/{round_.id}/ideas/new")
    assert response.status_code == 302 and "/login" in response.location


def test_a_district_outside_the_rounds_area_is_refused(resident_client):
    inside_gu, outside_gu = make_district("새봄구"), make_district("푸른구")
    outside = make_district("강변동", parent=outside_gu)
    round_ = make_round("submission", districts=[inside_gu])
    response = submit(resident_client, round_, district_id=str(outside.id))
    assert response.status_code == 422  # not even offered as a choice
    inside = make_district("햇살동", parent=inside_gu)
    assert submit(resident_client, round_, district_id=str(inside.id)).status_code == 302


def test_author_edits_until_the_first_vote_then_only_adds_updates(resident_client):
    round_ = make_round("submission")
    idea = make_idea(round_, resident_client.user, title="처음 제목")
    edit = {"title": "고친 제목", "body": "고친 내용", "category_id": str(round_.categories[0].id), "district_id": "",
            "latitude": "", "longitude": ""}
    response = resident_client.post_form(f"/ideas/{idea.id}/edit", edit, token_from=f"/ideas/{idea.id}/edit", content_type="multipart/form-data")
    assert response.status_code == 302
    idea = db.session.get(Idea, idea.id)
    assert idea.title == "고친 제목" and idea.edited_at is not None
    assert [c.event for c in idea.timeline] == ["submitted", "edited"]

    idea.vote_count = 1  # the first vote (the voting service keeps this counter)
    db.session.commit()
    assert resident_client.get(f"/ideas/{idea.id}/edit").status_code == 403
    page = resident_client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "Voting on this idea has begun" in page
    response = resident_client.post_form(f"/ideas/{idea.id}/updates", {"body": "서명 120명을 모았습니다."}, token_from=f"/ideas/{idea.id}")
    assert response.status_code == 302
    page = resident_client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "서명 120명을 모았습니다." in page and "Update posted" in page


def test_author_can_add_and_remove_photos_while_editing(resident_client):
    round_ = make_round("submission")
    submit(resident_client, round_, files=[(jpeg_bytes(), "a.jpg"), (jpeg_bytes(colour=(0, 0, 255)), "b.jpg")])
    idea = db.session.scalar(select(Idea))
    first_id, first_token = idea.photos[0].id, idea.photos[0].token
    edit = {"title": idea.title, "body": idea.body, "category_id": str(idea.category_id), "district_id": "",
            "latitude": "", "longitude": "", "remove_photo_ids": [str(first_id)]}
    edit["photos"] = [(io.BytesIO(jpeg_bytes(colour=(0, 255, 0))), "c.jpg")]
    response = resident_client.post_form(f"/ideas/{idea.id}/edit", edit, token_from=f"/ideas/{idea.id}/edit", content_type="multipart/form-data")
    assert response.status_code == 302
    idea = db.session.get(Idea, idea.id)
    assert len(idea.photos) == 2 and first_id not in [p.id for p in idea.photos]
    assert resident_client.get(f"/media/photos/{first_token}.jpg").status_code == 404


def test_only_the_author_may_edit_or_withdraw(client, app_ctx):
    round_ = make_round("submission")
    idea = make_idea(round_)
    other = make_user()
    client.login(other.email)
    assert client.get(f"/ideas/{idea.id}/edit").status_code == 403
    assert client.post_form(f"/ideas/{idea.id}/withdraw", {"reason": "x"}).status_code == 403
    assert client.post_form(f"/ideas/{idea.id}/updates", {"body": "x"}).status_code == 403


def test_withdrawing_needs_a_reason_and_leaves_a_public_tombstone(resident_client, make_client, app_ctx):
    round_ = make_round("voting")
    idea = make_idea(round_, resident_client.user, title="철회할 제안", body="비밀스럽지 않은 본문")
    response = resident_client.post_form(f"/ideas/{idea.id}/withdraw", {"reason": ""}, token_from=f"/ideas/{idea.id}/withdraw")
    assert response.status_code == 422 and "Give a reason." in response.get_data(as_text=True)
    response = resident_client.post_form(f"/ideas/{idea.id}/withdraw", {"reason": "비슷한 제안에 힘을 보태려고"})
    assert response.status_code == 302
    idea = db.session.get(Idea, idea.id)
    assert idea.status == "withdrawn"
    assert [(c.event, c.from_status, c.to_status, c.note) for c in idea.timeline][-1] == (
        "withdrawn", "published", "withdrawn", "비슷한 제안에 힘을 보태려고"
    )
    visitor = make_client()
    page = visitor.get(f"/ideas/{idea.id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "철회할 제안" in body and "비슷한 제안에 힘을 보태려고" in body
    assert "비밀스럽지 않은 본문" not in body  # content is not shown to the public once withdrawn
    assert "비밀스럽지 않은 본문" in resident_client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "철회할 제안" not in visitor.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert "철회할 제안" not in visitor.get("/ideas?q=철회할").get_data(as_text=True)
    # Withdrawn once is final.
    assert resident_client.get(f"/ideas/{idea.id}/withdraw").status_code == 403


def test_withdrawal_after_close_is_refused(resident_client):
    round_ = make_round("closed")
    idea = make_idea(round_, resident_client.user)
    assert resident_client.post_form(f"/ideas/{idea.id}/withdraw", {"reason": "늦었지만"}).status_code == 403


def test_hidden_and_withdrawn_ideas_are_treated_alike(client, app_ctx):
    round_ = make_round("voting")
    hidden = make_idea(round_, title="숨겨진 제안 공원", status="hidden")
    withdrawn = make_idea(round_, title="철회된 제안 공원", status="withdrawn")
    shown = make_idea(round_, title="보이는 제안 공원")
    for url in (f"/rounds/{round_.id}", "/ideas", "/ideas?q=공원", f"/rounds/{round_.id}?q=제안"):
        body = client.get(url).get_data(as_text=True)
        assert shown.title in body and hidden.title not in body and withdrawn.title not in body, url
    for idea in (hidden, withdrawn):
        page = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
        assert idea.title in page and "쉴 곳이 필요합니다." not in page
    similar = client.get(f"/rounds/{round_.id}/similar?title=제안 공원").json["ideas"]
    assert [i["id"] for i in similar] == [shown.id]


def test_photos_of_unlisted_ideas_are_not_served_to_the_public(client, make_client, app_ctx):
    from participation.ideas.photos import process_photo

    round_ = make_round("voting")
    author = make_user()
    idea = make_idea(round_, author, photos=[process_photo(io.BytesIO(jpeg_bytes()))])
    token = idea.photos[0].token
    assert client.get(f"/media/photos/{token}.jpg").headers["Cache-Control"] == "no-cache"
    idea.status = "hidden"
    db.session.commit()
    assert client.get(f"/media/photos/{token}.jpg").status_code == 404
    owner = make_client()
    owner.login(author.email)
    response = owner.get(f"/media/photos/{token}-thumb.jpg")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"
    assert client.get("/media/photos/../../config.py").status_code == 404
    assert client.get("/media/photos/notatoken.jpg").status_code == 404


def test_ideas_in_a_draft_round_do_not_exist_for_the_public(client, app_ctx):
    round_ = make_round("draft")
    assert client.get(f"/rounds/{round_.id}/similar?title=x").status_code == 404


def test_update_and_withdrawal_texts_over_their_limits_are_refused(resident_client):
    round_ = make_round("voting")
    idea = make_idea(round_, resident_client.user)
    response = resident_client.post_form(f"/ideas/{idea.id}/updates", {"body": "가" * 2001}, token_from=f"/ideas/{idea.id}")
    assert response.status_code == 422 and "Use at most 2000 characters." in response.get_data(as_text=True)
    response = resident_client.post_form(f"/ideas/{idea.id}/withdraw", {"reason": "가" * 501})
    assert response.status_code == 422 and "Use at most 500 characters." in response.get_data(as_text=True)
    idea = db.session.get(Idea, idea.id)
    assert idea.status == "published" and idea.updates == []
