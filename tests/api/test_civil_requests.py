"""/api/v1/requests and /api/v1/requests/{id} (issue 15 item 1): exactly the public requests and
the public timeline a signed-out visitor reads on /requests/, never who filed a request or who
took a step, in a fixed number of statements; and the reference lists behind the filters."""
from __future__ import annotations

import html as html_module
import json
import re
from datetime import timedelta

import pytest

from participation.civil_requests import handling, intake, tracking
from participation.civil_requests.models import RequestPhoto
from participation.core import reference
from participation.core.db import write_transaction
from participation.core.time import now
from participation.extensions import db
from tests.civil_requests import public_world
from tests.civil_requests.public_world import SECRET_COUNTER_NAME, SECRET_DIGITS, SECRET_EMAIL, SECRET_NAME, SECRET_PHONE, step
from tests.factories import make_district, make_request_category, make_user

COHANDLING_QUESTION = "협조부서만 읽는 질문: 나무 뿌리가 원인인지"
COHANDLING_ANSWER = "협조부서 내부 답: 뿌리 문제 아님"
FOLLOW_UP_COMMENT = "신청인의 불만 의견: 여전히 어둡습니다"
SUPPLEMENT_ASK = "사진을 한 장 더 보내 주세요."
OFFICIAL_NAME = "담당공무원김철수"


@pytest.fixture
def world(app_ctx):
    """public_world.city() and more: a request with assignment, co-handling, an answer, a
    dissatisfied rating with a comment and its follow-up; one waiting for a supplement; one
    transferred; one in a category retired since; a photo and a supporter."""
    w = public_world.city()
    w.road_official.display_name = OFFICIAL_NAME
    db.session.commit()
    moment = now()
    handled = public_world.file(w, "handled", w.lights, title="고친 가로등", district=w.sunny, at=moment - timedelta(days=3))
    step(handling.assign, w.road_official, handled, w.road_official, moment - timedelta(days=3, hours=-1))
    step(handling.start, w.road_official, handled, moment - timedelta(days=3, hours=-2))
    step(handling.ask_cohandling, w.road_official, handled, w.parks, COHANDLING_QUESTION, moment - timedelta(days=2))
    step(handling.answer_cohandling, w.park_official, handled, COHANDLING_ANSWER, moment - timedelta(days=2, hours=-1))
    step(handling.complete, w.road_official, handled, "resolved", "가로등을 고쳤습니다.", moment - timedelta(days=1))
    step(handling.rate, w.applicant, handled, "dissatisfied", FOLLOW_UP_COMMENT, moment - timedelta(hours=20))
    step(handling.answer_follow_up, w.road_official, handled, "다시 점검했습니다.", moment - timedelta(hours=10))
    paused = public_world.file(w, "paused", w.trees, title="가지치기 요청", district=w.river, at=moment - timedelta(days=2))
    step(handling.request_supplement, w.park_official, paused, SUPPLEMENT_ASK, moment - timedelta(days=1))
    moved = public_world.file(w, "moved", w.lights, title="공원 안 가로등", at=moment - timedelta(days=1))
    step(handling.transfer, w.road_official, moved, w.parks, "공원 시설입니다.", moment - timedelta(hours=5))
    w.benches = make_request_category(w.parks, name_ko="벤치 파손", name_en="Broken bench")
    public_world.file(w, "retired", w.benches, title="부서진 벤치", district=w.sunny, at=moment - timedelta(days=4))
    with write_transaction():
        reference.retire(None, w.benches, moment)
    db.session.commit()
    overdue = w.requests["overdue"]
    db.session.add(RequestPhoto(request=overdue, position=0, token="a" * 32, width=800, height=600, size_bytes=1000, created_at=moment))
    db.session.commit()
    step(intake.support, make_user(), overdue, moment)
    return w


def page_ids(client, query: str = "") -> list[int]:
    response = client.get(f"/requests/{query}")
    assert response.status_code == 200
    return [int(i) for i in re.findall(r'<h3><a href="/requests/(\d+)"', response.get_data(as_text=True))]


