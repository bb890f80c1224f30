"""Who may comment on an idea's thread, for every role in every phase of its round, and read-only threads."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from participation.core.errors import ServiceError
from participation.core.time import now
from participation.deliberation import permissions, services
from participation.deliberation.models import Comment, Thread
from participation.extensions import db
from participation.rounds.models import Phase
from tests.deliberation.helpers import english, post, signed_in, text_of, visitor
from tests.factories import make_department, make_idea, make_round, make_user

PHASES = ["submission", "review", "voting", "closed", "published"]
ROLES = ["visitor", "resident", "official", "moderator", "admin", "suspended"]

# The discussion stays open after voting closes, until the outcome is published; then it is read-only.
#                       submission review voting closed published
COMMENT = {
    "visitor":   "-          -      -      -      -",
    "resident":  "Y          Y      Y      Y      -",
    "official":  "Y          Y      Y      Y      -",
    "moderator": "Y          Y      Y      Y      -",
    "admin":     "Y          Y      Y      Y      -",
    "suspended": "-          -      -      -      -",
}
PUBLISHED_MESSAGE = "The round's outcome is published, so this discussion is now read-only."


def expected(role: str, phase: str) -> bool:
    return COMMENT[role].split()[PHASES.index(phase)] == "Y"


class Anonymous:
    is_authenticated = False
    is_deleted = False
    id = None

    def has_role(self, role):
        return False


@pytest.fixture
def people(app_ctx):
    department = make_department()
    people = {"visitor": Anonymous()}
    for role in ROLES[1:]:
        roles = {role} if role in ("official", "moderator", "admin") else set()
        people[role] = make_user(roles=roles, department=department if role == "official" else None)
    people["suspended"].suspended_until = now() + timedelta(days=7)
    db.session.commit()
    return people


def idea_in(phase: str, *, comment_by=None, body: str = "다른 사람의 의견"):
    """An idea whose round is in `phase` now ("published": closed, with its outcome published),
    with a comment by `comment_by` written before the outcome was published; returns both."""
    round_ = make_round("closed" if phase == "published" else phase)
    idea = make_idea(round_)
    comment = post(comment_by, idea, body, at=round_.submission_opens_at + timedelta(hours=1)) if comment_by else None
    if phase == "published":
        round_.closed_at = round_.published_at = round_.voting_closes_at
        db.session.commit()
    assert round_.phase(now()) == Phase(phase)
    return idea, comment


@pytest.mark.parametrize("phase", PHASES)
def test_role_by_phase_matrix(people, phase):
    # Someone else's comment, written while the thread was open, to reply to and vote on.
    idea, other = idea_in(phase, comment_by=make_user())
    moment = now()
    failures = []
    for role in ROLES:
        user = people[role]
        want = expected(role, phase)
        for name, got in (
            ("can_comment", permissions.can_comment(user, idea, moment)),
            ("can_reply", permissions.can_reply(user, other, idea, moment)),
            ("can_vote_comment", permissions.can_vote_comment(user, other, idea, moment)),
        ):
            if got != want:
                failures.append(f"{name} {role} {phase}: {got}")
        if permissions.can_read_thread(user, idea, moment) is not True:
            failures.append(f"can_read_thread {role} {phase}")
    assert not failures, failures
    if phase == "published":
        assert english(permissions.closed_reason(idea, moment)) == PUBLISHED_MESSAGE
    else:
        assert permissions.closed_reason(idea, moment) is None


def test_nobody_comments_before_the_round_opens(people):
    idea, _ = idea_in("submission")
    before = idea.round.submission_opens_at - timedelta(hours=1)
    assert idea.round.phase(before) == Phase.UPCOMING
    assert english(permissions.closed_reason(idea, before)) == "This round has not opened yet."
    assert not any(permissions.can_comment(people[role], idea, before) for role in ROLES)


def test_a_suspension_ends_on_time(people):
    idea, _ = idea_in("voting")
    user = people["suspended"]
    assert not permissions.can_comment(user, idea, now())
    assert permissions.can_comment(user, idea, user.suspended_until)
    assert not permissions.can_flag(user, now()) and permissions.can_flag(people["resident"], now())


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("withdrawn", "This idea was withdrawn, so its discussion is closed."),
        ("hidden", "This idea is hidden while moderators review it, so its discussion is paused."),
    ],
)
def test_withdrawn_and_hidden_ideas_have_closed_threads(people, status, message):
    author = make_user()
    idea = make_idea(make_round("voting"), author)
    earlier = post(make_user(), idea, "숨겨지기 전 의견")
    idea.status = status
    db.session.commit()
    moment = now()
    assert english(permissions.closed_reason(idea, moment)) == message
    for user in (author, *people.values()):
        assert not permissions.can_comment(user, idea, moment)
        assert not permissions.can_reply(user, earlier, idea, moment)
    # Only the author and the moderators still read what was said.
    assert permissions.can_read_thread(author, idea, moment) and permissions.can_read_thread(people["moderator"], idea, moment)
    assert not permissions.can_read_thread(people["resident"], idea, moment)
    with pytest.raises(ServiceError) as refused:
        services.post_comment(author, idea, "for", "그래도 쓸래요", None, moment)
    db.session.rollback()
    assert refused.value.code == "thread_closed" and english(refused.value.message) == message


def test_a_published_thread_is_read_only_over_http(app_ctx, make_client):
    author = make_user()
    idea, earlier = idea_in("published", comment_by=author, body="결과 발표 전의 의견")
    client = signed_in(make_client, make_user())

    page = client.get(f"/ideas/{idea.id}")
    assert page.status_code == 200
    assert PUBLISHED_MESSAGE in text_of(page) and "결과 발표 전의 의견" in page.text
    assert "Join the discussion" not in page.text and "data-comment-vote-form" not in page.text
    assert f"comments?parent={earlier.id}" not in page.text

    response = client.post_form(f"/threads/idea/{idea.id}/comments", {"stance": "for", "body": "늦은 의견입니다"})
    assert response.status_code == 422
    assert PUBLISHED_MESSAGE in text_of(response) and "늦은 의견입니다</textarea>" in response.text
    reply = client.post_form(f"/threads/idea/{idea.id}/comments", {"stance": "for", "body": "늦은 답글", "parent_id": str(earlier.id)})
    assert reply.status_code == 422 and PUBLISHED_MESSAGE in text_of(reply)
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 1

    vote = client.post_form(f"/comments/{earlier.id}/vote", {"value": "up"}, headers={"Accept": "application/json"})
    assert vote.status_code == 403 and vote.get_json()["error"]["code"] == "not_allowed"
    db.session.expire_all()
    assert db.session.get(Comment, earlier.id).up_count == 0
    # The author can still take their words back.
    assert signed_in(make_client, author).post_form(f"/comments/{earlier.id}/delete").status_code == 302


def test_a_read_only_thread_that_never_had_comments_stores_nothing(app_ctx, make_client):
    idea, _ = idea_in("published")
    client = signed_in(make_client, make_user())
    response = client.post_form(f"/threads/idea/{idea.id}/comments", {"stance": "against", "body": "처음이자 늦은 의견"})
    assert response.status_code == 422 and PUBLISHED_MESSAGE in text_of(response)
    assert db.session.scalar(select(func.count()).select_from(Thread)) == 0
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 0


def test_who_reaches_the_comment_form(people, make_client):
    idea, _ = idea_in("voting")
    anonymous = visitor(make_client)
    assert "/login" in anonymous.get(f"/threads/idea/{idea.id}/comments").location
    assert "/login" in anonymous.post_form(f"/threads/idea/{idea.id}/comments", {"stance": "for", "body": "익명"}).location
    assert "Sign in to join the discussion" in anonymous.get(f"/ideas/{idea.id}").text
    for role in ("resident", "official", "moderator", "admin"):
        client = signed_in(make_client, people[role])
        assert client.get(f"/threads/idea/{idea.id}/comments").status_code == 200, role
        assert "Join the discussion" in client.get(f"/ideas/{idea.id}").text, role
    suspended = signed_in(make_client, people["suspended"])
    assert suspended.get(f"/threads/idea/{idea.id}/comments").status_code == 403
    assert suspended.post_form(f"/threads/idea/{idea.id}/comments", {"stance": "for", "body": "정지 중"}).status_code == 403
    assert "Your account is suspended until" in suspended.get(f"/ideas/{idea.id}").text
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 0


def test_a_hidden_ideas_thread_is_not_found_by_others(app_ctx, make_client):
    author = make_user()
    idea = make_idea(make_round("voting"), author, status="hidden")
    resident = signed_in(make_client, make_user())
    assert resident.get(f"/threads/idea/{idea.id}/comments").status_code == 404
    assert resident.post_form(f"/threads/idea/{idea.id}/comments", {"stance": "for", "body": "숨은 글"}).status_code == 404
    mine = signed_in(make_client, author).post_form(f"/threads/idea/{idea.id}/comments", {"stance": "for", "body": "제 글이에요"})
    assert mine.status_code == 422
    assert "This idea is hidden while moderators review it, so its discussion is paused." in text_of(mine)
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 0


# --- why an edit is refused -------------------------------------------------------------------------

WINDOW_MESSAGE = "Comments can be edited for 15 minutes after posting."
WITHDRAWN_MESSAGE = "This idea was withdrawn, so its discussion is closed."


def test_edit_refusal_names_the_real_reason_and_agrees_with_can_edit(app_ctx):
    idea = make_idea(make_round("voting"))
    author, stranger = make_user(), make_user()
    posted_at = now()
    comment = post(author, idea, "고칠 수 있는 글", at=posted_at)
    soon, late = posted_at + timedelta(minutes=1), posted_at + timedelta(minutes=15)

    def refusal(user, at):
        message = permissions.edit_refusal(user, comment, idea, at)
        assert (message is None) == permissions.can_edit_comment(user, comment, idea, at)
        return None if message is None else english(message)

    assert refusal(author, soon) is None
    assert refusal(author, late) == WINDOW_MESSAGE
    assert refusal(stranger, soon) == "Only its author can edit a comment."
    assert refusal(Anonymous(), soon) == "Only its author can edit a comment."

    author.suspended_until = soon + timedelta(days=3)
    assert refusal(author, soon).startswith("Your account is suspended until ")
    author.suspended_until = None

    idea.status = "withdrawn"
    assert refusal(author, soon) == WITHDRAWN_MESSAGE
    idea.status = "published"

    comment.status = "hidden"
    assert refusal(author, soon) == "A comment hidden by moderators cannot be edited."
    comment.status = "deleted"
    assert refusal(author, soon) == "A deleted comment cannot be edited."
    db.session.rollback()


def test_the_edit_page_tells_the_author_why_not(app_ctx, make_client):
    from flask_babel import force_locale

    from participation.core.web import format_local_datetime

    round_ = make_round("closed")  # discussion still open; its outcome is published below
    idea = make_idea(round_)
    author = make_user()
    comment = post(author, idea, "방금 쓴 글")
    client = signed_in(make_client, author)

    author.suspended_until = now() + timedelta(days=3)
    db.session.commit()
    response = client.get(f"/comments/{comment.id}/edit")
    assert response.status_code == 403
    with client.application.test_request_context(), force_locale("en"):
        until = format_local_datetime(author.suspended_until)
    assert f"Your account is suspended until {until}." in text_of(response)
    assert WINDOW_MESSAGE not in text_of(response)

    author.suspended_until = None
    round_.closed_at = round_.published_at = round_.voting_closes_at
    db.session.commit()
    response = client.post_form(f"/comments/{comment.id}/edit", {"stance": "for", "body": "닫힌 뒤 수정"})
    assert response.status_code == 403
    assert PUBLISHED_MESSAGE in text_of(response) and WINDOW_MESSAGE not in text_of(response)
    assert db.session.get(Comment, comment.id).body == "방금 쓴 글"

    # Someone else is refused without being told about the author's window or thread.
    other = signed_in(make_client, make_user()).get(f"/comments/{comment.id}/edit")
    assert other.status_code == 403 and WINDOW_MESSAGE not in text_of(other)
