"""Visitors get briefly kept copies of an idea's page (core.pagecache); every write that
changes what they may read there drops those copies, so hidden or taken-back words never linger."""
from __future__ import annotations

import pytest

from participation.core.pagecache import forget_pages
from participation.deliberation.models import CommentStatus
from participation.extensions import db
from tests.deliberation.helpers import decision_form, open_item_for, post, signed_in, text_of, visitor
from tests.factories import make_idea, make_round, make_user


@pytest.fixture
def page_cache(app):
    """Kept pages for a whole minute: longer than any test, so only forgetting can refresh them."""
    app.config["PAGE_CACHE_SECONDS"] = 60
    forget_pages()
    yield
    app.config["PAGE_CACHE_SECONDS"] = 0
    forget_pages()


@pytest.fixture
def idea(app_ctx, page_cache):
    return make_idea(make_round("voting"), title="놀이터 그늘막 설치")


def _report(make_client, target_path: str, times: int = 3) -> None:
    for _ in range(times):
        reporter = signed_in(make_client, make_user())
        assert reporter.post_form(f"{target_path}/flag", {"reason": "abuse"}).status_code == 302


def test_the_page_is_kept_for_visitors_until_something_changes(idea, make_client):
    """The premise: a visitor's page is kept, so a change made behind the web's back stays unseen."""
    reader = visitor(make_client)
    assert "놀이터 그늘막 설치" in text_of(reader.get(f"/ideas/{idea.id}"))
    post(make_user(), idea, "서비스로 바로 쓴 댓글")
    assert "서비스로 바로 쓴 댓글" not in text_of(reader.get(f"/ideas/{idea.id}"))


def test_a_comment_hidden_by_three_reports_leaves_the_visitors_page(idea, make_client):
    comment = post(make_user(), idea, "아주 무례한 말입니다")
    reader = visitor(make_client)
    assert "아주 무례한 말입니다" in text_of(reader.get(f"/ideas/{idea.id}"))

    _report(make_client, f"/comments/{comment.id}", times=2)
    assert "아주 무례한 말입니다" in text_of(reader.get(f"/ideas/{idea.id}"))  # still shown after two
    _report(make_client, f"/comments/{comment.id}", times=1)
    db.session.expire_all()
    assert comment.status == CommentStatus.HIDDEN

    page = text_of(reader.get(f"/ideas/{idea.id}"))
    assert "아주 무례한 말입니다" not in page
    assert "Hidden by moderation." in page
    assert "아주 무례한 말입니다" not in text_of(visitor(make_client).get(f"/ideas/{idea.id}"))


def test_a_moderators_decision_shows_at_once_either_way(idea, make_client):
    comment = post(make_user(), idea, "판단을 기다리는 댓글")
    moderator = signed_in(make_client, make_user(roles={"moderator"}))
    reader = visitor(make_client)
    assert "판단을 기다리는 댓글" in text_of(reader.get(f"/ideas/{idea.id}"))

    assert moderator.post(f"/moderation/comments/{comment.id}", data={"csrf_token": moderator.csrf_token()}).status_code == 302
    item = open_item_for(comment=comment)
    assert moderator.post_form(f"/moderation/items/{item.id}", decision_form(item.id, "hide", "abuse")).status_code == 302
    assert "판단을 기다리는 댓글" not in text_of(reader.get(f"/ideas/{idea.id}"))

    assert moderator.post(f"/moderation/comments/{comment.id}", data={"csrf_token": moderator.csrf_token()}).status_code == 302
    item = open_item_for(comment=comment)
    assert moderator.post_form(f"/moderation/items/{item.id}", decision_form(item.id, "restore", "no_violation")).status_code == 302
    assert "판단을 기다리는 댓글" in text_of(reader.get(f"/ideas/{idea.id}"))


def test_an_authors_post_edit_and_delete_show_at_once(idea, make_client):
    author = signed_in(make_client, make_user())
    reader = visitor(make_client)
    assert "Discussion" in text_of(reader.get(f"/ideas/{idea.id}"))

    response = author.post_form(f"/threads/idea/{idea.id}/comments", {"stance": "for", "body": "처음 쓴 말"})
    assert response.status_code == 302
    comment_id = int(response.location.rsplit("-", 1)[1])
    assert "처음 쓴 말" in text_of(reader.get(f"/ideas/{idea.id}"))

    assert author.post_form(f"/comments/{comment_id}/edit", {"stance": "for", "body": "고쳐 쓴 말"}).status_code == 302
    page = text_of(reader.get(f"/ideas/{idea.id}"))
    assert "고쳐 쓴 말" in page and "처음 쓴 말" not in page

    assert author.post_form(f"/comments/{comment_id}/delete", {}).status_code == 302
    assert "고쳐 쓴 말" not in text_of(reader.get(f"/ideas/{idea.id}"))


def test_an_idea_hidden_by_reports_loses_its_words_for_visitors(app_ctx, page_cache, make_client):
    idea = make_idea(make_round("voting"), title="신고될 제안", body="숨겨질 제안 본문입니다.")
    reader = visitor(make_client)
    assert "숨겨질 제안 본문입니다." in text_of(reader.get(f"/ideas/{idea.id}"))
    _report(make_client, f"/ideas/{idea.id}")
    assert "숨겨질 제안 본문입니다." not in text_of(reader.get(f"/ideas/{idea.id}"))