def api_all(client, url: str, headers=None) -> list[dict]:
    """Every item of a list, following `next` to the end."""
    items, seen_pages = [], 0
    while url:
        response = client.get(url, headers=headers or {})
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        items += body["data"]
        url = body["next"]
        seen_pages += 1
        assert seen_pages < 50
    return items


def parity_queries(w) -> list[tuple[str, str]]:
    """(API query, page query) pairs: every filter the page has, each alone and some together."""
    return [
        ("", ""),
        (f"category={w.lights.id}", f"category_id={w.lights.id}"),
        (f"category={w.trees.id}", f"category_id={w.trees.id}"),
        (f"category={w.benches.id}", f"category_id={w.benches.id}"),  # retired: its requests are still listed
        (f"district={w.gu.id}", f"district_id={w.gu.id}"),  # a 구 covers its 동
        (f"district={w.sunny.id}", f"district_id={w.sunny.id}"),
        (f"district={w.river.id}", f"district_id={w.river.id}"),
        ("status=open", "status=open"),
        ("status=closed", "status=closed"),
        ("status=received", "status=received"),
        ("status=completed", "status=completed"),
        ("status=awaiting_supplement", "status=awaiting_supplement"),
        ("overdue=true", "overdue=y"),
        ("sort=due", "sort=due"),
        ("sort=newest", "sort=newest"),
        (f"sort=due&category={w.lights.id}&status=open", f"sort=due&category_id={w.lights.id}&status=open"),
        (f"district={w.gu.id}&overdue=true", f"district_id={w.gu.id}&overdue=y"),
    ]


def test_the_list_is_exactly_the_public_list_for_every_filter_and_order(world, client, make_client):
    admin = make_client()
    admin.login(make_user(roles={"admin"}).email)
    for api_query, page_query in parity_queries(world):
        expected = page_ids(client, f"?{page_query}")
        for reader in (client, admin):  # an admin's cookie changes nothing
            for limit in (2, 100):
                got = [item["id"] for item in api_all(reader, f"/api/v1/requests?{api_query}&limit={limit}")]
                assert got == expected, (api_query, limit)
    everything = page_ids(client)
    private = {world.requests["private"].id, world.requests["private_counter"].id}
    assert private.isdisjoint(everything) and len(everything) == 7
    assert world.requests["retired"].id in everything


def test_each_item_says_what_its_list_item_says(world, client):
    client.use_english()
    html = client.get("/requests/").get_data(as_text=True)
    items = {item["id"]: item for item in api_all(client, "/api/v1/requests", headers={"Accept-Language": "en"})}
    blocks = {int(m.group(1)): m.group(0) for m in re.finditer(r'<h3><a href="/requests/(\d+)".*?</li>', html, re.S)}
    assert set(blocks) == set(items)
    for request_id, item in items.items():
        block = html_module.unescape(blocks[request_id])
        assert item["title"] in block and item["status_label"] in block
        assert item["category"]["name"] in block and item["lead_department"]["name"] in block
        assert f"<dd>{item['supporter_count']}</dd>" in block
        if item["district"]:
            assert item["district"]["full_name"] in block
        if item["clock"]["words"]:
            assert item["clock"]["words"] in block
        assert item["html_url"].endswith(f"/requests/{request_id}")
        assert item["url"].endswith(f"/api/v1/requests/{request_id}")
        assert "tracking_number" not in item  # the list page does not show it
    overdue = items[world.requests["overdue"].id]
    assert overdue["clock"]["overdue"] is True and overdue["clock"]["state"] == "overdue"
    assert overdue["clock"]["working_seconds_overdue"] > 0 and overdue["clock"]["working_seconds_left"] is None
    assert overdue["supporter_count"] == 1 and overdue["latitude"] == 35.16 and overdue["longitude"] == 126.85
    assert overdue["photos"][0]["url"].endswith("/requests/photos/" + "a" * 32 + ".jpg")
    assert overdue["photos"][0]["thumbnail_url"].endswith("-thumb.jpg") and overdue["photos"][0]["width"] == 800
    fresh = items[world.requests["counter"].id]
    assert fresh["clock"]["state"] == "due" and fresh["clock"]["overdue"] is False and fresh["clock"]["working_seconds_left"] > 0
    paused = items[world.requests["paused"].id]
    assert paused["clock"]["state"] == "paused" and paused["due_at"] is None and paused["clock"]["working_seconds_left"] is None
    answered = items[world.requests["answered"].id]
    assert answered["clock"]["state"] == "answered_on_time" and answered["result"] == "resolved" and answered["result_label"] == "Resolved"
    assert answered["completed_at"] == "2026-04-07T06:00:00Z"


