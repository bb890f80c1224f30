"""Who may do what with a campaign in each phase: can_view_campaign, can_evaluate, can_view_scorecard and
can_answer as a role x phase matrix, asked of the functions and of the pages (and every other route of
the panels blueprint that depends on a panel or a campaign)."""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from flask_login import AnonymousUserMixin

from participation.core.db import write_transaction
from participation.core.time import now
from participation.extensions import db
from participation.panels import permissions, services
from participation.panels.models import CampaignPhase
from tests.factories import make_department, make_user
from tests.panels.helpers import apply_many, campaign_between, make_panel, make_service, panel_drawn_at

PHASES = ["draft", "upcoming", "open", "closed", "published"]
ROLES = ["visitor", "resident", "panelist", "department official", "other official", "admin"]

# "department official": an official of the department responsible for the evaluated service;
# "other official": an official of another department (here, the one that runs the panel).
#                               draft upcoming open closed published
VIEW_CAMPAIGN = {
    "visitor":               "-     Y        Y    Y      Y",
    "resident":              "-     Y        Y    Y      Y",
    "panelist":              "-     Y        Y    Y      Y",
    "department official":   "-     Y        Y    Y      Y",
    "other official":        "-     Y        Y    Y      Y",
    "admin":                 "Y     Y        Y    Y      Y",
}
EVALUATE = {
    "visitor":               "-     -        -    -      -",
    "resident":              "-     -        -    -      -",
    "panelist":              "-     -        Y    -      -",
    "department official":   "-     -        -    -      -",
    "other official":        "-     -        -    -      -",
    "admin":                 "-     -        -    -      -",
}
# Nothing to see before the close; between the close and publication, the administration's working paper.
VIEW_SCORECARD = {
    "visitor":               "-     -        -    -      Y",
    "resident":              "-     -        -    -      Y",
    "panelist":              "-     -        -    -      Y",
    "department official":   "-     -        -    Y      Y",
    "other official":        "-     -        -    -      Y",
    "admin":                 "-     -        -    Y      Y",
}
# The response clock starts at the close; the service's department and admins answer (and revise after publication).
ANSWER = {
    "visitor":               "-     -        -    -      -",
    "resident":              "-     -        -    -      -",
    "panelist":              "-     -        -    -      -",
    "department official":   "-     -        -    Y      Y",
    "other official":        "-     -        -    -      -",
    "admin":                 "-     -        -    Y      Y",
}


def expected(table, role, phase) -> bool:
    return table[role].split()[PHASES.index(phase)] == "Y"


def world():
    """One panel (two members, drawn two months ago), one service, and a campaign in each phase now."""
    moment = now()
    answering, running = make_department(), make_department()
    panel, people, admin = panel_drawn_at(2, moment - timedelta(days=60), department=running)
    service = make_service(admin, answering)
    day = timedelta(days=1)
    windows = {  # opens, closes (from now)
        "draft": (-day / 24, 7 * day),
        "upcoming": (day, 7 * day),
        "open": (-day / 24, 7 * day),
        "closed": (-20 * day, -10 * day),
        "published": (-40 * day, -30 * day),
    }
    campaigns = {}
    for phase, (opens, closes) in windows.items():
        campaigns[phase] = campaign_between(admin, panel, service, moment + opens, moment + closes, schedule=phase != "draft",
                                            publish_delay_days=30 if phase == "closed" else 14, title=f"{phase} 평가")
    for phase in ("closed", "published"):
        campaign = campaigns[phase]
        with write_transaction():
            services.close_campaign(campaign.id, campaign.closes_at + timedelta(seconds=1))
    services.publish_due_scorecards(moment)
    db.session.expire_all()
    for phase, campaign in campaigns.items():
        assert campaign.phase(now()) == CampaignPhase(phase)
    people_by_role = {
        "visitor": None,
        "resident": make_user(),
        "panelist": people[0],
        "department official": make_user(roles={"official"}, department=answering),
        "other official": make_user(roles={"official"}, department=running),
        "admin": admin,
    }
    return SimpleNamespace(panel=panel, service=service, campaigns=campaigns, people=people_by_role, admin=admin)


@pytest.fixture
def setting(app_ctx):
    return world()


