"""A civic app's journey: an admin defines the streetlight category's extra question; the app
posts a request with a key, finds it through GET requests and GET tokens; the department handles
it with the handling services; the app follows it to FIXED through GET requests/{id} and reads
each step in mySociety's servicerequestupdates. And the status mapping of each kind of step."""
from __future__ import annotations

from datetime import timedelta

import pytest

from participation.civil_requests import handling, intake
from participation.civil_requests.models import CivilRequest
from participation.core.db import write_transaction
from participation.core.time import now
from participation.extensions import db
from tests.deliberation.helpers import signed_in
from tests.factories import make_civil_request, make_department, make_user
from tests.open311.helpers import BASE, body, error_of, issue_key, make_city, xml


def _updates(client, request_id, fmt="json"):
    response = client.get(f"{BASE}/servicerequestupdates.{fmt}", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    if fmt == "json":
        return [row for row in body(response) if row["service_request_id"] == str(request_id)]
    root = xml(response)
    assert root.tag == "service_request_updates"
    rows = []
    for update in root.findall("request_update"):
        assert [c.tag for c in update] == ["update_id", "service_request_id", "status", "updated_datetime", "description", "media_url"]
        rows.append({c.tag: c.text for c in update})
    return [row for row in rows if row["service_request_id"] == str(request_id)]


def test_a_streetlight_request_from_an_app_followed_to_fixed(make_client, app_ctx):
    city = make_city()
    category = city["category"]
    admin = signed_in(make_client, city["admin"])
    page = admin.get(f"/requests/admin/categories/{category.id}/questions/")
    assert page.status_code == 200
    added = admin.post_form(f"/requests/admin/categories/{category.id}/questions/", {
        "code": "pole_number", "description_ko": "전봇대 번호가 무엇인가요?", "description_en": "What is the pole number?",
        "datatype": "string", "required": "y", "order": "1", "values": "",
    }, token_from=f"/requests/admin/categories/{category.id}/questions/")
    assert added.status_code == 302

    app = make_client()
    (definition,) = body(app.get(f"{BASE}/services.json"))
    assert definition["metadata"] is True
    attribute = body(app.get(f"{BASE}/services/{category.id}.json"))["attributes"][0]
    assert (attribute["code"], attribute["required"]) == ("pole_number", True)

    _key, secret = issue_key()
    posted = app.post(f"{BASE}/requests.json", data={
        "api_key": secret, "service_code": definition["service_code"], "lat": "35.16", "long": "126.85",
        "description": "햇살로 12 앞 가로등이 밤새 꺼져 있어요.", "email": "resident@example.org",
        "attribute[pole_number]": "광주-123", "media_url": "https://photos.example.org/light.jpg",
    })
    assert posted.status_code == 201
    (receipt,) = body(posted)
    request_id, token = receipt["service_request_id"], receipt["token"]

    assert request_id in [row["service_request_id"] for row in body(app.get(f"{BASE}/requests.json"))]
    assert body(app.get(f"{BASE}/tokens/{token}.json"))[0]["service_request_id"] == request_id
    (row,) = body(app.get(f"{BASE}/requests/{request_id}.json"))
    assert row["status"] == "open" and row["media_url"] == "https://photos.example.org/light.jpg"
    assert row["expected_datetime"] is not None

    official = make_user(roles={"official"}, department=city["roads"])
    with write_transaction():
        handling.start(official, db.session.get(CivilRequest, int(request_id)), now())
    (row,) = body(app.get(f"{BASE}/requests/{request_id}.json"))
    assert row["status"] == "open"
    with write_transaction():
        handling.complete(official, db.session.get(CivilRequest, int(request_id)), "resolved", "가로등 전구를 교체했습니다.", now())

    (row,) = body(app.get(f"{BASE}/requests/{request_id}.json", headers={"Accept-Language": "en"}))
    assert row["status"] == "closed" and "가로등 전구를 교체했습니다." in row["status_notes"] and "Resolved" in row["status_notes"]
    assert row["expected_datetime"] is None
    root = xml(app.get(f"{BASE}/requests/{request_id}"))
    assert root.findtext("request/status") == "closed"

    for fmt in ("json", "xml"):
        updates = _updates(app, request_id, fmt)
        assert [u["status"] for u in updates] == ["OPEN", "IN_PROGRESS", "FIXED"]
        assert updates[-1]["description"] == "Answered: 가로등 전구를 교체했습니다."
        assert updates[0]["media_url"] == "https://photos.example.org/light.jpg"
        assert all(u["updated_datetime"].endswith("+09:00") for u in updates)


def _public(city, applicant=None):
    return make_civil_request(city["category"], applicant or make_user(), is_public=True, at=now() - timedelta(minutes=20))


def test_each_kind_of_step_maps_to_its_extended_status(client, app_ctx):
    city = make_city()
    official = make_user(roles={"official"}, department=city["roads"])
    lights = make_department("가로등관리과", name_en="Street Lights")
    moment = now() - timedelta(minutes=10)
    applicant = make_user()

    original = _public(city, applicant)
    transferred, linked, impossible, reopened = (_public(city, applicant) for _ in range(4))
    with write_transaction():
        handling.transfer(official, db.session.get(CivilRequest, transferred.id), lights, "가로등은 가로등관리과 소관입니다.", moment)
        handling.link_original(official, db.session.get(CivilRequest, linked.id), db.session.get(CivilRequest, original.id), moment)
        handling.complete(official, db.session.get(CivilRequest, impossible.id), "not_possible", "사유지입니다.", moment,
                          reason="사유지의 가로등입니다.", remedy="행정심판을 청구할 수 있습니다.")
        handling.complete(official, db.session.get(CivilRequest, reopened.id), "resolved", "고쳤습니다.", moment)
    with write_transaction():
        handling.reopen(applicant, db.session.get(CivilRequest, reopened.id), "아직 꺼져 있어요.", moment + timedelta(minutes=1))

    statuses = {r.id: [u["status"] for u in _updates(client, r.id)] for r in (transferred, linked, impossible, reopened)}
    assert statuses[transferred.id] == ["OPEN", "INTERNAL_REFERRAL"]
    assert statuses[linked.id] == ["OPEN", "DUPLICATE"]
    assert statuses[impossible.id] == ["OPEN", "NO_FURTHER_ACTION"]
    assert statuses[reopened.id] == ["OPEN", "CLOSED", "REOPEN"]  # the earlier answer's result is no longer the request's


def test_updates_keep_internal_notes_out(client, app_ctx):
    city = make_city()
    official = make_user(roles={"official"}, department=city["roads"])
    lights = make_department("가로등관리과")
    original = _public(city)
    request = _public(city)
    with write_transaction():
        handling.ask_cohandling(official, db.session.get(CivilRequest, request.id), lights, "부서 사이의 내부 질문입니다.", now())
        handling.link_original(official, db.session.get(CivilRequest, request.id), db.session.get(CivilRequest, original.id), now())
    updates = _updates(client, request.id)
    assert len(updates) == 3  # every step the request page shows
    text = str(updates)
    assert "부서 사이의 내부 질문입니다." not in text and original.tracking_number not in text


def test_updates_of_private_requests_never_appear(client, app_ctx):
    city = make_city()
    private = make_civil_request(city["category"], is_public=False)
    assert _updates(client, private.id) == []


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_updates_take_the_window_and_paging(client, app_ctx, fmt):
    city = make_city()
    moment = now()
    old = make_civil_request(city["category"], is_public=True, at=moment - timedelta(days=40))
    new = make_civil_request(city["category"], is_public=True, at=moment - timedelta(days=1))
    window = {"start_date": (moment - timedelta(days=5)).isoformat(), "end_date": moment.isoformat()}
    response = client.get(f"{BASE}/servicerequestupdates.{fmt}", query_string=window)
    if fmt == "json":
        assert [u["service_request_id"] for u in body(response)] == [str(new.id)]
    else:
        assert [u.findtext("service_request_id") for u in xml(response).findall("request_update")] == [str(new.id)]
    paged = body(client.get(f"{BASE}/servicerequestupdates.json", query_string={"page_size": 1, "page": 1}))
    assert [u["service_request_id"] for u in paged] == [str(old.id)]  # oldest first
    bad = client.get(f"{BASE}/servicerequestupdates.{fmt}", query_string={"page_size": 501})
    assert bad.status_code == 400 and error_of(bad, fmt)[0] == 400


def test_an_open311_filing_has_no_account_and_no_name_needed(app_ctx):
    city = make_city()
    with write_transaction():
        filed = intake.file_request(
            None, intake.RequestData(category=city["category"], title="가로등", description="꺼졌어요", is_public=True), now(),
            channel=intake.Channel.OPEN311, on_behalf=intake.OnBehalf(name="", phone=None, email="a@example.org", consented=True, name_required=False),
        )
    assert filed.applicant_name is None and filed.contact_email == "a@example.org"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_chicagos_extensions_give_the_detailed_status_on_a_request(client, app_ctx, fmt):
    """`extensions=true` (Chicago) adds extended_attributes, so an app can follow one request to FIXED
    through GET requests/{id} alone; without it the body is the spec's, unchanged."""
    city = make_city()
    req = _public(city)
    official = make_user(roles={"official"}, department=city["roads"])

    def detailed() -> str:
        response = client.get(f"{BASE}/requests/{req.id}.{fmt}?extensions=true")
        if fmt == "json":
            (row,) = body(response)
            assert set(row["extended_attributes"]) == {"detailed_status", "channel", "district", "overdue"}
            return row["extended_attributes"]["detailed_status"]
        return xml(response).findtext("request/extended_attributes/detailed_status")

    assert detailed() == "OPEN"
    with write_transaction():
        handling.start(official, db.session.get(CivilRequest, req.id), now())
    assert detailed() == "IN_PROGRESS"
    with write_transaction():
        handling.complete(official, db.session.get(CivilRequest, req.id), "resolved", "교체했습니다.", now())
    assert detailed() == "FIXED"
    plain = client.get(f"{BASE}/requests/{req.id}.json")
    assert "extended_attributes" not in body(plain)[0]
    listed = body(client.get(f"{BASE}/requests.json?extensions=true"))
    assert [r["extended_attributes"]["detailed_status"] for r in listed if r["service_request_id"] == str(req.id)] == ["FIXED"]
