"""Open311 GeoReport v2, read from the spec: discovery, services and their definitions, in XML
(the default) and JSON (top-level arrays), W3C datetimes with a zone, and the spec's error bodies
for every error under /open311/, in the caller's language."""
from __future__ import annotations

import re

import pytest

from participation.core.time import now
from tests.factories import make_civil_request, make_request_category
from tests.open311.helpers import BASE, add_question, body, error_of, make_city, xml

W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")
SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]


def test_discovery_names_the_endpoint_in_both_formats(client, app_ctx):
    data = body(client.get(f"{BASE}/discovery.json"))
    assert isinstance(data, dict)  # discovery is the one object
    assert set(data) == {"changeset", "contact", "key_service", "endpoints"}
    (endpoint,) = data["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["type"] == "production" and endpoint["url"].endswith("/open311/v2")
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    assert W3C.match(data["changeset"])
    for path in ("discovery", "discovery.xml"):
        root = xml(client.get(f"{BASE}/{path}"))
        assert root.tag == "discovery"
        assert [child.tag for child in root] == ["changeset", "contact", "key_service", "endpoints"]
        endpoint = root.find("endpoints/endpoint")
        assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
        assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]


def test_services_lists_categories_in_use_with_the_spec_fields(client, app_ctx):
    city = make_city()
    retired = make_request_category(city["roads"], name_ko="없어진 분류", name_en="Gone")
    retired.retired_at = now()
    plain = make_request_category(city["roads"], name_ko="도로 파손", name_en="Damaged road")
    add_question(city["category"])

    data = body(client.get(f"{BASE}/services.json"))
    assert isinstance(data, list)
    by_code = {row["service_code"]: row for row in data}
    assert set(by_code) == {str(city["category"].id), str(plain.id)}
    light = by_code[str(city["category"].id)]
    assert list(light) == SERVICE_FIELDS
    assert light["service_name"] == "가로등 고장" and light["group"] == "도로과"
    assert light["metadata"] is True and by_code[str(plain.id)]["metadata"] is False
    assert light["type"] == "realtime" and light["keywords"] == "grievance"

    root = xml(client.get(f"{BASE}/services"))
    assert root.tag == "services"
    services = root.findall("service")
    assert len(services) == 2 and all([c.tag for c in s] == SERVICE_FIELDS for s in services)
    light = next(s for s in services if s.findtext("service_code") == str(city["category"].id))
    assert light.findtext("metadata") == "true" and light.findtext("service_name") == "가로등 고장"


@pytest.mark.parametrize("how", [{"headers": {"Accept-Language": "en-US,en;q=0.9"}}, {"query_string": {"locale": "en"}}])
def test_service_names_follow_the_language_asked(client, app_ctx, how):
    make_city()
    (row,) = body(client.get(f"{BASE}/services.json", **how))
    assert row["service_name"] == "Streetlight out" and row["group"] == "Roads"
    assert "Roads" in row["description"] and "7 days" in row["description"]
    (row,) = body(client.get(f"{BASE}/services.json", headers={"Accept-Language": "ko"}))
    assert row["service_name"] == "가로등 고장" and "7일" in row["description"]


def test_a_service_definition_lists_its_attributes_in_order(client, app_ctx):
    city = make_city()
    category = city["category"]
    add_question(category, code="kind", datatype="singlevaluelist", required=True, order=2,
                 values=[{"key": "flicker", "name_ko": "깜빡임", "name_en": "Flickering"}, {"key": "dark", "name_ko": "꺼짐", "name_en": "Dark"}],
                 description_ko="어떤 고장인가요?", description_en="What is wrong?")
    add_question(category, code="pole_number", order=1)
    retired = add_question(category, code="old", order=3)
    from participation.core import reference
    from participation.core.db import write_transaction
    from participation.extensions import db
    with write_transaction():
        reference.retire(None, db.session.merge(retired), now())

    data = body(client.get(f"{BASE}/services/{category.id}.json", headers={"Accept-Language": "en"}))
    assert data["service_code"] == str(category.id)
    assert [a["code"] for a in data["attributes"]] == ["pole_number", "kind"]  # the retired one is not asked
    kind = data["attributes"][1]
    assert kind == {
        "variable": True, "code": "kind", "datatype": "singlevaluelist", "required": True,
        "datatype_description": "One of the keys listed.", "order": 2, "description": "What is wrong?",
        "values": [{"key": "flicker", "name": "Flickering"}, {"key": "dark", "name": "Dark"}],
    }

    root = xml(client.get(f"{BASE}/services/{category.id}"))
    assert root.tag == "service_definition" and root.findtext("service_code") == str(category.id)
    attrs = root.findall("attributes/attribute")
    assert [a.findtext("code") for a in attrs] == ["pole_number", "kind"]
    assert [c.tag for c in attrs[1]] == ["variable", "code", "datatype", "required", "datatype_description", "order", "description", "values"]
    assert attrs[1].findtext("variable") == "true" and attrs[1].findtext("description") == "어떤 고장인가요?"
    assert [(v.findtext("key"), v.findtext("name")) for v in attrs[1].findall("values/value")] == [("flicker", "깜빡임"), ("dark", "꺼짐")]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_and_retired_services_are_404_in_the_spec_form(client, app_ctx, fmt):
    city = make_city()
    city["category"].retired_at = now()
    for code in (city["category"].id, 999_999):
        response = client.get(f"{BASE}/services/{code}.{fmt}")
        assert response.status_code == 404
        assert error_of(response, fmt)[0] == 404


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_routes_under_open311_answer_in_the_spec_form(client, app_ctx, fmt):
    for path in (f"{BASE}/nothing-here.{fmt}", f"/open311/v3/services.{fmt}", f"{BASE}/requests/abc.{fmt}"):
        response = client.get(path)
        assert response.status_code == 404
        code, description = error_of(response, fmt)
        assert code == 404 and description


def test_errors_speak_the_language_asked(client, app_ctx):
    english = error_of(client.get(f"{BASE}/requests/12345.json", headers={"Accept-Language": "en"}))
    korean = error_of(client.get(f"{BASE}/requests/12345.json", headers={"Accept-Language": "ko"}))
    assert english[1] == "There is no public service request with this id."
    assert korean[1] != english[1] and re.search("[가-힣]", korean[1])


def test_a_wrong_method_is_405_in_the_spec_form(client, app_ctx):
    response = client.delete(f"{BASE}/services.json")
    assert response.status_code == 405
    assert error_of(response)[0] == 405


def test_datetimes_are_w3c_with_the_city_zone(client, app_ctx):
    city = make_city()
    make_civil_request(city["category"], is_public=True)
    (row,) = body(client.get(f"{BASE}/requests.json"))
    for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert W3C.match(row[name]) and row[name].endswith("+09:00"), (name, row[name])


def test_text_with_control_characters_stays_valid_xml(client, app_ctx):
    city = make_city()
    make_civil_request(city["category"], is_public=True, description="가로등\x0b이 꺼졌어요 <b>&</b>")
    root = xml(client.get(f"{BASE}/requests.xml"))
    assert root.findtext("request/description") == "가로등이 꺼졌어요 <b>&</b>"