def test_the_map_and_the_list_agree_on_positions(world, client):
    pins = {f["properties"]["id"]: f["geometry"]["coordinates"] for f in client.get("/requests/map.json").get_json()["features"]}
    items = api_all(client, "/api/v1/requests")
    assert pins == {i["id"]: [i["longitude"], i["latitude"]] for i in items if i["latitude"] is not None}


def _page_steps(client, request_id: int) -> dict[int, str]:
    html = client.get(f"/requests/{request_id}").get_data(as_text=True)
    return {int(m.group(1)): m.group(2) for m in re.finditer(r'<li id="step-(\d+)">(.*?)</li>', html, re.S)}


def test_a_request_shows_the_steps_and_notes_its_public_page_shows(world, client, make_client):
    handled = world.requests["handled"]
    steps = _page_steps(client, handled.id)
    body = client.get(f"/api/v1/requests/{handled.id}", headers={"Accept-Language": "ko"}).get_json()
    assert [s["id"] for s in body["timeline"]] == list(steps)
    kinds = [s["kind"] for s in body["timeline"]]
    for kind in ("assigned", "cohandling_asked", "cohandling_answered", "completed", "survey_answered", "follow_up", "follow_up_answered"):
        assert kind in kinds
    for s in body["timeline"]:
        shown = steps[s["id"]]
        assert s["label"] in shown
        assert (s["note"] is not None) == ("timeline-note" in shown), s["kind"]
        if s["note"]:
            assert s["note"] in shown
        if s["department"]:
            assert s["department"]["name"] in shown
    by_kind = {s["kind"]: s for s in body["timeline"]}
    assert by_kind["cohandling_answered"]["note"] is None and by_kind["follow_up"]["note"] is None
    assert by_kind["survey_answered"]["note"] == "불만족"
    assert by_kind["follow_up_answered"]["note"] == "다시 점검했습니다."
    assert by_kind["filed"]["due_at"] is not None and by_kind["completed"]["due_at"] is None
    text = json.dumps(body, ensure_ascii=False)
    for secret in (COHANDLING_QUESTION, COHANDLING_ANSWER, FOLLOW_UP_COMMENT, OFFICIAL_NAME):
        assert secret not in text
    assert body["cohandling_departments"] == [{"id": world.parks.id, "name": "공원녹지과"}]
    assert body["answer"] == "가로등을 고쳤습니다." and body["result_reason"] is None
    # The handling department reads the comment and who took each step on its page: the API never does, whatever the cookie.
    official = make_client()
    official.login(world.road_official.email)
    official_page = official.get(f"/requests/{handled.id}").get_data(as_text=True)
    assert FOLLOW_UP_COMMENT in official_page and OFFICIAL_NAME in official_page
    assert official.get(f"/api/v1/requests/{handled.id}", headers={"Accept-Language": "ko"}).get_json() == body


def test_a_request_shows_the_tracking_number_its_page_shows_and_transfers_and_supplements(world, client):
    moved = world.requests["moved"]
    body = client.get(f"/api/v1/requests/{moved.id}", headers={"Accept-Language": "en"}).get_json()
    assert body["tracking_number"] == moved.tracking_number
    assert moved.tracking_number in client.get(f"/requests/{moved.id}").get_data(as_text=True)
    transfer = next(s for s in body["timeline"] if s["kind"] == "transferred")
    assert transfer["from_department"]["name"] == "Roads" and transfer["department"]["name"] == "Parks"
    assert transfer["note"] == "공원 시설입니다."
    assert body["lead_department"]["name"] == "Parks"
    paused = client.get(f"/api/v1/requests/{world.requests['paused'].id}").get_json()
    assert next(s for s in paused["timeline"] if s["kind"] == "supplement_requested")["note"] == SUPPLEMENT_ASK
    assert paused["clock"]["state"] == "paused" and paused["clock"]["words"]


