"""The whole loop over HTTP: apply, draw, rubric, evaluate, close, answer, publish; every page renders."""
from __future__ import annotations

from datetime import timedelta

from participation.core.db import write_transaction
from participation.core.time import now
from participation.panels import services
from participation.panels.models import Campaign, Panel, Scorecard
from tests.factories import make_department, make_district, make_user
from tests.panels.helpers import LABELS, close, drawn_panel, evaluate, make_campaign, make_service


def test_admin_creates_panel_and_campaign_over_http(admin_client, app_ctx):
    department = make_department()
    district = make_district()
    page = admin_client.get("/panels/new")
    assert page.status_code == 200
    local = (now() + timedelta(hours=9))
    response = admin_client.post_form("/panels/new", {
        "name": "공원 모니터링단", "purpose": "공원 관리를 평가합니다.", "department_id": department.id,
        "term_starts_on": "2026-12-01", "term_ends_on": "2027-11-30", "target_size": 10, "strata": ["district", "age_band"],
        "selection_method": "lottery", "recruitment_opens_at": (local - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "recruitment_closes_at": (local + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
    }, token_from="/panels/new")
    assert response.status_code == 302, response.get_data(as_text=True)
    panel = Panel.query.one()
    resident = make_user(district=district)
    client = admin_client.application.test_client()
    client.login(resident.email)
    client.use_english()
    assert client.get(f"/panels/{panel.id}").status_code == 200
    assert client.get(f"/panels/{panel.id}/apply").status_code == 200
    refused = client.post_form(f"/panels/{panel.id}/apply", {"district_id": district.id, "age_band": "30-39"}, token_from=f"/panels/{panel.id}/apply")
    assert refused.status_code == 422 and "Agree to how your application is used" in refused.get_data(as_text=True)
    done = client.post_form(f"/panels/{panel.id}/apply", {"district_id": district.id, "age_band": "30-39", "consent": "y"},
                            token_from=f"/panels/{panel.id}/apply")
    assert done.status_code == 302
    page = client.get(f"/panels/{panel.id}").get_data(as_text=True)
    assert "You have applied" in page

    service_page = admin_client.post_form("/services/new", {"name": "시내버스", "description": "", "department_id": department.id},
                                          token_from="/services/new")
    assert service_page.status_code == 302
    created = admin_client.post_form("/campaigns/new", {
        "title": "버스 평가", "panel_id": panel.id, "service_id": services.PublicService.query.one().id,
        "opens_at": local.strftime("%Y-%m-%dT%H:%M"), "closes_at": (local + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        "response_days": 14, "publish_delay_days": 14,
    }, token_from="/campaigns/new")
    assert created.status_code == 302, created.get_data(as_text=True)
    campaign = Campaign.query.one()
    edit = admin_client.get(f"/campaigns/{campaign.id}/edit")
    assert edit.status_code == 200
    bad = admin_client.post_form(f"/campaigns/{campaign.id}/criteria", {"r-name": "정시성", "r-weight": "0", **{f"r-label_{n}": LABELS[n - 1] for n in range(1, 6)}},
                                 token_from=f"/campaigns/{campaign.id}/edit")
    assert bad.status_code == 422 and "positive" in bad.get_data(as_text=True)
    added = admin_client.post_form(f"/campaigns/{campaign.id}/criteria", {"r-name": "정시성", "r-weight": "2", **{f"r-label_{n}": LABELS[n - 1] for n in range(1, 6)}},
                                   token_from=f"/campaigns/{campaign.id}/edit")
    assert added.status_code == 302
    scheduled = admin_client.post_form(f"/campaigns/{campaign.id}/schedule", {}, token_from=f"/campaigns/{campaign.id}/edit")
    assert scheduled.status_code == 302
    assert admin_client.get(f"/campaigns/{campaign.id}").status_code == 200
    assert admin_client.get("/panels/").status_code == 200


def test_panelist_evaluates_and_scorecard_publishes(client, make_client, app_ctx):
    panel, people, admin = drawn_panel(3)
    department = make_department()
    service = make_service(admin, department)
    campaign = make_campaign(admin, panel, service)
    panelist = people[0]
    client.login(panelist.email)
    client.use_english()
    form = client.get(f"/campaigns/{campaign.id}/evaluation")
    assert form.status_code == 200
    c1, c2 = campaign.criteria
    missing = client.post_form(f"/campaigns/{campaign.id}/evaluation", {f"score_{c1.id}": "4", "action": "submit"},
                               token_from=f"/campaigns/{campaign.id}/evaluation")
    assert missing.status_code == 422 and "Score every criterion" in missing.get_data(as_text=True)
    draft = client.post_form(f"/campaigns/{campaign.id}/evaluation", {f"score_{c1.id}": "4", "action": "draft"},
                             token_from=f"/campaigns/{campaign.id}/evaluation")
    assert draft.status_code == 302, draft.get_data(as_text=True)[draft.get_data(as_text=True).find("error-summary"):][:1500]
    evaluation = services.evaluation_of(panelist, campaign)
    submitted = client.post_form(f"/campaigns/{campaign.id}/evaluation", {"evaluation_id": evaluation.id, f"score_{c1.id}": "4",
                                                                          f"score_{c2.id}": "5", "action": "submit", "comment": "=HYPERLINK(1)"},
                                 token_from=f"/campaigns/{campaign.id}/evaluation")
    assert submitted.status_code == 302
    evaluate(people[1], campaign, [3, 4])
    evaluate(people[2], campaign, [2, 4])
    outsider = make_client()
    outsider.use_english()
    assert outsider.get(f"/campaigns/{campaign.id}/scorecard").status_code == 302  # to sign-in: not public yet
    card = close(campaign)
    assert isinstance(card, Scorecard) and card.submitted == 3
    official = make_user(roles={"official"}, department=department)
    staff = make_client()
    staff.login(official.email)
    staff.use_english()
    assert staff.get(f"/campaigns/{campaign.id}/scorecard").status_code == 200
    assert outsider.get(f"/campaigns/{campaign.id}/scorecard").status_code == 302  # to sign-in: not public yet
    answered = staff.post_form(f"/campaigns/{campaign.id}/response", {"decision": "accepted", "explanation": "배차를 늘리겠습니다."},
                               token_from=f"/campaigns/{campaign.id}/response")
    assert answered.status_code == 302, answered.get_data(as_text=True)
    planned = staff.post_form(f"/campaigns/{campaign.id}/actions", {"a-title": "배차 간격 단축", "a-due_on": "2027-03-31"},
                              token_from=f"/campaigns/{campaign.id}/scorecard")
    assert planned.status_code == 302
    assert "/responses/inbox" and staff.get("/responses/inbox").status_code == 200
    with write_transaction():
        services.publish_early(admin, campaign, now())
    page = outsider.get(f"/campaigns/{campaign.id}/scorecard")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "배차를 늘리겠습니다." in text and "배차 간격 단축" in text and "<svg" in text
    csv = outsider.get(f"/campaigns/{campaign.id}/scores.csv").get_data(as_text=True)
    assert "'=HYPERLINK(1)" in csv
    assert outsider.get(f"/services/{service.id}").status_code == 200
    assert outsider.get(f"/panels/{panel.id}/applicants.csv").status_code == 200
    assert outsider.get("/panels/lottery.py").status_code == 200
    assert outsider.get("/responses/departments").status_code == 200
