"""Threads: replies three levels deep, editing for 15 minutes, soft delete, comment votes, sorting,
pagination, folded replies, the for/against summary, the official badge and the comment count."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

import participation.deliberation.views as deliberation_views
from participation.core.errors import ServiceError
from participation.core.time import now
from participation.deliberation import reading, services
from participation.deliberation.models import (
    EDIT_WINDOW,
    MAX_DEPTH,
    PER_PAGE,
    REPLIES_SHOWN,
    Comment,
    CommentVote,
    Thread,
)
from participation.extensions import db
from tests.deliberation.helpers import (
    bulk_thread,
    comment_ids,
    english,
    flag,
    post,
    signed_in,
    text_of,
    visible_count,
    visitor,
)
from tests.factories import make_department, make_idea, make_round, make_user


@pytest.fixture
def idea(app_ctx):
    return make_idea(make_round("voting"))


# --- threading --------------------------------------------------------------------------------


def test_replies_go_three_levels_deep_and_no_deeper(idea):
    alice, bob = make_user(), make_user()
    chain = [post(alice, idea, "깊이 0")]
    for depth in range(1, MAX_DEPTH + 1):
        chain.append(post(bob if depth % 2 else alice, idea, f"깊이 {depth}", parent=chain[-1]))
    assert [c.depth for c in chain] == [0, 1, 2, 3]
    assert {c.root_id for c in chain} == {chain[0].id}
    assert [c.parent_id for c in chain] == [None, chain[0].id, chain[1].id, chain[2].id]
    assert db.session.get(Comment, chain[2].id).reply_count == 1

    with pytest.raises(ServiceError) as refused:
        services.post_comment(bob, idea, "for", "너무 깊은 답글", chain[3], now())
    db.session.rollback()
    assert refused.value.code == "too_deep"
    assert english(refused.value.message) == "Replies go at most 3 levels deep. Reply to an earlier comment instead."
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 4


def test_a_too_deep_reply_over_http_is_refused_with_its_text_kept(idea, make_client):
    alice, bob = make_user(), make_user()
    chain = [post(alice, idea, "맨 위")]
    for depth in range(1, MAX_DEPTH + 1):
        chain.append(post(alice, idea, f"깊이 {depth}", parent=chain[-1]))
    client = signed_in(make_client, bob)

    page = client.get(f"/ideas/{idea.id}")
    # Reply links stop at the deepest level.
    assert f"/threads/idea/{idea.id}/comments?parent={chain[2].id}" in page.text
    assert f"/threads/idea/{idea.id}/comments?parent={chain[3].id}" not in page.text
    form_page = client.get(f"/threads/idea/{idea.id}/comments?parent={chain[3].id}")
    assert form_page.status_code == 200
    assert "Replies go at most 3 levels deep. Reply to an earlier comment instead." in text_of(form_page)

    response = client.post_form(
        f"/threads/idea/{idea.id}/comments", {"stance": "against", "body": "제 긴 답글을 잃고 싶지 않아요", "parent_id": str(chain[3].id)}
    )
    assert response.status_code == 422
    page_text = text_of(response)
    assert "Replies go at most 3 levels deep. Reply to an earlier comment instead." in page_text
    assert "제 긴 답글을 잃고 싶지 않아요</textarea>" in page_text
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 4


def test_the_reply_form_quotes_the_parent_and_carries_its_id(idea, make_client):
    top = post(make_user(), idea, "벤치 색은 초록이 좋겠어요")
    client = signed_in(make_client, make_user())
    response = client.get(f"/threads/idea/{idea.id}/comments?parent={top.id}")
    assert response.status_code == 200
    assert "Reply to a comment" in response.text and "벤치 색은 초록이 좋겠어요" in response.text
    assert f'name="parent_id" type="hidden" value="{top.id}"' in response.text
    response = client.post_form(f"/threads/idea/{idea.id}/comments", {"stance": "neutral", "body": "저는 나무색이요", "parent_id": str(top.id)})
    assert response.status_code == 302
    assert response.location.endswith(f"/ideas/{idea.id}#comment-{top.id + 1}")
    reply = db.session.scalar(select(Comment).where(Comment.parent_id == top.id))
    assert (reply.depth, reply.root_id, reply.stance, reply.body) == (1, top.id, "neutral", "저는 나무색이요")


# --- editing -------------------------------------------------------------------------------------


def test_comments_can_be_edited_for_15_minutes_by_their_author(idea):
    alice, bob = make_user(), make_user()
    posted_at = now() - timedelta(hours=1)
    comment = post(alice, idea, "처음 글", at=posted_at)

    services.edit_comment(alice, comment, "against", "고친 **글**", posted_at + EDIT_WINDOW - timedelta(seconds=1))
    db.session.commit()
    assert (comment.body, comment.stance) == ("고친 **글**", "against")
    assert comment.body_html == "<p>고친 <strong>글</strong></p>"
    assert comment.edited_at == posted_at + EDIT_WINDOW - timedelta(seconds=1)

    with pytest.raises(ServiceError) as late:
        services.edit_comment(alice, comment, "for", "너무 늦은 수정", posted_at + EDIT_WINDOW)
    db.session.rollback()
    assert late.value.code == "not_editable"
    with pytest.raises(ServiceError) as stranger:
        services.edit_comment(bob, comment, "for", "남의 글 수정", posted_at + timedelta(minutes=1))
    db.session.rollback()
    assert stranger.value.code == "not_editable"
    assert db.session.get(Comment, comment.id).body == "고친 **글**"


def test_editing_over_http_marks_the_comment_edited_and_stops_after_15_minutes(idea, make_client, monkeypatch):
    alice = make_user()
    posted_at = now()
    comment = post(alice, idea, "수정 전 글", at=posted_at)
    client = signed_in(make_client, alice)
    monkeypatch.setattr(deliberation_views, "now", lambda: posted_at + timedelta(minutes=1))
    before = client.get(f"/ideas/{idea.id}")
    assert "· edited" not in before.text
    assert f"/comments/{comment.id}/edit" in before.text

    monkeypatch.setattr(deliberation_views, "now", lambda: posted_at + timedelta(minutes=14))
    assert client.get(f"/comments/{comment.id}/edit").status_code == 200
    response = client.post_form(f"/comments/{comment.id}/edit", {"stance": "for", "body": "수정한 글"})
    assert response.status_code == 302
    page = client.get(f"/ideas/{idea.id}")
    assert "수정한 글" in page.text and "수정 전 글" not in page.text
    assert "· edited" in page.text

    monkeypatch.setattr(deliberation_views, "now", lambda: posted_at + timedelta(minutes=16))
    assert f"/comments/{comment.id}/edit" not in client.get(f"/ideas/{idea.id}").text
    assert client.get(f"/comments/{comment.id}/edit").status_code == 403
    assert client.post_form(f"/comments/{comment.id}/edit", {"stance": "for", "body": "시간 지난 수정"}).status_code == 403
    assert db.session.get(Comment, comment.id).body == "수정한 글"

    other = signed_in(make_client, make_user())
    monkeypatch.setattr(deliberation_views, "now", lambda: posted_at + timedelta(minutes=2))
    assert other.post_form(f"/comments/{comment.id}/edit", {"stance": "for", "body": "남의 글"}).status_code == 403


def test_an_edit_that_empties_the_comment_is_refused_with_the_text_kept(idea, make_client):
    alice = make_user()
    comment = post(alice, idea, "원래 글")
    client = signed_in(make_client, alice)
    response = client.post_form(f"/comments/{comment.id}/edit", {"stance": "for", "body": "   "})
    assert response.status_code == 422
    assert "Write something before posting." in response.text
    too_long = client.post_form(f"/comments/{comment.id}/edit", {"stance": "for", "body": "가" * 3001})
    assert too_long.status_code == 422
    assert "A comment can be at most 3000 characters." in too_long.text
    assert db.session.get(Comment, comment.id).body == "원래 글"


# --- deleting -------------------------------------------------------------------------------------


def test_a_deleted_comment_leaves_a_placeholder_and_its_replies(idea, make_client):
    alice, bob = make_user(display_name="지우는사람"), make_user(display_name="답하는사람")
    top = post(alice, idea, "곧 지울 글입니다")
    reply = post(bob, idea, "그 글에 대한 답글", parent=top)
    client = signed_in(make_client, alice)
    confirm = client.get(f"/comments/{top.id}/delete")
    assert confirm.status_code == 200 and "곧 지울 글입니다" in confirm.text
    assert signed_in(make_client, bob).post_form(f"/comments/{top.id}/delete").status_code == 403

    response = client.post_form(f"/comments/{top.id}/delete")
    assert response.status_code == 302
    db.session.expire_all()
    deleted = db.session.get(Comment, top.id)
    assert (deleted.status, deleted.body, deleted.body_html) == ("deleted", "", "")
    assert deleted.deleted_at is not None
    assert db.session.get(Comment, reply.id).status == "visible"
    db.session.refresh(idea)
    assert idea.comment_count == 1

    page = visitor(make_client).get(f"/ideas/{idea.id}")
    assert "Deleted by its author." in page.text
    assert "곧 지울 글입니다" not in page.text and "지우는사람" not in page.text
    assert "그 글에 대한 답글" in page.text
    assert comment_ids(page) == [top.id, reply.id]
    # Nothing left to delete, and no replies to a placeholder.
    assert client.post_form(f"/comments/{top.id}/delete").status_code == 403
    with pytest.raises(ServiceError) as refused:
        services.post_comment(bob, idea, "for", "빈 자리에 답글", deleted, now())
    db.session.rollback()
    assert refused.value.code == "parent_not_visible"


# --- comment votes ------------------------------------------------------------------------------------


def test_voting_up_down_again_and_switching(idea):
    author, voter = make_user(), make_user()
    comment = post(author, idea)
    at = now()
    result = services.vote_comment(voter, comment, 1, at)
    assert (result.up, result.down, result.mine) == (1, 0, 1)
    result = services.vote_comment(voter, comment, 1, at)  # the same vote again takes it back
    assert (result.up, result.down, result.mine) == (0, 0, 0)
    result = services.vote_comment(voter, comment, -1, at)
    assert (result.up, result.down, result.mine) == (0, 1, -1)
    result = services.vote_comment(voter, comment, 1, at)  # the other vote replaces it
    assert (result.up, result.down, result.mine) == (1, 0, 1)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(CommentVote)) == 1
    stored = db.session.get(Comment, comment.id)
    assert (stored.up_count, stored.down_count) == (1, 0)
    assert stored.best_score == pytest.approx(services.wilson_lower_bound(1, 0))

    with pytest.raises(ServiceError) as own:
        services.vote_comment(author, comment, 1, at)
    assert own.value.code == "own_comment"
    with pytest.raises(ServiceError) as bad:
        services.vote_comment(voter, comment, 2, at)
    assert bad.value.code == "bad_value"
    db.session.rollback()


def test_one_vote_row_per_person_and_comment(idea):
    comment = post(make_user(), idea)
    voter = make_user()
    db.session.add(CommentVote(comment_id=comment.id, user_id=voter.id, value=1, created_at=now()))
    db.session.commit()
    db.session.add(CommentVote(comment_id=comment.id, user_id=voter.id, value=-1, created_at=now()))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_voting_over_http_with_json_and_with_a_plain_form(idea, make_client):
    author, voter = make_user(), make_user()
    comment = post(author, idea, "투표해 주세요")
    client = signed_in(make_client, voter)
    json_headers = {"Accept": "application/json"}
    response = client.post_form(f"/comments/{comment.id}/vote", {"value": "up"}, headers=json_headers)
    assert response.status_code == 200
    assert response.get_json() == {"ok": True, "up": 1, "down": 0, "mine": 1, "message": "You voted this comment up."}
    response = client.post_form(f"/comments/{comment.id}/vote", {"value": "down"}, headers=json_headers)
    assert response.get_json()["up"] == 0 and response.get_json()["down"] == 1 and response.get_json()["mine"] == -1
    response = client.post_form(f"/comments/{comment.id}/vote", {"value": "down"}, headers=json_headers)
    assert response.get_json() == {"ok": True, "up": 0, "down": 0, "mine": 0, "message": "Your vote was taken back."}

    # A plain form goes back to the page with a message.
    response = client.post_form(f"/comments/{comment.id}/vote", {"value": "up", "next": f"/ideas/{idea.id}"}, follow_redirects=True)
    assert response.status_code == 200 and "You voted this comment up." in response.text
    page = client.get(f"/ideas/{idea.id}")
    assert 'class="link-button vote-up chosen" aria-pressed="true"' in page.text

    own = signed_in(make_client, author)
    refused = own.post_form(f"/comments/{comment.id}/vote", {"value": "up"}, headers=json_headers)
    assert refused.status_code == 403
    assert refused.get_json() == {"ok": False, "error": {"code": "own_comment", "message": "You cannot vote on your own comment."}}
    refused = own.post_form(f"/comments/{comment.id}/vote", {"value": "up"}, follow_redirects=True)
    assert "You cannot vote on your own comment." in refused.text
    # The author sees the counts, but no buttons.
    assert "data-comment-vote-form" not in own.get(f"/ideas/{idea.id}").text
    db.session.expire_all()
    assert (db.session.get(Comment, comment.id).up_count, db.session.get(Comment, comment.id).down_count) == (1, 0)

    anonymous = make_client()
    assert anonymous.post_form(f"/comments/{comment.id}/vote", {"value": "up"}, headers=json_headers).status_code == 403
    assert "/login" in anonymous.post_form(f"/comments/{comment.id}/vote", {"value": "up"}).location


def test_wilson_lower_bound_needs_both_approval_and_enough_votes():
    wilson = services.wilson_lower_bound
    assert wilson(0, 0) == 0.0
    assert wilson(40, 5) > wilson(3, 0) > wilson(1, 0) > wilson(3, 3) > wilson(0, 1)
    assert 0.0 <= wilson(0, 10) < wilson(10, 0) < 1.0
    assert wilson(1, 0) == pytest.approx(0.2065, abs=1e-4)


# --- sorting, pagination, folded replies --------------------------------------------------------------


def _four_comments_with_votes(idea):
    """A (oldest, no votes), B (1 up), C (4 up), D (3 up, 3 down): best order C, B, D, A."""
    authors = [make_user() for _ in range(4)]
    start = now() - timedelta(hours=1)
    a, b, c, d = (post(authors[n], idea, f"댓글 {'ABCD'[n]}", at=start + timedelta(minutes=n)) for n in range(4))
    voters = [make_user() for _ in range(6)]
    for comment, ups, downs in ((b, 1, 0), (c, 4, 0), (d, 3, 3)):
        for n, voter in enumerate(voters[: ups + downs]):
            services.vote_comment(voter, comment, 1 if n < ups else -1, start + timedelta(minutes=10))
    db.session.commit()
    return a, b, c, d


def test_sorting_oldest_newest_and_best(idea, make_client):
    a, b, c, d = _four_comments_with_votes(idea)
    scores = {x.id: db.session.get(Comment, x.id).best_score for x in (a, b, c, d)}
    assert scores[c.id] > scores[b.id] > scores[d.id] > scores[a.id] == 0.0
    client = visitor(make_client)
    assert comment_ids(client.get(f"/ideas/{idea.id}")) == [a.id, b.id, c.id, d.id]
    assert comment_ids(client.get(f"/ideas/{idea.id}?sort=oldest")) == [a.id, b.id, c.id, d.id]
    assert comment_ids(client.get(f"/ideas/{idea.id}?sort=newest")) == [d.id, c.id, b.id, a.id]
    best = client.get(f"/ideas/{idea.id}?sort=best")
    assert comment_ids(best) == [c.id, b.id, d.id, a.id]
    assert f'href="/ideas/{idea.id}?sort=best#discussion" aria-current="true"' in best.text
    assert comment_ids(client.get(f"/ideas/{idea.id}?sort=<script>")) == [a.id, b.id, c.id, d.id]


def test_fifty_top_level_comments_a_page(idea, make_client):
    authors = [make_user() for _ in range(3)]
    tops = bulk_thread(idea, authors, tops=PER_PAGE * 2 + 7)
    client = visitor(make_client)
    first = client.get(f"/ideas/{idea.id}")
    assert comment_ids(first) == [t.id for t in tops[:PER_PAGE]]
    assert "Page 1 of 3" in first.text and f"({PER_PAGE * 2 + 7})" in first.text
    assert f'href="/ideas/{idea.id}?page=2"' in first.text
    second = client.get(f"/ideas/{idea.id}?page=2")
    assert comment_ids(second) == [t.id for t in tops[PER_PAGE : 2 * PER_PAGE]]
    last = client.get(f"/ideas/{idea.id}?page=3")
    assert comment_ids(last) == [t.id for t in tops[2 * PER_PAGE :]]
    newest = client.get(f"/ideas/{idea.id}?sort=newest&page=3")
    assert comment_ids(newest) == [t.id for t in reversed(tops[:7])]
    assert f"/ideas/{idea.id}?sort=newest&amp;page=2" in newest.text
    # Past the end shows the last page; nonsense shows the first.
    assert comment_ids(client.get(f"/ideas/{idea.id}?page=999")) == comment_ids(last)
    assert comment_ids(client.get(f"/ideas/{idea.id}?page=abc")) == comment_ids(first)


def test_replies_are_folded_and_capped_with_a_link_to_the_rest(idea, make_client):
    authors = [make_user() for _ in range(3)]
    (busy, quiet) = bulk_thread(idea, authors, tops=2, replies_per_top=0)
    first_reply = post(authors[1], idea, "첫 답글", parent=busy)
    nested = post(authors[2], idea, "답글의 답글", parent=first_reply)
    more = [post(authors[n % 3], idea, f"추가 답글 {n}", parent=busy) for n in range(REPLIES_SHOWN + 3)]
    total = REPLIES_SHOWN + 5  # first_reply, nested and the rest
    client = visitor(make_client)

    page = client.get(f"/ideas/{idea.id}")
    shown = comment_ids(page)
    assert shown[:3] == [busy.id, first_reply.id, nested.id]  # a reply sits under its parent
    assert shown[-1] == quiet.id
    replies_shown = [i for i in shown if i not in (busy.id, quiet.id)]
    assert len(replies_shown) == REPLIES_SHOWN
    assert replies_shown == [first_reply.id, nested.id] + [m.id for m in more[: REPLIES_SHOWN - 2]]
    assert f'<details class="replies" >\n    <summary>{total} replies</summary>' in page.text
    assert f'<a href="/comments/{busy.id}">See 5 more replies</a>' in page.text
    assert "more repl" not in page.text.split(f'id="comment-{quiet.id}"')[1]

    full = client.get(f"/comments/{busy.id}")
    assert full.status_code == 200
    assert comment_ids(full) == [busy.id, first_reply.id, nested.id] + [m.id for m in more]
    assert "more replies" not in full.text and "<details class=\"replies\" open>" in full.text
    # A reply's own page shows its whole conversation, with the reply highlighted.
    late = client.get(f"/comments/{more[-1].id}")
    assert comment_ids(late) == comment_ids(full)
    assert f'<li class="comment depth-1 comment-highlight" id="comment-{more[-1].id}">' in late.text
    assert client.get("/comments/999999").status_code == 404


# --- summary, badge, count ------------------------------------------------------------------------------


def test_the_summary_counts_stances_and_picks_the_most_agreed_comment_per_side(idea, make_client):
    people = [make_user() for _ in range(8)]
    for_plain = post(people[0], idea, "찬성하지만 조용히", stance="for")
    for_liked = post(people[1], idea, "찬성하는 이유가 분명합니다", stance="for")
    post(people[2], idea, "찬성 셋째", stance="for")
    against_liked = post(people[3], idea, "예산이 너무 큽니다", stance="against")
    post(people[4], idea, "반대 둘째", stance="against")
    post(people[5], idea, "잘 모르겠어요", stance="neutral")
    hidden = post(people[6], idea, "숨겨질 찬성", stance="for")
    for flagger in people[:3]:
        flag(flagger, hidden, "spam")
    gone = post(people[7], idea, "지운 반대", stance="against")
    services.delete_comment(people[7], gone, now())
    for voter in people[4:7]:
        services.vote_comment(voter, for_liked, 1, now())
    services.vote_comment(people[0], against_liked, 1, now())
    services.vote_comment(people[7], for_plain, -1, now())
    db.session.commit()

    summary = reading.summary(services.find_thread(idea))
    assert summary.counts == {"for": 3, "against": 2, "neutral": 1}
    assert summary.total == 6 and summary.share("for") == 50 and summary.share("against") == 33
    assert summary.best["for"].id == for_liked.id and summary.best["against"].id == against_liked.id

    page = visitor(make_client).get(f"/ideas/{idea.id}")
    box = page.text.split('class="thread-summary card"')[1].split("</div>\n</div>")[0]
    assert "3 comments" in box and "(50%)" in box and "2 comments" in box and "(33%)" in box and "1 comment " in box
    assert "Most agreed For" in box and "찬성하는 이유가 분명합니다" in box
    assert "Most agreed Against" in box and "예산이 너무 큽니다" in box
    assert f"/comments/{for_liked.id}" in box and "숨겨질 찬성" not in box


def test_no_most_agreed_comment_without_up_votes(idea):
    post(make_user(), idea, "찬성", stance="for")
    summary = reading.summary(services.find_thread(idea))
    assert summary.counts["for"] == 1
    assert summary.best == {"for": None, "against": None}
    assert reading.summary(None).total == 0


def test_officials_comments_carry_their_department(idea, make_client):
    parks = make_department(name_en="Parks Department")
    official = make_user(roles={"official"}, department=parks, display_name="공원과 담당자")
    resident = make_user(display_name="그냥 주민")
    answer = post(official, idea, "예산을 검토하겠습니다.", stance="neutral")
    plain = post(resident, idea, "감사합니다.")
    assert answer.official_department_id == parks.id and plain.official_department_id is None
    # The badge keeps the department the official wrote for.
    official.department = make_department(name_en="Roads Department")
    db.session.commit()
    page = visitor(make_client).get(f"/ideas/{idea.id}")
    official_li = page.text.split(f'id="comment-{answer.id}"')[1].split("</article>")[0]
    resident_li = page.text.split(f'id="comment-{plain.id}"')[1].split("</article>")[0]
    assert '<span class="badge badge-official">Official · Parks Department</span>' in official_li
    assert "badge-official" not in resident_li
    assert "Roads Department" not in page.text


def test_the_comment_count_is_the_number_of_visible_comments(idea, make_client):
    people = [make_user() for _ in range(5)]
    tops = [post(people[n], idea, f"댓글 {n}") for n in range(4)]
    post(people[4], idea, "답글", parent=tops[0])
    services.delete_comment(people[1], tops[1], now())
    for flagger in (people[0], people[3], people[4]):
        flag(flagger, tops[2], "off_topic")
    held = post(people[4], idea, "링크 https://spam.example.com 를 보세요")  # a new account's link
    assert held.status == "held"
    db.session.refresh(idea)
    thread = db.session.scalar(select(Thread))
    assert idea.comment_count == thread.comment_count == visible_count(thread.id) == 3
    page = visitor(make_client).get(f"/ideas/{idea.id}")
    assert '<h2 id="discussion-title">Discussion <span class="muted">(3)</span></h2>' in page.text


def test_a_comment_page_follows_its_subject(app_ctx, make_client):
    author = make_user()
    idea = make_idea(make_round("voting"), author)
    comment = post(make_user(), idea, "숨겨질 아이디어에 단 댓글")
    idea.status = "hidden"
    db.session.commit()
    assert visitor(make_client).get(f"/comments/{comment.id}").status_code == 404
    assert signed_in(make_client, make_user()).get(f"/comments/{comment.id}").status_code == 404
    for reader in (author, make_user(roles={"moderator"})):
        page = signed_in(make_client, reader).get(f"/comments/{comment.id}")
        assert page.status_code == 200 and "숨겨질 아이디어에 단 댓글" in page.text