def test_a_private_request_is_a_404_even_to_its_applicant_an_admin_or_a_tracking_browser(world, app, make_client):
    private = world.requests["private"]
    readers = []
    for person in (world.applicant, make_user(roles={"admin"}), world.road_official):
        reader = make_client()
        reader.login(person.email)
        assert reader.get(f"/requests/{private.id}").status_code == 200  # their page shows it
        readers.append(reader)
    tracked = app.test_client()
    with tracked.session_transaction() as session:
        session[tracking.SESSION_KEY] = [private.id]
    assert tracked.get(f"/requests/{private.id}").status_code == 200
    for reader in (*readers, tracked):
        response = reader.get(f"/api/v1/requests/{private.id}")
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
        assert private.id not in [i["id"] for i in api_all(reader, "/api/v1/requests?limit=100")]
    for missing in ("999999", "99999999999"):
        assert tracked.get(f"/api/v1/requests/{missing}").status_code == 404


def test_no_body_carries_anyone_s_name_phone_or_email(world, client):
    texts = [client.get("/api/v1/requests?limit=100").get_data(as_text=True)]
    texts += [client.get(f"/api/v1/requests/{r.id}").get_data(as_text=True) for r in world.requests.values() if r.is_public]
    texts += [client.get(f"/api/v1/requests/{r.id}").get_data(as_text=True) for r in world.requests.values() if not r.is_public]
    secrets = (SECRET_NAME, SECRET_COUNTER_NAME, SECRET_PHONE, SECRET_DIGITS, SECRET_EMAIL, "web-applicant@example.kr", OFFICIAL_NAME,
               world.applicant.email, world.road_official.email, world.counter.email, "contact", "applicant_name", "handler")
    for text in texts:
        for secret in secrets:
            assert secret not in text, secret
    assert "비공개" not in texts[0]


def test_paging_follows_next_to_the_end_in_either_order_without_repeats(world, client):
    for sort in ("newest", "due"):
        whole = [i["id"] for i in client.get(f"/api/v1/requests?sort={sort}&limit=100").get_json()["data"]]
        paged, url, pages = [], f"/api/v1/requests?sort={sort}&limit=3", 0
        while url:
            response = client.get(url)
            body = response.get_json()
            paged += [i["id"] for i in body["data"]]
            if body["next"]:
                assert response.headers["Link"] == f'<{body["next"]}>; rel="next"'
                assert f"sort={sort}" in body["next"]
            url, pages = body["next"], pages + 1
        assert paged == whole and len(set(paged)) == len(paged) == 7 and pages == 3


def test_an_unchanged_answer_is_a_304_and_a_new_step_makes_a_new_one(world, client):
    overdue = world.requests["overdue"]
    for url in ("/api/v1/requests", f"/api/v1/requests/{overdue.id}", "/api/v1/districts", "/api/v1/categories", "/api/v1/request-categories"):
        first = client.get(url)
        assert first.status_code == 200 and first.headers["ETag"] and first.headers["Last-Modified"]
        assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    etags = {url: client.get(url).headers["ETag"] for url in ("/api/v1/requests", f"/api/v1/requests/{overdue.id}")}
    step(intake.support, make_user(), overdue, now())
    for url, etag in etags.items():
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 200 and again.headers["ETag"] != etag
    assert client.get(f"/api/v1/requests/{overdue.id}").get_json()["supporter_count"] == 2


@pytest.mark.parametrize("query, name", [
    ("category=abc", "category"), ("category=٣", "category"), ("district=-1", "district"), ("district=1.5", "district"), ("status=nope", "status"), ("overdue=maybe", "overdue"),
    ("sort=oldest", "sort"), ("limit=0", "limit"), ("category=" + "9" * 30, "category"), ("district=99999999999", "district"),
])
def test_a_bad_parameter_is_a_400_naming_it(world, client, query, name):
    messages = {}
    for language in ("ko", "en"):
        response = client.get(f"/api/v1/requests?{query}", headers={"Accept-Language": language})
        assert response.status_code == 400
        error = response.get_json()["error"]
        assert error["code"] == "invalid_parameter" and list(error["fields"]) == [name]
        messages[language] = error["fields"][name][0]
    assert any("\uac00" <= ch <= "\ud7a3" for ch in messages["ko"])
    assert messages["en"] != messages["ko"] and re.search(r"[A-Za-z]{4}", messages["en"])


