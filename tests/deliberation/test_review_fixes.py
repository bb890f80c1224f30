"""Defects a review of deliberation found, each pinned: never-published comments stay out of
the thread, one lock order, fresh state under the lock, reviews per decision, suspensions
that never shrink, held comments of deleted accounts, withdrawn ideas out of the queue."""
from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from participation.accounts import services as account_services
from participation.core.db import write_transaction
from participation.core.errors import ServiceError
from participation.core.time import now
from participation.deliberation import services
from participation.deliberation.models import BODY_MAX, Comment, ModerationAction, ModerationItem, Thread
from participation.extensions import db
from participation.ideas import services as idea_services
from participation.ideas.models import Idea
from tests.deliberation.helpers import comment_ids, flag, open_item_for, post, signed_in, text_of, visitor
from tests.factories import make_idea, make_round, make_user
from tests.voting.test_concurrency import run_in_parallel


@pytest.fixture
def idea(app_ctx):
    return make_idea(make_round("voting"), title="골목길 가로등 교체")


def decide(moderator, target, decision, reason, note=None, at=None):
    item = open_item_for(**({"comment": target} if isinstance(target, Comment) else {"idea": target}))
    action = services.decide(moderator, item, decision, reason, note, at or now())
    db.session.commit()
    return action


# --- (3) a held comment that is turned down was never published ---------------------------------


def test_a_turned_down_held_comment_is_never_shown_in_public(idea, make_client):
    newcomer = make_user()
    held = post(newcomer, idea, "싸게 팝니다 https://spam.example.com")
    decide(make_user(roles={"moderator"}), held, "hide", "spam", "광고입니다")
    assert db.session.get(Comment, held.id).status == "rejected"
    page = visitor(make_client).get(f"/ideas/{idea.id}")
    assert held.id not in comment_ids(page)
    other = signed_in(make_client, make_user()).get(f"/ideas/{idea.id}")
    assert held.id not in comment_ids(other)
    assert other.status_code == 200 and "삭제" not in text_of(other).split("골목길")[0]
    # Its author still sees it, with the reason and a way to ask for a review.
    mine = signed_in(make_client, newcomer).get(f"/ideas/{idea.id}")
    assert held.id in comment_ids(mine)
    assert f"/comments/{held.id}/review" in mine.get_data(as_text=True)
    # Its own page is not there for anyone else.
    assert visitor(make_client).get(f"/comments/{held.id}").status_code == 404
    # The public log says it was not published, not that something shown was hidden.
    assert db.session.scalar(select(ModerationAction.action).where(ModerationAction.comment_id == held.id)) == "rejected"


def test_a_turned_down_comment_can_be_approved_on_review(idea):
    newcomer = make_user()
    held = post(newcomer, idea, "자료 https://data.example.com")
    moderator = make_user(roles={"moderator"})
    decide(moderator, held, "hide", "spam")
    services.request_review(newcomer, held, "공공 자료 링크입니다", now())
    db.session.commit()
    assert decide(moderator, held, "restore", "no_violation").action == "approved"
    assert held.status == "visible"
    db.session.refresh(idea)
    assert idea.comment_count == 1


# --- (8) held comments of deleted or suspended accounts -------------------------------------------------


def test_deleting_an_account_deletes_its_held_comments_and_closes_their_items(idea):
    newcomer = make_user(password="correct horse battery 9")
    held = post(newcomer, idea, "링크 https://promo.example.com")
    shown = post(newcomer, idea, "링크 없는 의견")
    assert open_item_for(comment=held) is not None
    with write_transaction():
        account_services.delete_account(newcomer, "correct horse battery 9", now())
    db.session.expire_all()
    assert db.session.get(Comment, held.id).status == "deleted"
    assert db.session.get(Comment, held.id).body == ""
    assert open_item_for(comment=held) is None
    assert db.session.get(Comment, shown.id).status == "visible"  # published words stay, as from a deleted account


def test_a_suspended_authors_held_comment_cannot_be_approved_until_the_suspension_ends(idea):
    newcomer = make_user()
    held = post(newcomer, idea, "링크 https://promo.example.com")
    moderator = make_user(roles={"moderator"})
    services.suspend(moderator, newcomer, 3, "spam", None, now())
    db.session.commit()
    with pytest.raises(ServiceError) as refused:
        decide(moderator, held, "restore", "no_violation")
    assert refused.value.code == "author_suspended"
    db.session.rollback()
    assert open_item_for(comment=held) is not None  # still waiting; nothing changed
    assert decide(moderator, held, "restore", "no_violation", at=now() + timedelta(days=4)).action == "approved"


