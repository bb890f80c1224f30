"""Comments and reports are limited per account and per connection; comment votes per account.
Each answer says what happened."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import func, select

from participation.deliberation.models import Comment, CommentVote, Flag
from participation.extensions import db
from tests.deliberation.helpers import post, signed_in, text_of
from tests.factories import make_idea, make_round, make_user

TOO_MANY_COMMENTS = "You are posting faster than we allow, to keep discussions fair. Please wait 1 minute and try again."
TOO_MANY_REPORTS = "You have sent many reports in a short time. Please wait"
TOO_MANY_VOTES = "You are voting on comments faster than we allow. Please wait 1 minute and try again."


@pytest.fixture
def idea(app_ctx):
    return make_idea(make_round("voting"))


@contextmanager
def limits(app, **values):
    saved = {name: app.config[name] for name in values}
    app.config.update(values)
    try:
        yield
    finally:
        app.config.update(saved)


def comments() -> int:
    return db.session.scalar(select(func.count()).select_from(Comment))


def test_the_default_limits_are_configured(app):
    assert app.config["COMMENT_LIMIT_PER_ACCOUNT"] == "6 per minute; 60 per hour"
    assert app.config["COMMENT_LIMIT_PER_IP"] == "30 per minute; 300 per hour"
    assert app.config["FLAG_LIMIT_PER_ACCOUNT"] == "20 per hour"
    assert app.config["FLAG_LIMIT_PER_IP"] == "60 per hour"
    assert app.config["COMMENT_VOTE_LIMIT_PER_ACCOUNT"] == "60 per minute"


def test_comments_are_limited_per_account(app, idea, make_client):
    with limits(app, COMMENT_LIMIT_PER_ACCOUNT="2 per minute"):
        client = signed_in(make_client, make_user())
        for n in range(2):
            assert client.post_form(f"/threads/idea/{idea.id}/comments", {"stance": "for", "body": f"댓글 {n}"}).status_code == 302
        response = client.post_form(f"/threads/idea/{idea.id}/comments", {"stance": "for", "body": "세 번째 댓글"})
        assert response.status_code == 429
        assert TOO_MANY_COMMENTS in text_of(response)
        assert int(response.headers["Retry-After"]) > 0
        json = client.post_form(f"/threads/idea/{idea.id}/comments", {"stance": "for", "body": "또"}, headers={"Accept": "application/json"})
        assert json.status_code == 429 and json.get_json()["error"]["code"] == "rate_limited"
        # Reading is not limited, and someone else from the same connection still posts.
        assert client.get(f"/ideas/{idea.id}").status_code == 200
        other = signed_in(make_client, make_user())
        assert other.post_form(f"/threads/idea/{idea.id}/comments", {"stance": "for", "body": "다른 사람"}).status_code == 302
    assert comments() == 3


def test_edits_count_towards_the_account_limit(app, idea, make_client):
    author = make_user()
    comment = post(author, idea, "원래 글")
    with limits(app, COMMENT_LIMIT_PER_ACCOUNT="2 per minute"):
        client = signed_in(make_client, author)
        for n in range(2):
            assert client.post_form(f"/comments/{comment.id}/edit", {"stance": "for", "body": f"수정 {n}"}).status_code == 302
        response = client.post_form(f"/comments/{comment.id}/edit", {"stance": "for", "body": "수정 또"})
        assert response.status_code == 429 and TOO_MANY_COMMENTS in text_of(response)
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).body == "수정 1"


def test_comments_are_limited_per_connection_across_accounts(app, idea, make_client):
    with limits(app, COMMENT_LIMIT_PER_IP="3 per minute"):
        people = [signed_in(make_client, make_user()) for _ in range(4)]
        for n, client in enumerate(people[:3]):
            assert client.post_form(f"/threads/idea/{idea.id}/comments", {"stance": "for", "body": f"댓글 {n}"}).status_code == 302
        response = people[3].post_form(f"/threads/idea/{idea.id}/comments", {"stance": "for", "body": "네 번째 사람"})
        assert response.status_code == 429 and TOO_MANY_COMMENTS in text_of(response)
        elsewhere = people[3].post_form(
            f"/threads/idea/{idea.id}/comments", {"stance": "for", "body": "다른 곳에서"}, environ_base={"REMOTE_ADDR": "203.0.113.9"}
        )
        assert elsewhere.status_code == 302
    assert comments() == 4


def test_reports_are_limited_per_account(app, idea, make_client):
    targets = [post(make_user(), idea, f"댓글 {n}") for n in range(3)]
    with limits(app, FLAG_LIMIT_PER_ACCOUNT="2 per hour"):
        client = signed_in(make_client, make_user())
        for target in targets[:2]:
            assert client.post_form(f"/comments/{target.id}/flag", {"reason": "spam"}).status_code == 302
        response = client.post_form(f"/ideas/{idea.id}/flag", {"reason": "spam"})
        assert response.status_code == 429 and TOO_MANY_REPORTS in text_of(response)
    assert db.session.scalar(select(func.count()).select_from(Flag)) == 2


def test_reports_are_limited_per_connection_across_accounts(app, idea, make_client):
    targets = [post(make_user(), idea, f"댓글 {n}") for n in range(3)]
    with limits(app, FLAG_LIMIT_PER_IP="2 per hour"):
        people = [signed_in(make_client, make_user()) for _ in range(3)]
        assert people[0].post_form(f"/comments/{targets[0].id}/flag", {"reason": "spam"}).status_code == 302
        assert people[1].post_form(f"/ideas/{idea.id}/flag", {"reason": "spam"}).status_code == 302
        response = people[2].post_form(f"/comments/{targets[1].id}/flag", {"reason": "spam"})
        assert response.status_code == 429 and TOO_MANY_REPORTS in text_of(response)
        json = people[2].post_form(f"/comments/{targets[1].id}/flag", {"reason": "spam"}, headers={"Accept": "application/json"})
        assert json.status_code == 429
        assert json.get_json()["error"]["code"] == "rate_limited" and TOO_MANY_REPORTS in json.get_json()["error"]["message"]
        # The report page still opens, and the same person elsewhere still reports.
        assert people[2].get(f"/comments/{targets[1].id}/flag").status_code == 200
        elsewhere = people[2].post_form(
            f"/comments/{targets[2].id}/flag", {"reason": "spam"}, environ_base={"REMOTE_ADDR": "203.0.113.9"}
        )
        assert elsewhere.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Flag)) == 3


def votes() -> int:
    return db.session.scalar(select(func.count()).select_from(CommentVote))


def test_comment_votes_are_limited_per_account_with_a_json_or_page_answer(app, idea, make_client):
    targets = [post(make_user(), idea, f"댓글 {n}") for n in range(4)]
    json_headers = {"Accept": "application/json"}
    with limits(app, COMMENT_VOTE_LIMIT_PER_ACCOUNT="2 per minute"):
        client = signed_in(make_client, make_user())
        for target in targets[:2]:
            response = client.post_form(f"/comments/{target.id}/vote", {"value": "up"}, headers=json_headers)
            assert response.status_code == 200 and response.get_json()["ok"] is True
        # The in-place buttons get JSON they can show next to the button.
        refused = client.post_form(f"/comments/{targets[2].id}/vote", {"value": "up"}, headers=json_headers)
        assert refused.status_code == 429
        error = refused.get_json()["error"]
        assert error["code"] == "rate_limited" and error["message"] == TOO_MANY_VOTES
        # A plain form post gets a page that says the same.
        page = client.post_form(f"/comments/{targets[2].id}/vote", {"value": "down"})
        assert page.status_code == 429 and TOO_MANY_VOTES in text_of(page)
        assert int(page.headers["Retry-After"]) > 0
        # Someone else on the same connection still votes.
        other = signed_in(make_client, make_user())
        assert other.post_form(f"/comments/{targets[3].id}/vote", {"value": "up"}, headers=json_headers).status_code == 200
    assert votes() == 3
