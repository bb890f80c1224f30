"""POST requests (GeoReport v2): a key with the Open311 scope files a civil request through the
web form's service; every refusal is the spec's error (403 for the key, 400 otherwise)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from participation.api import keys
from participation.api.models import ApiKey
from participation.civil_requests.models import Channel, CivilRequest, EventKind, RequestAttributeAnswer
from participation.core.db import write_transaction
from participation.core.time import now
from participation.extensions import db
from tests.open311.helpers import BASE, OUTSIDE, add_question, body, error_of, file, issue_key, make_city, xml


@pytest.fixture
def city(app_ctx):
    return make_city()


def _only_request() -> CivilRequest:
    return db.session.scalars(select(CivilRequest)).one()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_key_files_a_public_request_through_the_service(client, city, fmt):
    key, secret = issue_key()
    response = file(client, secret, city["category"], fmt=fmt, phone="010-1234-5678", first_name="길동", last_name="홍",
                    address_string="새봄구 햇살로 12", media_url="https://photos.example.org/p/1.jpg", device_id="dev-1", account_id="acct-9")
    assert response.status_code == 201
    if fmt == "json":
        (row,) = body(response)
        assert list(row) == ["service_request_id", "token", "service_notice", "account_id"]
        request_id, token = row["service_request_id"], row["token"]
    else:
        root = xml(response)
        assert root.tag == "service_requests"
        (row,) = root.findall("request")
        assert [c.tag for c in row] == ["service_request_id", "token", "service_notice", "account_id"]
        request_id, token = row.findtext("service_request_id"), row.findtext("token")
    filed = _only_request()
    assert request_id == str(filed.id) and token == filed.tracking_number
    assert filed.channel == Channel.OPEN311 and filed.is_public
    assert filed.api_key_id == key.id  # the key that filed it is kept
    assert filed.applicant_id is None and filed.filed_by_id is None
    assert (filed.applicant_name, filed.contact_phone, filed.contact_email) == ("홍길동", "01012345678", "resident@example.org")
    assert filed.media_url == "https://photos.example.org/p/1.jpg"  # a link, kept as text
    assert filed.address == "새봄구 햇살로 12" and (filed.latitude, filed.longitude) == (35.16, 126.85)
    assert filed.title == "골목 가로등이 사흘째 꺼져 있습니다."
    assert filed.due_at is not None and [e.kind for e in filed.events] == [EventKind.FILED.value]
    text = response.get_data(as_text=True)
    for private in ("01012345678", "010-1234-5678", "resident@example.org", "홍길동", "dev-1"):
        assert private not in text
    assert db.session.get(ApiKey, key.id).use_count == 1


def test_the_media_url_is_never_fetched(client, city, monkeypatch):
    import socket
    import urllib.request

    def refuse(*args, **kwargs):
        raise AssertionError("the media link was fetched")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    _key, secret = issue_key()
    assert file(client, secret, city["category"], media_url="http://10.0.0.1/internal.jpg").status_code == 201
    assert _only_request().media_url == "http://10.0.0.1/internal.jpg"
    response = file(client, secret, city["category"], media_url="javascript:alert(1)")
    assert response.status_code == 400


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_no_key_a_wrong_key_a_revoked_key_and_a_read_only_key_get_403(client, city, fmt):
    _read_key, read_secret = issue_key(scopes=("read",))
    revoked, revoked_secret = issue_key()
    with write_transaction():
        keys.revoke_key(None, db.session.merge(revoked), now())
    for secret in (None, "gk_not-a-real-key", revoked_secret, read_secret):
        response = file(client, secret, city["category"], fmt=fmt)
        assert response.status_code == 403, secret
        assert error_of(response, fmt)[0] == 403
    assert db.session.scalar(select(CivilRequest.id)) is None


def test_a_key_in_the_header_works_too(client, city):
    _key, secret = issue_key()
    data = {"service_code": str(city["category"].id), "description": "가로등이 꺼졌어요", "email": "a@example.org", "lat": "35.16", "long": "126.85"}
    assert client.post(f"{BASE}/requests.json", data=data, headers={"X-API-Key": secret}).status_code == 201


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"service_code": "999999"}, "service_code"),
        ({"service_code": "abc"}, "service_code"),
        ({"lat": None, "long": None}, "location"),
        ({**OUTSIDE}, "outside the city"),  # the web form's rule
        ({"lat": "35.16", "long": None}, "latitude and longitude"),
        ({"lat": "north"}, "lat must be a number"),
        ({"lat": "nan"}, "lat must be a number"),
        ({"description": ""}, "Describe"),
        ({"description": "가" * 4_001}, "4000"),
        ({"email": None}, "phone number or an email"),
        ({"email": "not-an-email"}, "valid email"),
        ({"phone": "12345"}, "mobile number"),
        ({"first_name": "가" * 61}, "name"),
    ],
)
def test_bad_fields_are_400_with_a_reason(client, city, fields, words):
    _key, secret = issue_key()
    response = file(client, secret, city["category"], **fields)
    assert response.status_code == 400
    code, description = error_of(response)
    assert code == 400 and words.lower() in description.lower().replace(",", ""), description
    assert db.session.scalar(select(CivilRequest.id)) is None


def test_a_retired_service_is_refused(client, city):
    city["category"].retired_at = now()
    _key, secret = issue_key()
    response = file(client, secret, city["category"])
    assert response.status_code == 400 and "service_code" in error_of(response)[1]


def test_a_json_body_is_refused_in_the_spec_form(client, city):
    _key, secret = issue_key()
    response = client.post(f"{BASE}/requests.json", json={"api_key": secret, "service_code": city["category"].id})
    assert response.status_code == 400 and error_of(response)[0] == 400


def test_the_address_alone_is_a_location(client, city):
    _key, secret = issue_key()
    response = file(client, secret, city["category"], lat=None, long=None, address_string="햇살동 주민센터 앞")
    assert response.status_code == 201
    filed = _only_request()
    assert filed.latitude is None and filed.address == "햇살동 주민센터 앞"


class TestAttributes:
    def _questions(self, category):
        add_question(category, code="pole_number", datatype="string", required=True, order=1)
        add_question(category, code="count", datatype="number", order=2, description_ko="몇 개인가요?")
        add_question(category, code="since", datatype="datetime", order=3, description_ko="언제부터인가요?")
        add_question(category, code="kind", datatype="singlevaluelist", order=4, description_ko="어떤 고장인가요?",
                     values=[{"key": "dark", "name_ko": "꺼짐", "name_en": "Dark"}, {"key": "flicker", "name_ko": "깜빡임", "name_en": "Flickering"}])
        add_question(category, code="sides", datatype="multivaluelist", order=5, description_ko="어느 쪽인가요?",
                     values=[{"key": "north", "name_ko": "북쪽", "name_en": ""}, {"key": "south", "name_ko": "남쪽", "name_en": ""}])

    def test_answers_are_checked_and_kept(self, client, city):
        self._questions(city["category"])
        _key, secret = issue_key()
        response = client.post(f"{BASE}/requests.json", data={
            "api_key": secret, "service_code": str(city["category"].id), "description": "가로등이 꺼졌어요", "email": "a@example.org",
            "lat": "35.16", "long": "126.85", "attribute[pole_number]": "A-12", "attribute[count]": "2",
            "attribute[since]": "2026-12-01T20:00:00+09:00", "attribute[kind]": "flicker",
            "attribute[sides][]": ["north", "south"],
        })
        assert response.status_code == 201, response.get_data(as_text=True)
        answers = {a.attribute.code: a.value for a in db.session.scalars(select(RequestAttributeAnswer))}
        assert answers == {"pole_number": "A-12", "count": "2", "since": "2026-12-01T20:00:00+09:00", "kind": "flicker", "sides": "north,south"}

    @pytest.mark.parametrize(
        ("answers", "words"),
        [
            ({}, "required"),
            ({"attribute[count]": "many"}, "number"),
            ({"attribute[count]": "inf"}, "number"),
            ({"attribute[since]": "yesterday"}, "date and time"),
            ({"attribute[since]": "2026-12-01T20:00:00"}, "zone"),
            ({"attribute[kind]": "broken"}, "listed keys"),
            ({"attribute[sides][]": ["north", "east"]}, "listed keys"),
            ({"attribute[pole_number]": "a\nb"}, "one line"),
            ({"attribute[colour]": "red"}, "no question"),
        ],
    )
    def test_bad_answers_are_400(self, client, city, answers, words):
        self._questions(city["category"])
        _key, secret = issue_key()
        data = {"api_key": secret, "service_code": str(city["category"].id), "description": "가로등이 꺼졌어요",
                "email": "a@example.org", "lat": "35.16", "long": "126.85", "attribute[pole_number]": "A-12"}
        if not answers:
            del data["attribute[pole_number]"]
        data.update(answers)
        response = client.post(f"{BASE}/requests.xml", data=data, headers={"Accept-Language": "en"})
        assert response.status_code == 400
        code, description = error_of(response, "xml")
        assert code == 400 and words in description, description
        assert db.session.scalar(select(CivilRequest.id)) is None

    def test_the_web_form_does_not_ask_them(self, city):
        from tests.factories import make_civil_request

        self._questions(city["category"])
        assert make_civil_request(city["category"]).id  # a required question does not block the site's own filing


def test_filing_is_rate_limited_per_key(client, city, app):
    app.config["OPEN311_POST_LIMIT"] = "2 per hour"
    try:
        _one, first = issue_key(name="앱 하나")
        _two, second = issue_key(name="앱 둘")
        assert [file(client, first, city["category"]).status_code for _ in range(3)] == [201, 201, 429]
        limited = file(client, first, city["category"])
        assert limited.status_code == 429 and error_of(limited)[0] == 429
        assert file(client, second, city["category"]).status_code == 201  # another key has its own count
    finally:
        app.config.pop("OPEN311_POST_LIMIT")
