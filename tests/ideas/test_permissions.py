"""can_submit, can_edit and can_withdraw for every role in every phase of the round."""
from __future__ import annotations

import pytest

from participation.accounts.models import Role
from participation.core.time import now
from participation.extensions import db
from participation.ideas import permissions
from participation.rounds.models import Phase
from tests.factories import make_department, make_idea, make_round, make_user

PHASES = ["draft", "upcoming", "submission", "review", "voting", "closed", "published"]
ROLES = ["visitor", "author", "resident", "official", "moderator", "admin"]

#                      draft  upcoming submission review voting closed published
SUBMIT = {
    "visitor":   "-      -        -          -      -      -      -",
    "author":    "-      -        Y          -      -      -      -",
    "resident":  "-      -        Y          -      -      -      -",
    "official":  "-      -        Y          -      -      -      -",
    "moderator": "-      -        Y          -      -      -      -",
    "admin":     "-      -        Y          -      -      -      -",
}
# Editing and withdrawing only ever belong to the author, while the round is open.
EDIT = {role: "-      -        -          -      -      -      -" for role in ROLES} | {
    "author":    "-      -        Y          Y      Y      -      -",
}
WITHDRAW = EDIT


def expected(table, role, phase) -> bool:
    return table[role].split()[PHASES.index(phase)] == "Y"


@pytest.fixture
def people(app_ctx):
    department = make_department()
    people = {"visitor": None}
    for role in ROLES[1:]:
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
    for role in ROLES:
        user = people[role] or Anonymous()
        if permissions.can_submit(user, round_, now()) != expected(SUBMIT, role, phase):
            failures.append(f"can_submit {role} {phase}")
        if idea is None:
            continue
        if permissions.can_edit(user, idea, now()) != expected(EDIT, role, phase):
            failures.append(f"can_edit {role} {phase}")
        if permissions.can_withdraw(user, idea, now()) != expected(WITHDRAW, role, phase):
            failures.append(f"can_withdraw {role} {phase}")
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