# --- (9) withdrawn ideas ---------------------------------------------------------------------------------


def test_withdrawing_a_reported_idea_closes_its_queue_item_and_keeps_the_reason(idea):
    author = idea.author
    flag(make_user(), idea, "off_topic")
    assert open_item_for(idea=idea) is not None
    with write_transaction():
        idea_services.withdraw_idea(author, idea, "다른 제안과 합칩니다", now())
    assert open_item_for(idea=idea) is None
    moderator = make_user(roles={"moderator"})
    with pytest.raises(ServiceError) as refused:
        with write_transaction():
            services.raise_for_decision(moderator, db.session.get(Idea, idea.id), now())
    assert refused.value.code == "not_listed"
    db.session.expire_all()
    withdrawn = db.session.get(Idea, idea.id)
    assert (withdrawn.status, withdrawn.status_note) == ("withdrawn", "다른 제안과 합칩니다")
    with pytest.raises(ServiceError):
        idea_services.hide_idea(withdrawn, "spam", now())


# --- (10) one review per decision -------------------------------------------------------------------------


def test_a_review_can_be_asked_once_for_each_decision_to_hide(idea):
    author = make_user()
    comment = post(author, idea, "논란이 된 의견")
    moderator = make_user(roles={"moderator"})
    services.raise_for_decision(moderator, comment, now())
    db.session.commit()
    decide(moderator, comment, "hide", "abuse", at=now())
    assert services.may_request_review(author, comment)
    services.request_review(author, comment, None, now() + timedelta(minutes=1))
    db.session.commit()
    assert not services.may_request_review(author, comment)
    with pytest.raises(ServiceError):
        services.request_review(author, comment, None, now() + timedelta(minutes=2))
    db.session.rollback()
    decide(moderator, comment, "restore", "no_violation", at=now() + timedelta(minutes=3))
    # Hidden again later by a new decision: a new review may be asked.
    services.raise_for_decision(moderator, comment, now() + timedelta(minutes=4))
    db.session.commit()
    decide(moderator, comment, "hide", "abuse", at=now() + timedelta(minutes=5))
    assert services.may_request_review(author, comment)
    assert not services.may_request_review(make_user(), comment)


def test_a_review_of_a_hidden_idea_is_once_per_decision_even_while_its_item_is_open(idea):
    for _ in range(3):
        flag(make_user(), idea, "spam")
    assert idea.status == "hidden"
    services.request_review(idea.author, idea, "광고가 아닙니다", now() + timedelta(minutes=1))
    db.session.commit()
    assert not services.may_request_review(idea.author, idea)


# --- (11) dismissing reports on something never hidden ------------------------------------------------------


def test_keeping_a_reported_comment_is_logged_as_dismissed_not_restored(idea):
    comment = post(make_user(), idea, "평범한 의견")
    flag(make_user(), comment, "abuse")
    action = decide(make_user(roles={"moderator"}), comment, "restore", "no_violation")
    assert action.action == "dismissed"
    assert comment.status == "visible"
    assert open_item_for(comment=comment) is None


# --- (13) a shorter suspension never cuts a longer one short ------------------------------------------------


def test_a_shorter_suspension_does_not_replace_a_longer_one(app_ctx):
    moderator, user = make_user(roles={"moderator"}), make_user()
    services.suspend(moderator, user, 30, "abuse", None, now())
    db.session.commit()
    until = user.suspended_until
    with pytest.raises(ServiceError) as refused:
        services.suspend(moderator, user, 1, "abuse", None, now())
    assert refused.value.code == "longer_suspension"
    db.session.rollback()
    assert db.session.get(type(user), user.id).suspended_until == until
    services.suspend(moderator, user, 90, "abuse", None, now())  # longer is fine
    db.session.commit()
    assert user.suspended_until > until


# --- (14) editing a link in after replies --------------------------------------------------------------------


def test_a_new_account_cannot_edit_a_link_into_a_comment_that_has_replies(idea):
    newcomer = make_user()
    comment = post(newcomer, idea, "링크 없음")
    post(make_user(), idea, "답글", parent=comment)
    with pytest.raises(ServiceError) as refused:
        services.edit_comment(newcomer, comment, "for", "이제 링크 https://promo.example.com", now())
    assert refused.value.code == "link_after_reply"
    db.session.rollback()
    assert db.session.get(Comment, comment.id).body == "링크 없음"


