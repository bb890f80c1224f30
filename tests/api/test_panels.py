"""/api/v1 panels, services, campaigns and published scorecards (issue 15 item 1): each as its page
shows a signed-out visitor, whatever cookie comes; never an evaluation, an evaluator, a comment or
a photo; cursor paging, conditional requests, 400s and 404s, Korean and English."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from participation.core.db import write_transaction
from participation.core.time import now
from participation.extensions import db
from participation.panels import services
from participation.panels.models import Campaign, MemberStatus
from participation.responses.services import ResponseData
from tests.api.scenes import COMMENTS, EVALUATOR_NAMES, FIGURES, _close, build_panels_scene  # noqa: F401
from tests.panels.helpers import (
    campaign_between,
    make_panel,
    make_service,
)


@pytest.fixture
def scene(app_ctx):
    return build_panels_scene()


def _all(client, url, **headers):
    """Every item of a paged list, following `next` to the end."""
    items, pages = [], 0
    while url:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        items += body["data"]
        url = body["next"]
        pages += 1
        assert pages < 50
    return items


def _ids(html: str, pattern: str) -> set[int]:
    return {int(n) for n in re.findall(pattern, html)}


def _page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


# --- visibility parity -------------------------------------------------------------------------------------------


def _assert_parity(api, page):
    """What the API lists equals what the signed-out pages link to, for panels, services and campaigns."""
    page.use_english()
    index = _page(page, "/panels/")
    panel_ids = _ids(index, r'href="/panels/(\d+)"')
    assert {p["id"] for p in _all(api, "/api/v1/panels?limit=1")} == panel_ids
    every_campaign = set()
    for panel_id in panel_ids:
        html = _page(page, f"/panels/{panel_id}")
        body = api.get(f"/api/v1/panels/{panel_id}").get_json()
        shown = _ids(html, r'href="/campaigns/(\d+)"')
        assert {c["id"] for c in body["campaigns"]} == shown
        every_campaign |= shown
        assert [a["pseudonym"] for a in body["applicants"]] == re.findall(r'<tr><th scope="row">(P-[A-Z0-9]{6})</th>', html)
        members, target = (int(n) for n in re.search(r"<dt>Members</dt><dd>(\d+) of (\d+)</dd>", html).groups())
        assert (body["member_count"], body["target_size"]) == (members, target)
        assert [a["status"] == "selected" for a in body["applicants"]].count(True) == members
    assert {c["id"] for c in _all(api, "/api/v1/campaigns?limit=2")} == every_campaign
    for service_id in _ids(index, r'href="/services/(\d+)"'):
        html = _page(page, f"/services/{service_id}")
        body = api.get(f"/api/v1/services/{service_id}").get_json()
        assert {c["id"] for c in body["campaigns"]} == _ids(html, r'href="/campaigns/(\d+)"')
        assert [t["campaign"]["id"] for t in body["trend"]] == [int(n) for n in re.findall(r'href="/campaigns/(\d+)/scorecard"', html)]
        assert [f"{t['overall']:.2f}" for t in body["trend"]] == re.findall(r'class="bar-label">([\d.]+)</text>', html)
    for campaign_id in every_campaign:
        page_status = page.get(f"/campaigns/{campaign_id}/scorecard").status_code
        api_status = api.get(f"/api/v1/campaigns/{campaign_id}/scorecard").status_code
        assert (page_status == 200) == (api_status == 200), campaign_id
    return every_campaign


def test_the_api_lists_what_the_signed_out_pages_show(client, scene):
    shown = _assert_parity(client, client)
    assert shown == {scene.published.id, scene.closed.id, scene.open.id, scene.upcoming.id}
    assert scene.draft.id not in shown


def test_an_admins_cookie_changes_nothing(admin_client, make_client, scene):
    # The admin's own pages show the draft and the unpublished scorecard ...
    assert admin_client.get(f"/campaigns/{scene.draft.id}").status_code == 200
    assert admin_client.get(f"/campaigns/{scene.closed.id}/scorecard").status_code == 200
    # ... the API, asked with the admin's cookie, still answers as the signed-out pages do.
    shown = _assert_parity(admin_client, make_client())
    assert scene.draft.id not in shown
    assert admin_client.get(f"/api/v1/campaigns/{scene.draft.id}").status_code == 404
    assert admin_client.get(f"/api/v1/campaigns/{scene.closed.id}/scorecard").status_code == 404


def test_drafts_and_unpublished_scorecards_are_not_found(client, scene):
    assert client.get(f"/campaigns/{scene.draft.id}").status_code == 404
    assert client.get(f"/api/v1/campaigns/{scene.draft.id}").status_code == 404
    assert client.get(f"/api/v1/campaigns/{scene.draft.id}/scorecard").status_code == 404
    for campaign in (scene.closed, scene.open, scene.upcoming):
        refused = client.get(f"/campaigns/{campaign.id}/scorecard")  # the page sends a visitor to sign in
        assert refused.status_code == 302 and "/login" in refused.headers["Location"]
        response = client.get(f"/api/v1/campaigns/{campaign.id}/scorecard", headers={"Accept-Language": "en"})
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
        assert client.get(f"/api/v1/campaigns/{campaign.id}").status_code == 200
    for url in ("/api/v1/panels/999999", "/api/v1/services/999999", "/api/v1/campaigns/999999", "/api/v1/campaigns/999999/scorecard"):
        assert client.get(url).status_code == 404
    # The scorecard appears in the campaign's body only once published.
    assert client.get(f"/api/v1/campaigns/{scene.closed.id}").get_json()["scorecard"] is None
    published = client.get(f"/api/v1/campaigns/{scene.published.id}").get_json()
    assert published["scorecard"].endswith(f"/api/v1/campaigns/{scene.published.id}/scorecard")


def test_a_campaign_is_read_as_its_page_shows_it(client, scene):
    client.use_english()
    for campaign in (scene.published, scene.closed, scene.open, scene.upcoming):
        html = _page(client, f"/campaigns/{campaign.id}")
        body = client.get(f"/api/v1/campaigns/{campaign.id}").get_json()
        submitted, members = (int(n) for n in re.search(r"(\d+) of (\d+) members?", html).groups())
        assert (body["evaluations_submitted"], body["members"]) == (submitted, members)
        assert body["phase"] == campaign.phase(now()).value
        assert [c["name"] for c in body["criteria"]] == re.findall(r'<li><strong[^>]*>([^<]+)</strong> <span class="muted">', html)
        assert [c["weight"] for c in body["criteria"]] == [2.0, 1.0]
        assert body["criteria"][0]["labels"] == ["매우 나쁨", "나쁨", "보통", "좋음", "매우 좋음"]
        assert body["panel"]["id"] == scene.drawn.id and body["service"]["id"] == scene.service.id
    phases = {c["id"]: c["phase"] for c in _all(client, "/api/v1/campaigns")}
    assert phases == {scene.published.id: "published", scene.closed.id: "closed", scene.open.id: "open", scene.upcoming.id: "upcoming"}
    assert client.get(f"/api/v1/campaigns/{scene.open.id}").get_json()["evaluations_submitted"] == 1


def test_the_published_scorecard_has_the_figures_the_page_shows(client, scene):
    client.use_english()
    html = _page(client, f"/campaigns/{scene.published.id}/scorecard")
    body = client.get(f"/api/v1/campaigns/{scene.published.id}/scorecard", headers={"Accept-Language": "en"}).get_json()
    assert f"{body['overall']:.2f}" == re.search(r'class="big-number">([\d.]+)</strong>', html).group(1)
    assert (body["submitted"], body["members"]) == (3, 4)
    statistics = html[html.index('id="statistics-caption"'):html.index('id="distribution-title"')]
    rows = re.findall(r'<tr><th scope="row"[^>]*>([^<]+)</th><td>([\d.]+)</td><td>(\d+)</td>\s*<td>([\d.]+)</td>', statistics)
    assert len(rows) == 2
    assert [(c["name"], f"{c['weight']:g}", str(c["n"]), f"{c['mean']:.2f}") for c in body["criteria"]] == rows
    # 정시성 4, 5, 3; 친절도 2, 3, 3: the distributions the page's table gives.
    assert [c["distribution"] for c in body["criteria"]] == [[0, 0, 1, 1, 1], [0, 1, 2, 0, 0]]
    assert body["agreement_text"] in html
    assert body["response"]["decision"] == "accepted" and body["response"]["explanation"] == "배차를 늘리겠습니다."
    assert body["response"]["department"]["name"] == "Transport Policy" and body["due"] is None
    assert body["action_plan"] == [{
        "id": scene.item.id, "title": "배차 간격 줄이기", "language": "ko", "due_on": scene.item.due_on.isoformat(), "progress": 40,
        "note": "절반 진행", "overdue": False, "updated_at": body["action_plan"][0]["updated_at"],
    }]
    assert "배차 간격 줄이기" in html and "절반 진행" in html
    assert body["campaign"]["phase"] == "published" and body["published_at"]


def test_a_revised_answer_shows_its_earlier_versions_as_the_page_does(client, scene):
    url = f"/api/v1/campaigns/{scene.published.id}/scorecard"
    assert client.get(url).get_json()["response"]["earlier_versions"] == []
    with write_transaction():
        services.answer(scene.official, db.session.get(Campaign, scene.published.id),
                        ResponseData("partially_accepted", "일부 노선만 늘리겠습니다."), now())
    body = client.get(url).get_json()["response"]
    assert (body["decision"], body["explanation"], body["revision_count"]) == ("partially_accepted", "일부 노선만 늘리겠습니다.", 2)
    assert [(v["number"], v["decision"], v["explanation"]) for v in body["earlier_versions"]] == [(1, "accepted", "배차를 늘리겠습니다.")]
    html = _page(client, f"/campaigns/{scene.published.id}/scorecard")
    answer = html[html.index('id="response"'):html.index('id="action-plan"')]
    earlier = answer[answer.index("<details>"):answer.index("</details>")]
    assert "배차를 늘리겠습니다." in earlier and "일부 노선만" not in earlier
    assert "담당공무원김" not in client.get(url).get_data(as_text=True)


def _walk(value, keys: set):
    if isinstance(value, dict):
        for key, inner in value.items():
            keys.add(key)
            _walk(inner, keys)
    elif isinstance(value, list):
        for inner in value:
            _walk(inner, keys)
    return keys


def test_no_evaluation_data_in_any_body(client, scene):
    """Neither evaluators' names, emails, pseudonyms (in scorecards) nor comments, scores or photos of
    single evaluations, in any language, on any endpoint."""
    urls = ["/api/v1/panels", "/api/v1/campaigns", f"/api/v1/services/{scene.service.id}"]
    urls += [f"/api/v1/panels/{p.id}" for p in (scene.drawn, scene.recruiting)]
    urls += [f"/api/v1/campaigns/{c.id}" for c in (scene.published, scene.closed, scene.open, scene.upcoming)]
    scorecard_url = f"/api/v1/campaigns/{scene.published.id}/scorecard"
    urls.append(scorecard_url)
    secrets = [*COMMENTS, "비밀의견", *EVALUATOR_NAMES, "담당공무원김", "지원자", "@example.kr", "photo"]
    for language in ("ko", "en"):
        for url in urls:
            response = client.get(url, headers={"Accept-Language": language})
            assert response.status_code == 200, url
            text = response.get_data(as_text=True)
            for secret in secrets:
                assert secret not in text, (url, secret)
            keys = _walk(json.loads(text), set())
            assert not keys & {"scores", "evaluations", "evaluation", "comment", "comments", "user_id", "email", "author", "evaluator"}, url
    card = client.get(scorecard_url).get_json()
    assert all(set(c) == FIGURES for c in card["criteria"])
    text = json.dumps(card, ensure_ascii=False)
    pseudonyms = [m.pseudonym for m in services.applicants(scene.drawn)]
    assert pseudonyms and not any(p in text for p in pseudonyms)
    # The anonymised export (which carries comments) is not linked from the API.
    assert "scores" not in text


def test_a_panel_shows_the_public_draw_record_and_no_withdrawn_applicant(client, scene):
    body = client.get(f"/api/v1/panels/{scene.drawn.id}", headers={"Accept-Language": "en"}).get_json()
    assert body["draw"]["seed"] == "공개-시드" and body["draw"]["applicants_csv"].endswith(f"/panels/{scene.drawn.id}/applicants.csv")
    assert body["member_count"] == 4 and len(body["applicants"]) == 5
    assert sorted(a["status"] for a in body["applicants"]) == ["not_selected", "selected", "selected", "selected", "selected"]
    assert {a["district"] for a in body["applicants"]} == {"Mapo-gu"}  # a 동 is shown as its 구
    assert sum(q["seats"] for q in body["quotas"]) == 4
    assert set(body["applicants"][0]) == {"pseudonym", "district", "age_band", "status", "selected_by"}
    korean = client.get(f"/api/v1/panels/{scene.drawn.id}", headers={"Accept-Language": "ko"}).get_json()
    assert {a["district"] for a in korean["applicants"]} == {"마포구"}

    recruiting = client.get(f"/api/v1/panels/{scene.recruiting.id}").get_json()
    assert recruiting["draw"] is None and recruiting["quotas"] is None and recruiting["recruiting"] is True
    assert [a["pseudonym"] for a in recruiting["applicants"]] == [scene.stayed.pseudonym]
    assert scene.withdrawn.pseudonym not in json.dumps(recruiting)
    assert db.session.get(type(scene.withdrawn), scene.withdrawn.id).status == MemberStatus.WITHDRAWN
    listed = {p["id"]: p for p in client.get("/api/v1/panels").get_json()["data"]}
    assert listed[scene.drawn.id]["member_count"] == 4 and listed[scene.recruiting.id]["member_count"] == 0


def test_a_service_shows_its_trend_and_campaigns(client, scene):
    body = client.get(f"/api/v1/services/{scene.service.id}", headers={"Accept-Language": "en"}).get_json()
    assert [t["campaign"]["id"] for t in body["trend"]] == [scene.published.id]
    assert body["trend"][0]["change"] is None and body["trend"][0]["response_rate"] == pytest.approx(0.75)
    assert [c["id"] for c in body["campaigns"]] == [scene.upcoming.id, scene.open.id, scene.closed.id, scene.published.id]
    assert body["department"]["name"] == "Transport Policy"
    assert client.get(f"/api/v1/services/{scene.service.id}", headers={"Accept-Language": "ko"}).get_json()["department"]["name"] == "교통정책과"
    quiet = client.get(f"/api/v1/services/{scene.quiet_service.id}").get_json()
    assert quiet["trend"] == [] and quiet["campaigns"] == []


def test_korean_and_english_texts(client, scene):
    url = f"/api/v1/campaigns/{scene.published.id}/scorecard"
    korean = client.get(url, headers={"Accept-Language": "ko"}).get_json()
    english = client.get(url, headers={"Accept-Language": "en"}).get_json()
    assert korean["agreement"] == english["agreement"]
    assert korean["agreement_text"] != english["agreement_text"] and english["agreement_text"].isascii()
    assert any("\uac00" <= ch <= "\ud7a3" for ch in korean["agreement_text"])
    assert (korean["response"]["decision_label"], english["response"]["decision_label"]) == ("수용", "Accepted")
    error = client.get("/api/v1/campaigns?phase=nope", headers={"Accept-Language": "ko"}).get_json()["error"]
    assert error["code"] == "invalid_parameter" and "phase" in error["fields"]


# --- paging, filters, bad parameters -------------------------------------------------------------------------------


def test_lists_page_by_cursor_without_repeat_or_skip(client, scene):
    for _ in range(4):
        make_panel(scene.admin)
    panels = _all(client, "/api/v1/panels?limit=2")
    assert len(panels) == len({p["id"] for p in panels}) == 6
    campaigns = _all(client, "/api/v1/campaigns?limit=1")
    assert len(campaigns) == len({c["id"] for c in campaigns}) == 4
    closes = [c["closes_at"] for c in campaigns]
    assert closes == sorted(closes, reverse=True)
    first = client.get("/api/v1/panels?limit=2")
    assert first.headers["Link"] == f'<{first.get_json()["next"]}>; rel="next"'


def test_campaign_filters(client, scene):
    def ids(query):
        return {c["id"] for c in _all(client, f"/api/v1/campaigns?{query}")}

    assert ids("phase=published") == {scene.published.id}
    assert ids("phase=open&limit=1") == {scene.open.id}
    assert ids(f"panel_id={scene.drawn.id}") == {scene.published.id, scene.closed.id, scene.open.id, scene.upcoming.id}
    assert ids(f"panel_id={scene.recruiting.id}") == set()
    assert ids(f"service_id={scene.quiet_service.id}") == set()


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=x", "cursor=!!!", "phase=draft", "phase=nope",
                                   "panel_id=abc", "panel_id=١", "panel_id=-1", "service_id=99999999999999999999999", "panel_id="])
def test_a_bad_parameter_is_a_400_naming_it(client, scene, query):
    response = client.get(f"/api/v1/campaigns?{query}", headers={"Accept-Language": "en"})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] in ("invalid_parameter", "invalid_cursor")
    assert query.split("=")[0] in error["fields"]


def test_a_forged_panels_cursor_is_a_400(client, scene):
    from participation.api import paging

    for cursor in ("x", paging.encode_cursor(["a", 1]), paging.encode_cursor([1])):
        response = client.get(f"/api/v1/panels?cursor={cursor}")
        assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_cursor"


# --- conditional requests, query counts ------------------------------------------------------------------------------


def test_unchanged_bodies_are_a_304_and_a_change_makes_a_new_etag(client, scene):
    for url in ("/api/v1/panels", f"/api/v1/panels/{scene.drawn.id}", f"/api/v1/services/{scene.service.id}",
                "/api/v1/campaigns", f"/api/v1/campaigns/{scene.open.id}", f"/api/v1/campaigns/{scene.published.id}/scorecard"):
        first = client.get(url)
        assert first.headers["ETag"] and first.headers["Last-Modified"]
        assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304, url
    url = f"/api/v1/campaigns/{scene.published.id}/scorecard"
    etag = client.get(url).headers["ETag"]
    with write_transaction():
        services.update_action_item(scene.official, db.session.get(Campaign, scene.published.id), scene.item.id, 80, "거의 끝", now())
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.get_json()["action_plan"][0]["progress"] == 80
    # A withdrawal leaves no timestamp, yet the panel's body (and so its ETag) changes.
    url = f"/api/v1/panels/{scene.recruiting.id}"
    etag = client.get(url).headers["ETag"]
    with write_transaction():
        services.withdraw_application(scene.stayed.user, db.session.get(type(scene.recruiting), scene.recruiting.id), now())
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 200


def _statements(count_queries, client, url):
    with count_queries() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_lists_run_a_fixed_number_of_statements(client, scene, count_queries):
    for _ in range(6):
        make_panel(scene.admin)
    for n in range(5):
        campaign_between(scene.admin, scene.recruiting, make_service(scene.admin), now() + timedelta(days=3 + n),
                         now() + timedelta(days=10 + n), title=f"추가 평가 {n}")
    db.session.commit()
    small, large = (_statements(count_queries, client, f"/api/v1/panels?limit={n}") for n in (1, 50))
    assert small == large == 4  # the page, departments, member counts, membership changes
    small, large = (_statements(count_queries, client, f"/api/v1/campaigns?limit={n}") for n in (1, 50))
    assert small == large == 5  # the page, criteria, panels, services, departments


# --- the OpenAPI document says what the bodies are ------------------------------------------------------------------


def test_every_body_matches_its_schema_in_the_openapi_document(client, scene):
    """Each field a body has is declared, with its real type and nullability (the component schemas
    forbid undeclared properties), so what the document says cannot drift from what is sent."""
    import jsonschema_rs

    document = client.get("/api/v1/openapi.json", headers={"Accept-Language": "en"}).get_json()
    bodies = {
        "/api/v1/panels": "/api/v1/panels",
        "/api/v1/panels/{panel_id}": [f"/api/v1/panels/{p.id}" for p in (scene.drawn, scene.recruiting)],
        "/api/v1/services/{service_id}": [f"/api/v1/services/{s.id}" for s in (scene.service, scene.quiet_service)],
        "/api/v1/campaigns": "/api/v1/campaigns",
        "/api/v1/campaigns/{campaign_id}": [f"/api/v1/campaigns/{c.id}" for c in (scene.published, scene.closed, scene.open)],
        "/api/v1/campaigns/{campaign_id}/scorecard": f"/api/v1/campaigns/{scene.published.id}/scorecard",
    }
    # One scorecard still owed an answer, so the `due` branch is checked too.
    with write_transaction():
        services.publish_due_scorecards(scene.closed.publishes_at)
    bodies["/api/v1/campaigns/{campaign_id}/scorecard"] = [bodies["/api/v1/campaigns/{campaign_id}/scorecard"],
                                                           f"/api/v1/campaigns/{scene.closed.id}/scorecard"]
    owed = client.get(f"/api/v1/campaigns/{scene.closed.id}/scorecard").get_json()
    assert owed["response"] is None and owed["due"]["department"]["id"] == scene.service.department_id
    for path, urls in bodies.items():
        schema = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        validator = jsonschema_rs.validator_for({"$schema": "https://json-schema.org/draft/2020-12/schema",
                                                 "components": document["components"], **schema})
        for url in [urls] if isinstance(urls, str) else urls:
            body = client.get(url).get_json()
            errors = [str(e) for e in validator.iter_errors(body)]
            assert not errors, (url, errors[:3])
            assert not validator.is_valid({**body, "comment": "an undeclared field"})