def test_role_by_phase_matrix_of_the_permission_functions(setting):
    moment = now()
    failures = []
    for phase in PHASES:
        campaign = setting.campaigns[phase]
        due = services.due_for(services.scorecard_for(campaign))
        assert (due is not None) == (phase in ("closed", "published"))
        for role in ROLES:
            user = setting.people[role] or AnonymousUserMixin()
            checks = {
                "can_view_campaign": (permissions.can_view_campaign(user, campaign, moment), VIEW_CAMPAIGN),
                "can_evaluate": (permissions.can_evaluate(user, campaign, moment), EVALUATE),
                "can_view_scorecard": (permissions.can_view_scorecard(user, campaign), VIEW_SCORECARD),
                "can_answer": (permissions.can_answer(user, due), ANSWER),
            }
            for name, (got, table) in checks.items():
                if got != expected(table, role, phase):
                    failures.append(f"{name}({role}, {phase}) is {got}")
    assert not failures, "\n".join(failures)


def test_a_panelist_who_leaves_can_no_longer_evaluate(setting):
    campaign, panelist = setting.campaigns["open"], setting.people["panelist"]
    assert permissions.can_evaluate(panelist, campaign, now())
    with write_transaction():
        services.leave(panelist, setting.panel, now())
    assert not permissions.is_panelist(panelist, campaign)
    assert not permissions.can_evaluate(panelist, campaign, now())


def test_the_phase_follows_the_clock_before_any_sweep(setting):
    campaign = setting.campaigns["open"]
    panelist = setting.people["panelist"]
    assert permissions.can_evaluate(panelist, campaign, campaign.closes_at - timedelta(seconds=1))
    assert not permissions.can_evaluate(panelist, campaign, campaign.closes_at)
    assert campaign.phase(campaign.closes_at) == CampaignPhase.CLOSED and campaign.closed_at is None
    # Closed by the clock but not by the sweep: the scorecard is not computed yet, so nobody sees it.
    assert not permissions.can_view_scorecard(setting.admin, campaign)


# --- the pages ----------------------------------------------------------------------------------------------------------

# One letter per role, in ROLES order: Y gets through, - is turned away (visitors to the sign-in page,
# everyone else with 403), 4 is told the page does not exist (a draft campaign outside the administration).
#                      visitor resident panelist dept other admin
CAMPAIGN_PAGES = {
    "draft": {
        "campaign":          "4 4 4 4 4 Y",
        "evaluation":        "4 4 4 4 4 -",
        "scorecard":         "4 4 4 4 4 -",
        "scores.csv":        "4 4 4 4 4 -",
        "scores.xlsx":       "4 4 4 4 4 -",
        "response":          "4 4 4 4 4 -",
        "edit":              "4 4 4 4 4 Y",
        "publish":           "4 4 4 4 4 Y",
        "add action":        "4 4 4 4 4 -",
    },
    "upcoming": {
        "campaign":          "Y Y Y Y Y Y",
        "evaluation":        "- - Y - - -",
        "scorecard":         "- - - - - -",
        "scores.csv":        "- - - - - -",
        "scores.xlsx":       "- - - - - -",
        "response":          "- - - - - -",
        "edit":              "- - - - - Y",
        "publish":           "- - - - - Y",
        "add action":        "- - - - - -",
    },
    "closed": {
        "campaign":          "Y Y Y Y Y Y",
        "evaluation":        "- - Y - - -",
        "scorecard":         "- - - Y - Y",
        "scores.csv":        "- - - Y - Y",
        "scores.xlsx":       "- - - Y - Y",
        "response":          "- - - Y - Y",
        "edit":              "- - - - - Y",
        "publish":           "- - - - - Y",
        "add action":        "- - - Y - Y",
    },
    "published": {
        "campaign":          "Y Y Y Y Y Y",
        "evaluation":        "- - Y - - -",
        "scorecard":         "Y Y Y Y Y Y",
        "scores.csv":        "Y Y Y Y Y Y",
        "scores.xlsx":       "Y Y Y Y Y Y",
        "response":          "- - - Y - Y",
        "edit":              "- - - - - Y",
        "publish":           "- - - - - Y",
        "add action":        "- - - Y - Y",
    },
}
CAMPAIGN_PAGES["open"] = CAMPAIGN_PAGES["upcoming"]


