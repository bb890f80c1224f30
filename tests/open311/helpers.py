"""Shared by the Open311 tests: a city with a streetlight category, keys, and reading both formats."""
from __future__ import annotations

import json

from defusedxml import ElementTree

from participation.api import keys
from participation.civil_requests import attributes
from participation.core.db import write_transaction
from participation.core.time import now
from participation.extensions import db
from tests.factories import make_department, make_request_category, make_user

BASE = "/open311/v2"
INSIDE = {"lat": "35.16", "long": "126.85"}  # inside the test city's CITY_BOUNDS
OUTSIDE = {"lat": "37.57", "long": "126.98"}


def make_city():
    roads = make_department("도로과", name_en="Roads")
    category = make_request_category(roads, name_ko="가로등 고장", name_en="Streetlight out")
    return {"roads": roads, "category": category, "admin": make_user(roles={"admin"})}


def issue_key(scopes=("open311_submit",), name="새봄 민원 앱"):
    admin = make_user(roles={"admin"})
    with write_transaction():
        key, secret = keys.issue_key(admin, name, scopes, now())
    return key, secret


def add_question(category, code="pole_number", datatype="string", required=False, order=1, values=(), description_ko="전봇대 번호", description_en="Pole number"):
    with write_transaction():
        return attributes.save_attribute(
            None, db.session.merge(category), None, code=code, datatype=datatype, required=required, order=order,
            description_ko=description_ko, description_en=description_en, values=list(values), now=now(),
        )


def file(client, secret, category, fmt="json", language="en", **fields):
    """POST requests as an app would, asking for answers in `language`."""
    data = {"api_key": secret, "service_code": str(category.id), "description": "골목 가로등이 사흘째 꺼져 있습니다.",
            "email": "resident@example.org", **INSIDE}
    data.update(fields)
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(f"{BASE}/requests.{fmt}", data=data, headers={"Accept-Language": language})


def xml(response):
    assert response.content_type.startswith("text/xml"), response.content_type
    assert response.get_data().startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ElementTree.fromstring(response.get_data())


def body(response):
    assert response.content_type.startswith("application/json"), response.content_type
    return json.loads(response.get_data(as_text=True))


def error_of(response, fmt="json"):
    """(code, description) of the spec's error body, checking its shape."""
    if fmt == "json":
        data = body(response)
        assert isinstance(data, list) and len(data) == 1 and set(data[0]) == {"code", "description"}
        return data[0]["code"], data[0]["description"]
    root = xml(response)
    assert root.tag == "errors"
    (error,) = list(root)
    assert error.tag == "error" and [child.tag for child in error] == ["code", "description"]
    return int(error.findtext("code")), error.findtext("description")