def test_an_id_that_names_nothing_matches_nothing(world, client):
    for query in ("category=999999", "district=999999"):
        response = client.get(f"/api/v1/requests?{query}")
        assert response.status_code == 200 and response.get_json() == {"data": [], "next": None}


def test_labels_and_names_speak_korean_or_english(world, client):
    request_id = world.requests["overdue"].id
    korean = client.get(f"/api/v1/requests/{request_id}", headers={"Accept-Language": "ko"}).get_json()
    english = client.get(f"/api/v1/requests/{request_id}", headers={"Accept-Language": "en"}).get_json()
    assert (korean["status_label"], english["status_label"]) == ("접수", "Received")
    assert (korean["category"]["name"], english["category"]["name"]) == ("가로등 고장", "Street light out")
    assert (korean["district"]["full_name"], english["district"]["full_name"]) == ("햇빛구 맑음동", "Sunlight-gu Malgeum-dong")
    assert english["clock"]["words"].startswith("Overdue: was due") and korean["clock"]["words"].startswith("기한 경과")
    assert korean["timeline"][0]["label"] == "접수됨" and english["timeline"][0]["label"] == "Filed"


def test_the_list_takes_the_same_statements_whatever_the_page_size(world, client, count_queries):
    counts = []
    for limit in (1, 3, 100):
        with count_queries() as statements:
            assert client.get(f"/api/v1/requests?limit={limit}&sort=due").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] == counts[2] <= 3  # the page, its photos, the city's holidays
    with count_queries() as statements:
        assert client.get(f"/api/v1/requests/{world.requests['handled'].id}").status_code == 200
    assert len(statements) <= 6


# --- the reference lists -----------------------------------------------------------------------


def test_districts_list_each_gu_with_its_dongs_as_the_filter_does(world, client):
    old = make_district("옛동", parent=world.gu, name_en="Old-dong")
    with write_transaction():
        reference.retire(None, old, now())
    db.session.commit()
    korean = client.get("/api/v1/districts", headers={"Accept-Language": "ko"}).get_json()
    english = client.get("/api/v1/districts", headers={"Accept-Language": "en"}).get_json()
    assert korean == {"data": [{"id": world.gu.id, "name": "햇빛구", "dongs": [
        {"id": world.river.id, "name": "강변동"}, {"id": world.sunny.id, "name": "맑음동"}]}]}
    assert english["data"][0]["name"] == "Sunlight-gu" and [d["name"] for d in english["data"][0]["dongs"]] == ["Gangbyeon-dong", "Malgeum-dong"]
    assert "next" not in korean
    filter_choices = {int(v) for v in re.findall(r'<option value="(\d+)"', client.get("/requests/").get_data(as_text=True).split('name="district_id"')[1].split("</select>")[0])}
    assert filter_choices == {world.gu.id, world.sunny.id, world.river.id}


def test_idea_categories_come_with_their_department(app_ctx, client):
    from tests.factories import make_category, make_department

    roads = make_department("도로과", name_en="Roads")
    active = make_category(roads, name_ko="교통")
    gone = make_category(roads, name_ko="없어진 분야")
    with write_transaction():
        reference.retire(None, gone, now())
    db.session.commit()
    body = client.get("/api/v1/categories", headers={"Accept-Language": "en"}).get_json()
    assert body == {"data": [{"id": active.id, "name": active.name_en, "department": {"id": roads.id, "name": "Roads"}}]}
    assert client.get("/api/v1/categories", headers={"Accept-Language": "ko"}).get_json()["data"][0]["name"] == "교통"


