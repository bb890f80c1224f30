"""can_answer, can_post_progress and can_read_inbox for every role in every phase an idea can be answered in,
asked of the functions and of the pages."""
from __future__ import annotations

import pytest

from participation.core.time import now
from participation.responses import permissions, services
from participation.rounds.models import Phase
from tests.deliberation.helpers import signed_in, visitor
from tests.factories import make_category, make_department, make_idea, make_round, make_user
from tests.responses.helpers import answer, closed_round, official_of

PHASES = ["voting", "closed", "published"]
ROLES = ["visitor", "resident", "answering official", "round official", "other official", "moderator", "admin"]

#                                voting closed published
ANSWER = {
    "visitor":              "-      -      -",
    "resident":             "-      -      -",
    "answering official":   "-      Y      Y",
    "round official":       "-      -      -",
    "other official":       "-      -      -",
    "moderator":            "-      -      -",
    "admin":                "-      Y      Y",
}
# Progress follows an accepted answer, so nobody reports it during voting.
PROGRESS = ANSWER
# Every official with a department, and admins, have an inbox whatever the phase.
INBOX = {role: "-      -      -" for role in ROLES} | {
    role: "Y      Y      Y" for role in ("answering official", "round official", "other official", "admin")
}


def expected(table, role, phase) -> bool:
    return table[role].split()[PHASES.index(phase)] == "Y"


class Anonymous:
    is_authenticated = False
    is_deleted = False


def setting_in(phase):
    """(the idea owed an answer once the round closes, its department, the round's department)."""
    if phase == "voting":
        coordinating, answering = make_department(), make_department()
        round_ = make_round("voting", department=coordinating, categories=[make_category(answering)])
        return round_, make_idea(round_), answering, coordinating
    setting = closed_round(publish=phase == "published", publish_delay_hours=0 if phase == "published" else 48)
    return setting.round, setting.selected, setting.answering, setting.coordinating


def people_for(answering, coordinating):
    return {
        "visitor": None,
        "resident": make_user(),
        "answering official": official_of(answering),
        "round official": official_of(coordinating),
        "other official": official_of(make_department()),
        "moderator": make_user(roles={"moderator"}),
        "admin": make_user(roles={"admin"}),
    }


@pytest.mark.parametrize("phase", PHASES)
def test_role_by_phase_matrix(app_ctx, phase):
    round_, idea, answering, coordinating = setting_in(phase)
    assert round_.phase(now()) == Phase(phase)
    people = people_for(answering, coordinating)
    if phase != "voting":
        answer(people["admin"], idea, "accepted", "추진하겠습니다.")
    due, response = services.due_for(idea), services.response_for(idea)
    failures = []
    for role in ROLES:
        user = people[role] or Anonymous()
        if permissions.can_answer(user, due) != expected(ANSWER, role, phase):
            failures.append(f"can_answer {role} {phase}")
        if permissions.can_post_progress(user, response) != expected(PROGRESS, role, phase):
            failures.append(f"can_post_progress {role} {phase}")
        if permissions.can_read_inbox(user) != expected(INBOX, role, phase):
            failures.append(f"can_read_inbox {role} {phase}")
    assert not failures, failures


@pytest.mark.parametrize("phase", PHASES)
def test_the_pages_follow_the_matrix(app_ctx, make_client, phase):
    round_, idea, answering, coordinating = setting_in(phase)
    people = people_for(answering, coordinating)
    if phase != "voting":
        answer(people["admin"], idea, "accepted", "추진하겠습니다.")
    failures = []
    for role in ROLES:
        client = visitor(make_client) if people[role] is None else signed_in(make_client, people[role])
        for url, table in ((f"/ideas/{idea.id}/response", ANSWER), (f"/ideas/{idea.id}/progress", PROGRESS), ("/responses/inbox", INBOX)):
            status = client.get(url).status_code
            refused = 302 if role == "visitor" else 403
            if status != (200 if expected(table, role, phase) else refused):
                failures.append(f"{role} GET {url} in {phase}: {status}")
    assert not failures, failures


def test_a_rejected_answer_takes_no_progress_reports(app_ctx):
    setting = closed_round(publish=True)
    admin = make_user(roles={"admin"})
    answer(admin, setting.selected, "rejected", "예산이 부족합니다.")
    assert not permissions.can_post_progress(admin, services.response_for(setting.selected))