# --- (15) line breaks count once ------------------------------------------------------------------------------


def test_a_comment_at_the_limit_with_crlf_line_breaks_is_accepted(idea):
    lines = ["가" * 99] * (BODY_MAX // 100)
    body = "\r\n".join(lines)  # as a browser sends it: 3,000 characters with \n, more with \r\n
    assert len(body.replace("\r\n", "\n")) <= BODY_MAX < len(body)
    comment = post(make_user(), idea, body)
    assert "\r" not in comment.body and len(comment.body) <= BODY_MAX


def test_a_comment_at_the_limit_with_crlf_posts_over_http(idea, make_client):
    body = "\r\n".join(["나" * 99] * (BODY_MAX // 100))
    client = signed_in(make_client, make_user())
    response = client.post_form(f"/threads/idea/{idea.id}/comments", {"stance": "for", "body": body, "parent_id": ""})
    assert response.status_code == 302, text_of(response)[:500]


# --- (7) the parent is checked as it is under the lock --------------------------------------------------------


def test_a_reply_to_a_comment_deleted_meanwhile_is_refused(idea):
    parent = post(make_user(), idea, "원글")
    stale = db.session.get(Comment, parent.id)
    db.session.execute(Comment.__table__.update().where(Comment.id == parent.id).values(status="deleted", body="", body_html=""))
    db.session.commit()
    stale.__dict__["status"] = "visible"  # as the request loaded it, before the delete
    with pytest.raises(ServiceError) as refused:
        services.post_comment(make_user(), idea, "for", "답글", stale, now())
    assert refused.value.code == "parent_not_visible"
    db.session.rollback()


# --- (5) and (6): counts stay true and nothing deadlocks under parallel writes ----------------------------------


def test_parallel_posts_deletes_flags_and_decisions_keep_counts_true(app, app_ctx):
    idea = make_idea(make_round("voting"))
    authors = [make_user() for _ in range(8)]
    reporters = [make_user() for _ in range(6)]
    moderator = make_user(roles={"moderator"})
    seeded = [post(a, idea, f"처음 의견 {n}") for n, a in enumerate(authors)]
    services.raise_for_decision(moderator, seeded[0], now())
    services.raise_for_decision(moderator, seeded[1], now())
    db.session.commit()
    idea_id, moderator_id = idea.id, moderator.id
    author_ids, reporter_ids = [a.id for a in authors], [r.id for r in reporters]
    seeded_ids = [c.id for c in seeded]

    def get_user(user_id):
        from participation.accounts.models import User

        return db.session.get(User, user_id)

    def attempt(action):
        try:
            with write_transaction():
                action()
        except ServiceError:
            pass  # a refusal (already flagged, already decided) is fine; a 503 or deadlock is not

    def writer(n):
        def task():
            user_id = author_ids[n]
            for k in range(3):
                attempt(lambda k=k: services.post_comment(get_user(user_id), db.session.get(Idea, idea_id), "for", f"의견 {n}-{k}", None, now()))
            attempt(lambda: services.delete_comment(get_user(user_id), db.session.get(Comment, seeded_ids[n]), now()))
        return task

    def reporter(n):
        def task():
            targets = seeded_ids[:]
            random.Random(n).shuffle(targets)
            for comment_id in targets[:4]:
                attempt(lambda c=comment_id: services.flag(get_user(reporter_ids[n]), db.session.get(Comment, c), "abuse", None, now()))
        return task

    def moderating():
        for comment_id in seeded_ids[:2]:
            def act(comment_id=comment_id):
                item = db.session.scalar(
                    select(ModerationItem).where(ModerationItem.comment_id == comment_id, ModerationItem.closed_at.is_(None))
                )
                if item is not None:
                    services.decide(get_user(moderator_id), item, "hide", "abuse", None, now())
            attempt(act)

    run_in_parallel(app, [writer(n) for n in range(8)] + [reporter(n) for n in range(6)] + [moderating])
    db.session.commit()
    db.session.expire_all()
    visible = db.session.scalar(select(func.count()).select_from(Comment).where(Comment.status == "visible"))
    assert db.session.get(Idea, idea_id).comment_count == visible
    assert db.session.scalar(select(Thread.comment_count)) == visible
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 8 + 24
