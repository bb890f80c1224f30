"""Bad input to threads, reports and moderation: a clear message or nothing at all, never a script, never a 500."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from participation.core.errors import ServiceError
from participation.core.time import now
from participation.deliberation import services
from participation.deliberation.models import Comment, CommentVote, Flag, ModerationAction
from participation.extensions import db
from tests.deliberation.helpers import (
    active_markup_problems,
    decision_form,
    flag,
    open_item_for,
    post,
    signed_in,
    text_of,
    visitor,
)
from tests.factories import make_idea, make_round, make_user

PAYLOADS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))"]


@pytest.fixture
def idea(app_ctx):
    return make_idea(make_round("voting"))


def comment_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(Comment))


# --- scripts ---------------------------------------------------------------------------------------


def test_script_payloads_never_reach_a_page_unescaped(idea, make_client):
    attacker = make_user()
    client = signed_in(make_client, attacker)
    for payload in PAYLOADS:
        response = client.post_form(f"/threads/idea/{idea.id}/comments", {"stance": "for", "body": f"의견 {payload}"})
        assert response.status_code == 302, payload
    first, second, third = db.session.scalars(select(Comment).order_by(Comment.id)).all()
    assert "<script" not in first.body_html and "<img" not in second.body_html and "javascript:" not in third.body_html
    assert all(c.status == "visible" for c in (first, second, third))  # no live link, so nothing waits for review
    reply = post(attacker, idea, " ".join(PAYLOADS), stance="against", parent=first)
    # Up votes make the payloads the "most agreed" comments, which the summary quotes.
    voters = [make_user() for _ in range(3)]
    for voter in voters:
        services.vote_comment(voter, first, 1, now())
        services.vote_comment(voter, reply, 1, now())
    db.session.commit()
    # Reports carry the payloads as their words; three hide `second`, two leave `reply` in the queue.
    for voter, payload in zip(voters, PAYLOADS, strict=True):
        flag(voter, second, "other", payload)
    for voter, payload in zip(voters[:2], PAYLOADS[:2], strict=True):
        flag(voter, reply, "other", payload)
    moderator_user = make_user(roles={"moderator"})
    services.decide(moderator_user, open_item_for(comment=second), "hide", "abuse", " ".join(PAYLOADS), now())
    services.request_review(attacker, db.session.get(Comment, second.id), " ".join(PAYLOADS), now())
    db.session.commit()

    moderator = signed_in(make_client, moderator_user)
    anonymous = visitor(make_client)
    pages = {
        "thread (visitor)": anonymous.get(f"/ideas/{idea.id}"),
        "thread (best first)": anonymous.get(f"/ideas/{idea.id}?sort=best"),
        "thread (author)": client.get(f"/ideas/{idea.id}"),
        "thread (moderator)": moderator.get(f"/ideas/{idea.id}"),
        "comment page": anonymous.get(f"/comments/{reply.id}"),
        "hidden comment page (author)": client.get(f"/comments/{second.id}"),
        "reply form": signed_in(make_client, voters[0]).get(f"/threads/idea/{idea.id}/comments?parent={first.id}"),
        "flag form": signed_in(make_client, make_user()).get(f"/comments/{first.id}/flag"),
        "edit form": client.get(f"/comments/{third.id}/edit"),
        "delete form": client.get(f"/comments/{third.id}/delete"),
        "queue": moderator.get("/moderation"),
        "log": anonymous.get("/moderation/log"),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        assert active_markup_problems(response) == [], name
    # The words are there, as text.
    assert "alert(1)" in pages["thread (visitor)"].text
    # The summary quotes the sanitized words as plain text, as the comment itself reads: never the raw input.
    best = pages["thread (visitor)"].text.split('<div class="best-comments">', 1)[1].split("</div>", 1)[0]
    assert "<p>의견 alert(1)</p>" in best and "&lt;script" not in best
    queue = pages["queue"].text
    for payload in ("&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(1)&gt;", "[x](javascript:alert(1))"):
        assert payload in queue
    assert "&lt;img src=x onerror=alert(1)&gt;" in pages["thread (author)"].text  # the moderator's note, to its author


def test_a_flag_text_is_kept_verbatim_for_the_moderators(idea):
    comment = post(make_user(), idea)
    row = flag(make_user(), comment, "other", PAYLOADS[0])
    assert row.text == PAYLOADS[0]


# --- comments -------------------------------------------------------------------------------------------


BAD_COMMENTS = [
    ({"stance": "for", "body": ""}, "Write something before posting."),
    ({"stance": "for", "body": "   \n\t "}, "Write something before posting."),
    ({"stance": "for", "body": "가" * 3001}, "A comment can be at most 3000 characters."),
    ({"stance": "maybe", "body": "입장이 이상해요"}, "Not a valid choice"),
    ({"stance": "", "body": "입장이 없어요"}, "Choose for, against or neutral."),
    ({"body": "입장 필드가 없어요"}, "Choose for, against or neutral."),
]


def test_a_comment_form_refuses_bad_values_with_a_message(idea, make_client):
    clients = [signed_in(make_client, make_user()) for _ in range(2)]  # each account may post 6 a minute
    for n, (data, message) in enumerate(BAD_COMMENTS):
        response = clients[n % 2].post_form(f"/threads/idea/{idea.id}/comments", data)
        assert response.status_code == 422, data
        assert message in text_of(response), data
        if data.get("body", "").strip():
            assert f'{data["body"]}</textarea>' in response.text  # the text is kept
    assert comment_rows() == 0


def test_the_longest_comment_is_accepted_and_one_more_character_is_not(idea):
    author = make_user()
    assert len(post(author, idea, "가" * 3000).body) == 3000
    with pytest.raises(ServiceError) as refused:
        services.post_comment(author, idea, "for", "가" * 3001, None, now())
    db.session.rollback()
    assert refused.value.code == "too_long" and refused.value.field == "body"
    with pytest.raises(ServiceError) as refused:
        services.post_comment(author, idea, "maybe", "입장", None, now())
    db.session.rollback()
    assert refused.value.code == "bad_stance"
    assert comment_rows() == 1


BAD_PARENTS = ["999999", "2147483647", "2147483648", "99999999999999999999", "-1", "0x10", "abc", "1.5"]


def test_a_reply_to_a_parent_that_does_not_exist_is_not_found(idea, make_client):
    post(make_user(), idea)
    clients = [signed_in(make_client, make_user()) for _ in range(2)]
    for n, parent_id in enumerate(BAD_PARENTS):
        client = clients[n % 2]
        response = client.post_form(f"/threads/idea/{idea.id}/comments", {"stance": "for", "body": "답글", "parent_id": parent_id})
        assert response.status_code == 404, parent_id
        assert client.get(f"/threads/idea/{idea.id}/comments?parent={parent_id}").status_code == 404, parent_id
    assert comment_rows() == 1


def test_a_reply_to_a_comment_of_another_thread_is_not_found(idea, make_client):
    elsewhere = post(make_user(), make_idea(idea.round, title="다른 아이디어"), "다른 곳의 댓글")
    client = signed_in(make_client, make_user())
    response = client.post_form(f"/threads/idea/{idea.id}/comments", {"stance": "for", "body": "엉뚱한 답글", "parent_id": str(elsewhere.id)})
    assert response.status_code == 404
    assert client.get(f"/threads/idea/{idea.id}/comments?parent={elsewhere.id}").status_code == 404
    assert comment_rows() == 1
    # The service refuses it too.
    with pytest.raises(ServiceError) as refused:
        services.post_comment(make_user(), idea, "for", "엉뚱한 답글", elsewhere, now())
    db.session.rollback()
    assert refused.value.code == "wrong_thread"


MISSING = [
    "/comments/99999999999999999999",
    "/comments/2147483648",
    "/comments/999999",
    "/comments/999999/edit",
    "/comments/999999/delete",
    "/comments/999999/flag",
    "/comments/999999/review",
    "/ideas/99999999999999999999/flag",
    "/ideas/999999/review",
    "/threads/idea/99999999999999999999/comments",
    "/threads/idea/999999/comments",
    "/threads/round/1/comments",
    "/threads/nothing/1/comments",
]


def test_ids_that_do_not_exist_are_not_found(idea, make_client):
    client = signed_in(make_client, make_user())
    for url in MISSING:
        assert client.get(url).status_code == 404, url
        if not url.split("/")[-1].isdigit():  # a comment's own page only answers GET
            assert client.post_form(url, {"stance": "for", "body": "x", "reason": "spam"}).status_code == 404, url


def test_huge_ids_in_moderation_routes_are_not_found(app_ctx, make_client):
    moderator = signed_in(make_client, make_user(roles={"moderator"}))
    for item_id in ("999999", "2147483648", "99999999999999999999"):
        assert moderator.post_form(f"/moderation/items/{item_id}", decision_form(1, "hide", "spam")).status_code == 404
        assert moderator.get(f"/moderation/users/{item_id}/suspend").status_code == 404
    for vote_url in ("/comments/99999999999999999999/vote", "/comments/999999/vote"):
        assert moderator.post_form(vote_url, {"value": "up"}).status_code == 404


def test_a_vote_must_be_up_or_down(idea, make_client):
    comment = post(make_user(), idea)
    client = signed_in(make_client, make_user())
    for value in ("", "sideways", "1", "UP", "up down"):
        response = client.post_form(f"/comments/{comment.id}/vote", {"value": value}, headers={"Accept": "application/json"})
        assert response.status_code == 400, value
        assert response.get_json()["error"] == {"code": "bad_value", "message": "Choose up or down."}
    plain_form = client.post_form(f"/comments/{comment.id}/vote", {"value": "sideways"}, follow_redirects=True)
    assert plain_form.status_code == 200 and "Choose up or down." in plain_form.text
    assert db.session.scalar(select(func.count()).select_from(CommentVote)) == 0


BAD_REPORTS = [
    ({"reason": "rude"}, "Not a valid choice"),
    ({"reason": ""}, "Choose a reason."),
    ({}, "Choose a reason."),
    ({"reason": "spam", "text": "가" * 501}, "Keep it under 500 characters."),
]


def test_a_report_needs_a_known_reason(idea, make_client):
    comment = post(make_user(), idea)
    client = signed_in(make_client, make_user())
    for data, message in BAD_REPORTS:
        response = client.post_form(f"/comments/{comment.id}/flag", data)
        assert response.status_code == 422 and message in response.text, data
    assert db.session.scalar(select(func.count()).select_from(Flag)) == 0


def test_a_moderator_note_and_a_review_note_have_a_limit(idea, make_client):
    comment = post(make_user(), idea)
    flag(make_user(), comment, "spam")
    item = open_item_for(comment=comment)
    moderator = signed_in(make_client, make_user(roles={"moderator"}))
    response = moderator.post_form(f"/moderation/items/{item.id}", decision_form(item.id, "hide", "spam", "가" * 1001))
    assert response.status_code == 422 and "Keep it under 1000 characters." in response.text
    assert db.session.scalar(select(func.count()).select_from(ModerationAction)) == 0


# --- a garbage sweep ------------------------------------------------------------------------------------

GARBAGE = [
    "",
    "가" * 5000,
    "'; DROP TABLE comments; --<script>alert(1)</script>",
    "-1",
    "99999999999999999999999",
    "\u202e\u200b😀",
    "\x00",
]
FIELDS = ["stance", "body", "parent_id", "reason", "text", "note", "value", "next", "days", "decision"]


def test_no_deliberation_form_answers_garbage_with_a_server_error(app, idea, make_client):
    author = make_user()
    comment = post(author, idea, "대상 댓글")
    moderator_user = make_user(roles={"moderator"})
    mine = post(moderator_user, idea, "모더레이터의 댓글")
    flag(make_user(), comment, "spam")
    item = open_item_for(comment=comment)
    moderator = signed_in(make_client, moderator_user)
    anonymous = visitor(make_client)
    posts = [
        f"/threads/idea/{idea.id}/comments",
        f"/comments/{comment.id}/vote",
        f"/comments/{comment.id}/flag",
        f"/ideas/{idea.id}/flag",
        f"/comments/{mine.id}/edit",
        f"/moderation/items/{item.id}",
        f"/moderation/users/{author.id}/suspend",
    ]
    gets = [(moderator, f"/ideas/{idea.id}"), (moderator, "/moderation"), (moderator, f"/threads/idea/{idea.id}/comments"),
            (anonymous, f"/comments/{comment.id}"), (anonymous, "/moderation/log")]
    saved = app.config["COMMENT_LIMIT_PER_ACCOUNT"]
    app.config["COMMENT_LIMIT_PER_ACCOUNT"] = "1000 per minute"
    try:
        for value in GARBAGE:
            data = {name: value for name in FIELDS} | {f"item-{item.id}-{name}": value for name in ("decision", "reason", "note")}
            for url in posts:
                response = moderator.post_form(url, data)
                assert response.status_code < 500, (url, value, response.status_code)
            for client, url in gets:
                response = client.get(url, query_string={"page": value, "sort": value, "parent": value})
                assert response.status_code < 500, (url, value, response.status_code)
    finally:
        app.config["COMMENT_LIMIT_PER_ACCOUNT"] = saved
    # Nothing garbage got through.
    db.session.expire_all()
    assert comment_rows() == 2 and db.session.get(Comment, mine.id).body == "모더레이터의 댓글"
    assert db.session.scalar(select(func.count()).select_from(ModerationAction)) == 0
    assert db.session.scalar(select(func.count()).select_from(Flag)) == 1


def test_the_markup_check_catches_what_a_browser_would_run():
    class Page:
        def __init__(self, markup):
            self.markup = markup

        def get_data(self, as_text=True):
            return self.markup

    assert active_markup_problems(Page('<p><img src=x onerror=alert(1)></p>')) != []
    assert active_markup_problems(Page("<script>alert(1)</script>")) != []
    assert active_markup_problems(Page('<a href="javascript:alert(1)">x</a>')) != []
    assert active_markup_problems(Page("<p>&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt;</p>")) == []
    assert active_markup_problems(Page('<script src="/static/js/threads.js" defer></script>')) == []


def test_a_vote_goes_back_only_to_a_page_of_this_site(idea, make_client):
    comment = post(make_user(), idea)
    client = signed_in(make_client, make_user())
    for target in ("https://evil.example/", "//evil.example/", "/\t/evil.example"):
        response = client.post_form(f"/comments/{comment.id}/vote", {"value": "up", "next": target})
        assert response.status_code == 302
        assert response.location.endswith(f"/ideas/{idea.id}#comment-{comment.id}"), target
    response = client.post_form(f"/comments/{comment.id}/vote", {"value": "up", "next": f"/comments/{comment.id}"})
    assert response.location.endswith(f"/comments/{comment.id}")
