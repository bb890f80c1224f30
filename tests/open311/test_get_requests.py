"""GET requests, requests/{id}, tokens/{token} and servicerequestupdates: exactly the public
requests a visitor's /requests/ shows, never an applicant's contact, the 90-day window and
Chicago's paging."""
from __future__ import annotations

from datetime import timedelta

import pytest

from participation.civil_requests import handling, listing
from participation.civil_requests.models import CivilRequest
from participation.core.db import write_transaction
from participation.core.time import now
from participation.extensions import db
from tests.factories import make_civil_request, make_request_category, make_user
from tests.open311.helpers import BASE, body, error_of, file, issue_key, make_city, xml

REQUEST_FIELDS = [
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description", "agency_responsible",
    "service_notice", "requested_datetime", "updated_datetime", "expected_datetime", "address", "address_id", "zipcode",
    "lat", "long", "media_url",
]


@pytest.fixture
def city(app_ctx):
    return make_city()


def _ids(response) -> list[str]:
    return [row["service_request_id"] for row in body(response)]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_only_public_requests_are_listed_with_the_spec_fields(client, city, fmt):
    public = make_civil_request(city["category"], is_public=True, latitude=35.16, longitude=126.85)
    make_civil_request(city["category"], is_public=False, description="비공개 민원입니다.")
    response = client.get(f"{BASE}/requests.{fmt}")
    assert response.status_code == 200
    if fmt == "json":
        rows = body(response)
        assert isinstance(rows, list) and len(rows) == 1
        assert list(rows[0]) == REQUEST_FIELDS
        row = rows[0]
        assert (row["service_request_id"], row["status"], row["service_code"]) == (str(public.id), "open", str(city["category"].id))
        assert (row["lat"], row["long"], row["agency_responsible"]) == (35.16, 126.85, "도로과")
    else:
        root = xml(response)
        assert root.tag == "service_requests"
        (row,) = root.findall("request")
        assert [c.tag for c in row] == REQUEST_FIELDS
        assert row.findtext("service_request_id") == str(public.id) and row.findtext("status") == "open"
    assert "비공개 민원입니다" not in response.get_data(as_text=True)


def test_the_list_is_what_a_visitor_sees_on_the_site(client, city):
    other = make_request_category(city["roads"], name_ko="도로 파손")
    shown = [make_civil_request(c, is_public=True) for c in (city["category"], other, city["category"])]
    for _ in range(2):
        make_civil_request(city["category"], is_public=False)
    on_site = [r.id for r in db.session.scalars(listing.public_statement(listing.RequestFilters(), now()))]
    assert sorted(int(i) for i in _ids(client.get(f"{BASE}/requests.json"))) == sorted(on_site) == sorted(r.id for r in shown)


def test_contact_details_never_appear(client, city):
    _key, secret = issue_key()
    assert file(client, secret, city["category"], phone="010-9876-5432", email="hidden@example.org", first_name="길동", last_name="홍").status_code == 201
    resident = make_user(display_name="공개신청주민", email="online@example.org")
    make_civil_request(city["category"], resident, is_public=True)
    request_id = db.session.scalars(db.select(CivilRequest.id).order_by(CivilRequest.id)).first()
    token = db.session.get(CivilRequest, request_id).tracking_number
    pages = [client.get(f"{BASE}/{path}") for path in (
        "requests.json", "requests.xml", f"requests/{request_id}.json", f"requests/{request_id}.xml",
        f"tokens/{token}.json", "servicerequestupdates.json", "servicerequestupdates.xml",
    )]
    for page in pages:
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        for private in ("01098765432", "010-9876-5432", "hidden@example.org", "홍길동", "공개신청주민", "online@example.org"):
            assert private not in text


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_private_or_unknown_request_is_404(client, city, fmt):
    private = make_civil_request(city["category"], is_public=False)
    for path in (f"requests/{private.id}.{fmt}", f"requests/999999.{fmt}", f"tokens/{private.tracking_number}.{fmt}", f"tokens/2026-0000-0000.{fmt}"):
        response = client.get(f"{BASE}/{path}")
        assert response.status_code == 404, path
        assert error_of(response, fmt)[0] == 404


def test_one_request_and_its_token(client, city):
    public = make_civil_request(city["category"], is_public=True)
    (row,) = body(client.get(f"{BASE}/requests/{public.id}.json"))
    assert row["service_request_id"] == str(public.id) and row["description"] == public.description
    root = xml(client.get(f"{BASE}/requests/{public.id}"))
    assert root.findtext("request/service_request_id") == str(public.id)
    assert body(client.get(f"{BASE}/tokens/{public.tracking_number}.json")) == [{"service_request_id": str(public.id), "token": public.tracking_number}]
    root = xml(client.get(f"{BASE}/tokens/{public.tracking_number}"))
    assert root.tag == "service_requests" and root.findtext("request/service_request_id") == str(public.id)
    assert root.findtext("request/token") == public.tracking_number