def campaign_routes(campaign_id: int) -> dict:
    """(method, path, data): posted data is invalid or refused by the service, so nothing changes."""
    base = f"/campaigns/{campaign_id}"
    return {
        "campaign": ("GET", base, None),
        "evaluation": ("GET", f"{base}/evaluation", None),
        "scorecard": ("GET", f"{base}/scorecard", None),
        "scores.csv": ("GET", f"{base}/scores.csv", None),
        "scores.xlsx": ("GET", f"{base}/scores?format=xlsx", None),
        "response": ("GET", f"{base}/response", None),
        "edit": ("GET", f"{base}/edit", None),
        "publish": ("POST", f"{base}/publish", {}),
        "add action": ("POST", f"{base}/actions", {"a-title": ""}),
    }


def clients_for(make_client, people: dict) -> dict:
    clients = {}
    for role in ROLES:
        client = make_client()
        if people[role] is not None:
            client.login(people[role].email)
        client.use_english()
        client.token = client.csrf_token("/")
        clients[role] = client
    return clients


def outcome(response) -> str:
    if response.status_code == 404:
        return "4"
    if response.status_code == 403 or (response.status_code == 302 and "/login" in (response.location or "")):
        return "-"
    assert response.status_code < 500, response.status_code
    return "Y"


def check(clients, label, method, path, data, row, failures):
    for role, want in zip(ROLES, row.split(), strict=True):
        client = clients[role]
        if method == "GET":
            response = client.get(path)
        else:
            response = client.post(path, data={"csrf_token": client.token, **(data or {})})
        got = outcome(response)
        if got == "-" and role == "visitor" and response.status_code != 302:
            got = f"{response.status_code} (not the sign-in page)"
        if got == "-" and role != "visitor" and response.status_code != 403:
            got = "302 to sign in, though signed in"
        if got != want:
            failures.append(f"{label}: {role} expected {want}, got {got} ({method} {path} -> {response.status_code})")


def test_role_by_phase_matrix_of_the_campaign_pages(setting, make_client):
    clients = clients_for(make_client, setting.people)
    failures = []
    for phase in PHASES:
        routes = campaign_routes(setting.campaigns[phase].id)
        for label, row in CAMPAIGN_PAGES[phase].items():
            method, path, data = routes[label]
            check(clients, f"{phase} {label}", method, path, data, row, failures)
    assert not failures, "\n".join(failures)
    # Nothing the matrix posted changed anything.
    db.session.expire_all()
    assert setting.campaigns["closed"].published_at is None
    assert services.action_items(services.scorecard_for(setting.campaigns["closed"])) == []


def test_non_members_never_see_the_evaluation_form(setting, make_client):
    campaign = setting.campaigns["open"]
    url = f"/campaigns/{campaign.id}/evaluation"
    clients = clients_for(make_client, setting.people)
    form = clients["panelist"].get(url)
    assert form.status_code == 200 and f'name="score_{campaign.criteria[0].id}"' in form.get_data(as_text=True)
    for role in ("resident", "department official", "other official", "admin"):
        page = clients[role].get(url)
        assert page.status_code == 403, role
        text = page.get_data(as_text=True)
        assert 'name="score_' not in text and f"Only members of {setting.panel.name} evaluate" in text, role
        posted = clients[role].post(url, data={"csrf_token": clients[role].token, f"score_{campaign.criteria[0].id}": "5", "action": "submit"})
        assert posted.status_code == 403, role
    assert clients["visitor"].get(url).status_code == 302
    assert services.evaluation_of(setting.people["resident"], campaign) is None
    # After the close the panelist still opens the page but is told why nothing can change.
    closed = setting.campaigns["closed"]
    page = clients["panelist"].get(f"/campaigns/{closed.id}/evaluation")
    assert page.status_code == 200 and "evaluations can no longer be changed" in page.get_data(as_text=True)


def test_the_scorecard_before_publication_tells_outsiders_when_it_publishes(setting, make_client):
    campaign = setting.campaigns["closed"]
    clients = clients_for(make_client, setting.people)
    page = clients["resident"].get(f"/campaigns/{campaign.id}/scorecard")
    assert page.status_code == 403 and "The scorecard is published on" in page.get_data(as_text=True)
    assert clients["visitor"].get(f"/campaigns/{campaign.id}/scorecard").status_code == 302
    staff = clients["department official"].get(f"/campaigns/{campaign.id}/scorecard")
    assert staff.status_code == 200
    published = setting.campaigns["published"]
    assert clients["visitor"].get(f"/campaigns/{published.id}/scorecard").status_code == 200


