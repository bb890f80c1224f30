"""Moderators need not wait for reports: they can put any comment or idea up for a decision."""
from __future__ import annotations

from sqlalchemy import select

from participation.deliberation.models import Comment, ModerationAction, ModerationItem
from participation.extensions import db
from participation.ideas.models import Idea
from tests.deliberation.helpers import post
from tests.factories import make_idea, make_round, make_user


def _moderator(make_client):
    client = make_client()
    client.login(make_user(roles={"moderator"}).email)
    client.use_english()
    return client


def test_a_moderator_raises_a_comment_and_hides_it_with_a_reason(make_client, app_ctx):
    idea = make_idea(make_round("voting"))
    comment = post(make_user(), idea, "연락처는 010-1234-5678 입니다")
    moderator = _moderator(make_client)
    assert "Moderate" in moderator.get(f"/ideas/{idea.id}").get_data(as_text=True)
    response = moderator.post_form(f"/moderation/comments/{comment.id}")
    item = db.session.scalar(select(ModerationItem))
    assert response.status_code == 302 and response.location.endswith(f"/moderation/items/{item.id}")
    assert item.reason == "moderator" and item.comment_id == comment.id
    page = moderator.get(f"/moderation/items/{item.id}").get_data(as_text=True)
    assert "010-1234-5678" in page and "Raised by a moderator" in page
    # Raising it again opens no second item.
    moderator.post_form(f"/moderation/comments/{comment.id}")
    assert db.session.query(ModerationItem).count() == 1
    decided = moderator.post_form(
        f"/moderation/items/{item.id}",
        {f"item-{item.id}-decision": "hide", f"item-{item.id}-reason": "personal_data", f"item-{item.id}-note": "전화번호는 지워 주세요"},
    )
    assert decided.status_code == 302
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).status == "hidden"
    action = db.session.scalar(select(ModerationAction))
    assert (action.action, action.reason) == ("hidden", "personal_data")
    assert moderator.get(f"/moderation/items/{item.id}").status_code == 404  # decided items leave the queue


def test_a_moderator_raises_an_idea(make_client, app_ctx):
    idea = make_idea(make_round("voting"))
    moderator = _moderator(make_client)
    response = moderator.post_form(f"/moderation/ideas/{idea.id}")
    item = db.session.scalar(select(ModerationItem))
    assert response.status_code == 302 and item.idea_id == idea.id
    moderator.post_form(f"/moderation/items/{item.id}", {f"item-{item.id}-decision": "hide", f"item-{item.id}-reason": "spam"})
    db.session.expire_all()
    assert db.session.get(Idea, idea.id).status == "hidden"


def test_residents_cannot_raise_items(resident_client):
    idea = make_idea(make_round("voting"))
    comment = post(make_user(), idea, "평범한 의견")
    assert resident_client.post_form(f"/moderation/comments/{comment.id}").status_code == 403
    assert "Moderate" not in resident_client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert db.session.query(ModerationItem).count() == 0


def test_the_comment_links_built_by_string_match_the_routes(app):
    """The thread template builds each comment's links as /comments/<id>/... without url_for."""
    from flask import url_for

    with app.test_request_context():
        for endpoint, suffix in (
            ("deliberation.comment", ""),
            ("deliberation.vote_comment", "/vote"),
            ("deliberation.edit_comment", "/edit"),
            ("deliberation.delete_comment", "/delete"),
            ("deliberation.flag_comment", "/flag"),
        ):
            assert url_for(endpoint, comment_id=42) == url_for("deliberation.comment", comment_id=1)[:-1] + "42" + suffix


def test_hidden_and_held_comments_leak_neither_words_nor_author_through_report_or_reply_pages(resident_client):
    from participation.core.time import now
    from participation.deliberation import services

    idea = make_idea(make_round("voting"))
    hidden = post(make_user(display_name="숨김작성자"), idea, "숨겨진 비밀 내용")
    hidden.status = "hidden"
    held_author = make_user(display_name="대기작성자")
    held = services.post_comment(held_author, idea, "for", "광고 [여기](https://spam.example.com)", None, now())
    db.session.commit()
    assert held.status == "held"
    page = resident_client.get(f"/comments/{hidden.id}/flag")
    assert page.status_code == 403 and "숨겨진 비밀 내용" not in page.get_data(as_text=True)
    assert resident_client.get(f"/threads/idea/{idea.id}/comments?parent={held.id}").status_code == 404
    reply_form = resident_client.get(f"/threads/idea/{idea.id}/comments?parent={hidden.id}").get_data(as_text=True)
    assert "숨김작성자" not in reply_form and "숨겨진 비밀 내용" not in reply_form
