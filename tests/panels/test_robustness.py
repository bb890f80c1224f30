"""Garbage in any panels form gets a clear answer, never a 500; a deleted account leaves its panels cleanly."""
from __future__ import annotations

from participation.panels.models import Evaluation, Panel
from tests.factories import make_department, make_user
from tests.panels.helpers import close, drawn_panel, make_campaign, make_panel, make_service
from tests.test_bad_input import GARBAGE

FIELDS = ["name", "purpose", "department_id", "term_starts_on", "term_ends_on", "target_size", "strata", "selection_method",
          "recruitment_opens_at", "recruitment_closes_at", "description", "title", "panel_id", "service_id", "opens_at", "closes_at",
          "photo_allowed", "response_days", "publish_delay_days", "district_id", "age_band", "consent", "comment", "visit_date",
          "remove_photo", "evaluation_id", "action", "decision", "explanation", "planned_completion", "budget_estimate",
          "progress", "note", "due_on", "weight"]
LABELS = [f"label_{n}" for n in range(1, 6)]
# Forms sharing a page carry a prefix: c- campaign settings, r- a rubric criterion, a- an action, p- its progress.
PREFIX = {"/edit": "c", "/criteria": "r", "/actions": "a", "/actions/1": "p"}


def _fields(url: str, value: str) -> dict:
    prefix = next((p for tail, p in sorted(PREFIX.items(), key=lambda kv: -len(kv[0])) if url.endswith(tail) and "campaigns" in url), None)
    names = FIELDS + LABELS
    return {(f"{prefix}-{name}" if prefix else name): value for name in names}


def test_no_panels_form_answers_garbage_with_a_server_error(client, make_client, app_ctx):
    panel, people, admin = drawn_panel(2)
    department = make_department()
    service = make_service(admin, department)
    open_campaign = make_campaign(admin, panel, service)
    draft = make_campaign(admin, panel, service, schedule=False)
    closing = make_campaign(admin, panel, service)
    close(closing)
    recruiting = make_panel(admin)
    panelist = make_client()
    panelist.login(people[0].email)
    resident = make_client()
    resident.login(make_user().email)
    client.login(admin.email)
    for value in GARBAGE:
        scores = {f"score_{c.id}": value for c in open_campaign.criteria}

        token = client.csrf_token()
        for url in ("/panels/new", f"/panels/{panel.id}/edit", "/services/new", "/campaigns/new", f"/campaigns/{draft.id}/edit",
                    f"/campaigns/{draft.id}/criteria", f"/campaigns/{closing.id}/response", f"/campaigns/{closing.id}/actions",
                    f"/campaigns/{closing.id}/actions/1", f"/campaigns/{closing.id}/publish", f"/panels/{recruiting.id}/draw"):
            response = client.post(url, data={"csrf_token": token, **_fields(url, value)})
            assert response.status_code < 500, (url, response.status_code)
        for url in ("/panels/", f"/panels/{panel.id}", f"/campaigns/{closing.id}/scorecard", f"/services/{service.id}"):
            assert client.get(url, query_string={"page": value, "sort": value}).status_code == 200, url

        response = panelist.post(f"/campaigns/{open_campaign.id}/evaluation", data={"csrf_token": panelist.csrf_token(), **_fields("", value), **scores})
        assert response.status_code < 500
        response = resident.post(f"/panels/{recruiting.id}/apply", data={"csrf_token": resident.csrf_token(), **_fields("", value)})
        assert response.status_code < 500
    # Nothing half-made: no evaluation unless every value was a valid one, no stray panel.
    assert Evaluation.query.count() <= 1
    assert Panel.query.count() in (2, 3)


def test_a_deleted_account_leaves_its_panels_and_the_draw_still_reproduces(app_ctx):
    from participation.accounts import services as accounts
    from participation.core.db import write_transaction
    from participation.core.time import now
    from participation.panels import services
    from participation.panels.models import MemberStatus
    from tests.factories import PASSWORD

    panel, people, admin = drawn_panel(3)
    before = services.draw_result(panel)
    with write_transaction():
        accounts.delete_account(people[0], PASSWORD, now())
    member = services.application_of(people[0], panel)
    assert member.status == MemberStatus.LEFT and member.left_at is not None
    assert len(services.members(panel)) == 2
    assert services.draw_result(panel) == before  # the public list the draw ran on is unchanged


def test_renaming_a_district_after_the_draw_changes_neither_the_list_nor_the_draw(app_ctx):
    from participation.accounts.models import District
    from participation.extensions import db
    from participation.panels import services

    panel, people, admin = drawn_panel(3)
    before_csv, before_draw = services.applicants_csv(panel), services.draw_result(panel)
    for district in District.query.all():
        district.name_ko = district.name_ko + "(새 이름)"
    db.session.commit()
    assert services.applicants_csv(panel) == before_csv
    assert services.draw_result(panel) == before_draw


def test_a_reserve_applicant_can_step_down_and_is_then_never_called(app_ctx):
    from participation.core.db import write_transaction
    from participation.core.time import now
    from participation.panels import services
    from participation.panels.models import MemberStatus
    from tests.panels.helpers import apply_many, make_admin, make_panel

    admin = make_admin()
    panel = make_panel(admin, size=1, recruiting=False, strata=())
    people = [make_user() for _ in range(3)]
    apply_many(panel, people)
    with write_transaction():
        services.draw(admin, panel, now(), seed="step-down")
    reserve = [m for m in services.applicants(panel) if m.status == MemberStatus.NOT_SELECTED]
    before = services.draw_result(panel)
    with write_transaction():
        services.withdraw_application(reserve[0].user, panel, now())
    assert services.application_of(reserve[0].user, panel).status == MemberStatus.LEFT
    assert services.draw_result(panel) == before  # still on the list the draw ran on
    member = services.members(panel)[0]
    with write_transaction():
        services.leave(member.user, panel, now())
    with write_transaction():
        filled = services.fill_place(admin, panel, now())
    assert filled.user_id == reserve[1].user_id