def test_a_draft_campaign_is_not_found_outside_the_administration(setting, make_client):
    draft = setting.campaigns["draft"]
    clients = clients_for(make_client, setting.people)
    for role in ROLES[:-1]:
        assert clients[role].get(f"/campaigns/{draft.id}").status_code == 404, role
        assert draft.title not in clients[role].get(f"/panels/{setting.panel.id}").get_data(as_text=True), role
        assert draft.title not in clients[role].get(f"/services/{setting.service.id}").get_data(as_text=True), role
    assert clients["admin"].get(f"/campaigns/{draft.id}").status_code == 200
    assert draft.title in clients["admin"].get(f"/panels/{setting.panel.id}").get_data(as_text=True)
    assert clients["visitor"].get("/campaigns/999999").status_code == 404


#                      visitor resident panelist dept other admin
PANEL_PAGES = {
    "panel":             "Y Y Y Y Y Y",
    "applicants.csv":    "Y Y Y Y Y Y",
    "service":           "Y Y Y Y Y Y",
    "apply (recruiting)": "- Y Y Y Y Y",
    "apply (drawn)":     "- - - - - -",
    "withdraw":          "- Y Y Y Y Y",
    "draw":              "- - - - - Y",
    "fill":              "- - - - - Y",
    "appoint":           "- - - - - Y",
    "edit panel":        "- - - - - Y",
    "add criterion":     "4 4 4 4 4 Y",
    "remove criterion":  "4 4 4 4 4 Y",
    "schedule":          "4 4 4 4 4 Y",
    "action progress":   "- - - Y - Y",
    "leave":             "- Y Y Y Y Y",  # last: the panelist does leave
}


def test_role_matrix_of_the_panel_and_rubric_routes(setting, make_client):
    recruiting = make_panel(setting.admin)
    (waiting,) = apply_many(recruiting, [make_user()])
    empty_draft = campaign_between(setting.admin, setting.panel, setting.service, now() + timedelta(days=1), now() + timedelta(days=2),
                                   criteria=(), schedule=False)
    draft, closed = setting.campaigns["draft"], setting.campaigns["closed"]
    member = services.application_of(setting.people["panelist"], setting.panel)
    panel = f"/panels/{setting.panel.id}"
    routes = {
        "panel": ("GET", panel, None),
        "applicants.csv": ("GET", f"{panel}/applicants.csv", None),
        "service": ("GET", f"/services/{setting.service.id}", None),
        "apply (recruiting)": ("GET", f"/panels/{recruiting.id}/apply", None),
        "apply (drawn)": ("GET", f"{panel}/apply", None),
        "withdraw": ("POST", f"/panels/{recruiting.id}/withdraw", {}),
        "draw": ("POST", f"{panel}/draw", {}),
        "fill": ("POST", f"{panel}/fill", {}),
        "appoint": ("POST", f"{panel}/members/{member.id}/appoint", {}),
        "edit panel": ("GET", f"{panel}/edit", None),
        "add criterion": ("POST", f"/campaigns/{draft.id}/criteria", {"r-name": ""}),
        "remove criterion": ("POST", f"/campaigns/{draft.id}/criteria/999999/remove", {}),
        "schedule": ("POST", f"/campaigns/{empty_draft.id}/schedule", {}),
        "action progress": ("POST", f"/campaigns/{closed.id}/actions/999999", {"p-progress": ""}),
        "leave": ("POST", f"{panel}/leave", {}),
    }
    clients = clients_for(make_client, setting.people)
    failures = []
    for label, row in PANEL_PAGES.items():
        method, path, data = routes[label]
        check(clients, label, method, path, data, row, failures)
    assert not failures, "\n".join(failures)
    db.session.expire_all()
    # The refused and invalid posts changed nothing; the one allowed leave did what it says.
    assert services.application_of(waiting.user, recruiting).status == "applied"
    assert len(draft.criteria) == 2 and empty_draft.scheduled_at is None
    assert services.application_of(setting.people["panelist"], setting.panel).status == "left"
    assert {m.status for m in services.applicants(setting.panel)} == {"selected", "left"}