def test_request_categories_are_those_that_take_requests_with_kind_department_and_period(world, client):
    world.trees.period_amount, world.trees.period_unit = 3, "hours"
    db.session.commit()
    body = client.get("/api/v1/request-categories", headers={"Accept-Language": "en"}).get_json()
    by_id = {c["id"]: c for c in body["data"]}
    assert set(by_id) == {world.lights.id, world.trees.id}  # the retired one takes no more requests
    assert by_id[world.lights.id]["kind"] == "grievance" and by_id[world.lights.id]["period"] == {"amount": 7, "unit": "days", "label": "7 days"}
    assert by_id[world.trees.id]["period"] == {"amount": 3, "unit": "hours", "label": "3 working hours"}
    assert by_id[world.trees.id]["department"] == {"id": world.parks.id, "name": "Parks"}
    korean = client.get("/api/v1/request-categories", headers={"Accept-Language": "ko"}).get_json()
    assert {c["name"] for c in korean["data"]} == {"가로등 고장", "가로수 정비"}
    assert body["data"][0]["kind_label"].isascii() and not korean["data"][0]["kind_label"].isascii()


def test_the_openapi_document_describes_the_new_endpoints(world, client):
    document = client.get("/api/v1/openapi.json", headers={"Accept-Language": "en"}).get_json()
    for path in ("/api/v1/requests", "/api/v1/requests/{request_id}", "/api/v1/districts", "/api/v1/categories", "/api/v1/request-categories"):
        assert path in document["paths"]
    names = {p.get("name") for p in document["paths"]["/api/v1/requests"]["get"]["parameters"]}
    assert {"category", "district", "status", "overdue", "sort", "limit", "cursor"} <= names
    item = document["components"]["schemas"]["CivilRequest"]
    assert {"clock", "status", "photos", "html_url"} <= set(item["required"])
    assert not {"applicant_name", "contact_phone", "contact_email", "handler"} & set(item["properties"])


def test_every_body_is_what_the_openapi_document_says(world, client):
    """The document is built from the same schemas as the bodies; this holds them to it (no field
    undeclared, none of the wrong type, none missing that is required)."""
    import jsonschema_rs

    document = client.get("/api/v1/openapi.json").get_json()

    def check(url: str, component: str) -> None:
        schema = {**document, "$ref": f"#/components/schemas/{component}"}
        body = client.get(url).get_json()
        errors = [str(e) for e in jsonschema_rs.validator_for(schema).iter_errors(body)]
        assert not errors, (url, errors[:3])

    check("/api/v1/requests?limit=100", "CivilRequestPage")
    check("/api/v1/requests?limit=2&sort=due", "CivilRequestPage")
    for request in world.requests.values():
        if request.is_public:
            check(f"/api/v1/requests/{request.id}", "CivilRequestDetail")
    check("/api/v1/districts", "DistrictList")
    check("/api/v1/categories", "CategoryList")
    check("/api/v1/request-categories", "RequestCategoryList")
    check("/api/v1/requests?status=nope", "Error")
    # And the check does catch a field the document does not declare.
    tampered = client.get(f"/api/v1/requests/{world.requests['overdue'].id}").get_json() | {"contact_phone": SECRET_PHONE}
    assert not jsonschema_rs.validator_for({**document, "$ref": "#/components/schemas/CivilRequestDetail"}).is_valid(tampered)


def test_a_not_possible_answer_carries_its_reason_and_remedy_as_its_page_does(world, client):
    request = world.requests["counter"]
    step(handling.complete, world.road_official, request, "not_possible", "고칠 수 없습니다.", now(),
         reason="한전 소유 시설입니다.", remedy="한전 123번으로 신고해 주세요.")
    html = client.get(f"/requests/{request.id}").get_data(as_text=True)
    body = client.get(f"/api/v1/requests/{request.id}", headers={"Accept-Language": "en"}).get_json()
    assert (body["result"], body["result_label"], body["answer"]) == ("not_possible", "Not possible", "고칠 수 없습니다.")
    assert body["result_reason"] == "한전 소유 시설입니다." and body["result_reason"] in html
    assert body["result_remedy"] == "한전 123번으로 신고해 주세요." and body["result_remedy"] in html
    assert body["clock"]["state"] == "answered_on_time" and body["completed_at"]
    for secret in (SECRET_COUNTER_NAME, SECRET_PHONE, SECRET_EMAIL):  # filed at a counter, for a resident
        assert secret not in json.dumps(body, ensure_ascii=False)
