"""can_submit, can_edit, can_post_update and can_withdraw for every role in every phase of the round."""
from __future__ import annotations

from datetime import timedelta

import pytest

from participation.accounts.models import Role
from participation.core.time import now
from participation.extensions import db
from participation.ideas import permissions
from participation.rounds.models import Phase
from tests.factories import make_department, make_idea, make_round, make_user

PHASES = ["draft", "upcoming", "submission", "review", "voting", "closed", "published"]
# "suspended author" is the author while their account is suspended.
ROLES = ["visitor", "author", "resident", "official", "moderator", "admin", "suspended author"]

#                      draft  upcoming submission review voting closed published
SUBMIT = {
    "visitor":   "-      -        -          -      -      -      -",
    "author":    "-      -        Y          -      -      -      -",
    "resident":  "-      -        Y          -      -      -      -",
    "official":  "-      -        Y          -      -      -      -",
    "moderator": "-      -        Y          -      -      -      -",
    "admin":     "-      -        Y          -      -      -      -",
    "suspended author": "-      -        -          -      -      -      -",
}
# Editing and withdrawing only ever belong to the author, while the round is open.
EDIT = {role: "-      -        -          -      -      -      -" for role in ROLES} | {
    "author":    "-      -        Y          Y      Y      -      -",
}
WITHDRAW = EDIT
# Update notes belong to the author of a listed idea, whatever the phase (no idea exists in a draft round).
POST_UPDATE = {role: "-      -        -          -      -      -      -" for role in ROLES} | {
    "author":    "-      Y        Y          Y      Y      Y      Y",
}


def expected(table, role, phase) -> bool:
    return table[role].split()[PHASES.index(phase)] == "Y"


@pytest.fixture
def people(app_ctx):
    department = make_department()
    people = {"visitor": None}
    for role in ROLES[1:-1]:
        roles = {role} if role in (Role.OFFICIAL, Role.MODERATOR, Role.ADMIN) else set()
        people[role] = make_user(roles=roles, department=department if role == "official" else None)
    return people


def round_with_idea(phase, author):
    """A round in `phase`, with an idea by `author` submitted while it took ideas."""
    round_ = make_round("closed" if phase == "published" else phase)
    idea = make_idea(round_, author) if phase != "draft" else None
    if phase == "published":
        round_.closed_at = round_.published_at = round_.voting_closes_at
        db.session.commit()
    return round_, idea


class Anonymous:
    is_authenticated = False
    is_deleted = False


@pytest.mark.parametrize("phase", PHASES)
def test_role_by_phase_matrix(people, phase):
    round_, idea = round_with_idea(phase, people["author"])
    assert round_.phase(now()) == Phase(phase)
    failures = []
    author = people["author"]
    for role in ROLES:
        user = author if role == "suspended author" else people[role] or Anonymous()
        author.suspended_until = now() + timedelta(days=7) if role == "suspended author" else None
        if permissions.can_submit(user, round_, now()) != expected(SUBMIT, role, phase):
            failures.append(f"can_submit {role} {phase}")
        if idea is None:
            continue
        if permissions.can_edit(user, idea, now()) != expected(EDIT, role, phase):
            failures.append(f"can_edit {role} {phase}")
        if permissions.can_post_update(user, idea, now()) != expected(POST_UPDATE, role, phase):
            failures.append(f"can_post_update {role} {phase}")
        if permissions.can_withdraw(user, idea, now()) != expected(WITHDRAW, role, phase):
            failures.append(f"can_withdraw {role} {phase}")
    author.suspended_until = None
    assert not failures, failures


def test_editing_stops_at_the_first_vote_but_withdrawing_does_not(people):
    round_ = make_round("voting")
    idea = make_idea(round_, people["author"])
    idea.vote_count = 1
    assert not permissions.can_edit(people["author"], idea, now())
    assert permissions.can_withdraw(people["author"], idea, now())
    assert permissions.can_post_update(people["author"], idea, now())


@pytest.mark.parametrize("status", ["hidden", "withdrawn"])
def test_unlisted_ideas_cannot_be_edited_or_withdrawn(people, status):
    round_ = make_round("submission")
    idea = make_idea(round_, people["author"], status=status)
    assert not permissions.can_edit(people["author"], idea, now())
    assert not permissions.can_withdraw(people["author"], idea, now())
    assert not permissions.can_post_update(people["author"], idea, now())
    assert permissions.can_view_idea_content(people["author"], idea, now())
    assert permissions.can_view_idea_content(people["moderator"], idea, now())
    assert not permissions.can_view_idea_content(people["resident"], idea, now())
    assert not permissions.can_view_idea_content(Anonymous(), idea, now())


def test_a_deleted_author_can_no_longer_act(people):
    round_ = make_round("submission")
    idea = make_idea(round_, people["author"])
    people["author"].deleted_at = now()
    assert not permissions.can_edit(people["author"], idea, now())
    assert not permissions.can_submit(people["author"], round_, now())


def test_a_suspended_author_is_told_until_when_they_cannot_change_their_idea(app_ctx, make_client):
    from flask_babel import force_locale

    from participation.core.web import format_local_datetime
    from tests.deliberation.helpers import signed_in, text_of

    author = make_user()
    idea = make_idea(make_round("voting"), author, title="그늘막 제안", body="원래 본문")
    author.suspended_until = now() + timedelta(days=7)
    db.session.commit()
    client = signed_in(make_client, author)
    with client.application.test_request_context(), force_locale("en"):
        until = format_local_datetime(author.suspended_until)
    message = f"Your account is suspended until {until}."
    attempts = [
        ("GET", f"/ideas/{idea.id}/edit", None),
        ("POST", f"/ideas/{idea.id}/edit", {"title": "바꾼 제목", "body": "바꾼 본문", "category_id": str(idea.category_id)}),
        ("POST", f"/ideas/{idea.id}/updates", {"body": "소식입니다"}),
        ("GET", f"/ideas/{idea.id}/withdraw", None),
        ("POST", f"/ideas/{idea.id}/withdraw", {"reason": "그만둡니다"}),
    ]
    for method, path, data in attempts:
        response = client.get(path) if method == "GET" else client.post_form(path, data)
        assert response.status_code == 403, (method, path)
        assert message in text_of(response), (method, path)
    db.session.expire_all()
    assert (idea.title, idea.status, idea.updates) == ("그늘막 제안", "published", [])
    # The idea's page offers none of it while the suspension lasts.
    page = text_of(client.get(f"/ideas/{idea.id}"))
    assert f"/ideas/{idea.id}/edit" not in page and f"/ideas/{idea.id}/withdraw" not in page

    # Anyone else turned away is not told about a suspension that is not theirs to answer for.
    stranger = make_user()
    stranger.suspended_until = now() + timedelta(days=7)
    db.session.commit()
    other = signed_in(make_client, stranger)
    refused = other.get(f"/ideas/{idea.id}/edit")
    assert refused.status_code == 403 and "suspended" not in text_of(refused)

    # When the suspension ends, the author may act again.
    author.suspended_until = now() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(f"/ideas/{idea.id}/edit").status_code == 200