def test_ids_service_codes_and_status_filter(client, city, app_ctx):
    other = make_request_category(city["roads"], name_ko="도로 파손")
    a = make_civil_request(city["category"], is_public=True)
    b = make_civil_request(other, is_public=True)
    c = make_civil_request(city["category"], is_public=True)
    private = make_civil_request(city["category"], is_public=False)
    official = make_user(roles={"official"}, department=city["roads"])
    with write_transaction():
        handling.complete(official, db.session.get(CivilRequest, c.id), "resolved", "고쳤습니다.", now())
    assert sorted(_ids(client.get(f"{BASE}/requests.json", query_string={"service_request_id": f"{a.id},{b.id},{private.id}"}))) == sorted([str(a.id), str(b.id)])
    assert sorted(_ids(client.get(f"{BASE}/requests.json", query_string={"service_code": str(city["category"].id)}))) == sorted([str(a.id), str(c.id)])
    assert _ids(client.get(f"{BASE}/requests.json", query_string={"status": "closed"})) == [str(c.id)]
    assert sorted(_ids(client.get(f"{BASE}/requests.json", query_string={"status": "open"}))) == sorted([str(a.id), str(b.id)])
    assert len(_ids(client.get(f"{BASE}/requests.json", query_string={"status": "open,closed"}))) == 3
    for bad in ({"status": "fixed"}, {"service_request_id": "1,x"}, {"service_code": "-1"}):
        response = client.get(f"{BASE}/requests.json", query_string=bad)
        assert response.status_code == 400 and error_of(response)[0] == 400


def test_the_90_day_window(client, city):
    moment = now()
    recent = make_civil_request(city["category"], is_public=True, at=moment - timedelta(days=10))
    old = make_civil_request(city["category"], is_public=True, at=moment - timedelta(days=120))
    assert _ids(client.get(f"{BASE}/requests.json")) == [str(recent.id)]  # by default the last 90 days
    window = {"start_date": (moment - timedelta(days=150)).isoformat(), "end_date": (moment - timedelta(days=61)).isoformat()}
    assert _ids(client.get(f"{BASE}/requests.json", query_string=window)) == [str(old.id)]
    only_start = {"start_date": (moment - timedelta(days=130)).isoformat()}  # and 90 days from it
    assert _ids(client.get(f"{BASE}/requests.json", query_string=only_start)) == [str(old.id)]
    for bad in (
        {"start_date": (moment - timedelta(days=91)).isoformat(), "end_date": moment.isoformat()},
        {"start_date": moment.isoformat(), "end_date": (moment - timedelta(days=1)).isoformat()},
        {"start_date": "last tuesday"},
    ):
        for fmt in ("json", "xml"):
            response = client.get(f"{BASE}/requests.{fmt}", query_string=bad)
            assert response.status_code == 400 and error_of(response, fmt)[0] == 400
    assert client.get(f"{BASE}/servicerequestupdates.json", query_string={"start_date": (moment - timedelta(days=100)).isoformat(), "end_date": moment.isoformat()}).status_code == 400


def test_dates_take_a_zone_or_the_city_time(client, city):
    moment = now()
    filed = make_civil_request(city["category"], is_public=True, at=moment - timedelta(days=2))
    utc = (moment - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert _ids(client.get(f"{BASE}/requests.json", query_string={"start_date": utc})) == [str(filed.id)]
    # A "+09:00" sent unencoded arrives as " 09:00".
    unencoded = client.get(f"{BASE}/requests.json?start_date=" + (moment - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%S") + "+00:00")
    assert _ids(unencoded) == [str(filed.id)]
    # No zone: the city's time (Seoul, nine hours ahead of UTC).
    naive = (moment + timedelta(hours=9) - timedelta(days=2, minutes=1)).strftime("%Y-%m-%dT%H:%M:%S")
    assert _ids(client.get(f"{BASE}/requests.json", query_string={"start_date": naive})) == [str(filed.id)]
    later = (moment + timedelta(hours=9) - timedelta(days=2) + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S")
    assert _ids(client.get(f"{BASE}/requests.json", query_string={"start_date": later})) == []


def test_chicago_paging(client, city):
    moment = now()
    made = [make_civil_request(city["category"], is_public=True, at=moment - timedelta(hours=i)) for i in range(5)]
    newest_first = [str(r.id) for r in made]
    assert _ids(client.get(f"{BASE}/requests.json", query_string={"page_size": 2})) == newest_first[:2]
    assert _ids(client.get(f"{BASE}/requests.json", query_string={"page_size": 2, "page": 2})) == newest_first[2:4]
    assert _ids(client.get(f"{BASE}/requests.json", query_string={"page_size": 2, "page": 3})) == newest_first[4:]
    assert _ids(client.get(f"{BASE}/requests.json", query_string={"page_size": 2, "page": 4})) == []
    assert len(_ids(client.get(f"{BASE}/requests.json", query_string={"page_size": 500}))) == 5
    for bad in ({"page_size": 501}, {"page_size": 0}, {"page": 0}, {"page": "two"}):
        response = client.get(f"{BASE}/requests.xml", query_string=bad)
        assert response.status_code == 400 and error_of(response, "xml")[0] == 400


def test_updated_after_and_before(client, city):
    moment = now()
    old = make_civil_request(city["category"], is_public=True, at=moment - timedelta(days=5))
    new = make_civil_request(city["category"], is_public=True, at=moment - timedelta(days=1))
    cut = (moment - timedelta(days=3)).isoformat()
    assert _ids(client.get(f"{BASE}/requests.json", query_string={"updated_after": cut})) == [str(new.id)]
    assert _ids(client.get(f"{BASE}/requests.json", query_string={"updated_before": cut})) == [str(old.id)]


def test_listing_costs_a_fixed_number_of_statements(client, city, count_queries):
    for _ in range(3):
        make_civil_request(city["category"], is_public=True)
    with count_queries() as few:
        client.get(f"{BASE}/requests.json")
    for _ in range(6):
        make_civil_request(city["category"], is_public=True)
    with count_queries() as many:
        assert len(_ids(client.get(f"{BASE}/requests.json"))) == 9
    assert len(many) == len(few)
