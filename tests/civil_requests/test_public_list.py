"""The public list and map of civil requests: public requests only, filtered, each with its clock,
never who filed it, in a fixed number of statements."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from participation.civil_requests import listing
from participation.civil_requests.models import CivilRequest
from participation.extensions import db
from tests.civil_requests import public_world
from tests.civil_requests.public_world import SECRET_COUNTER_NAME, SECRET_DIGITS, SECRET_EMAIL, SECRET_NAME, SECRET_PHONE
from tests.core.test_accessibility import assert_well_structured
from tests.factories import make_civil_request, make_request_category


@pytest.fixture
def world(app_ctx):
    return public_world.city()


def titles(body: str) -> list[str]:
    return re.findall(r'<h3><a href="/requests/\d+"[^>]*>([^<]+)</a></h3>', body)


def page(client, query: str = "") -> str:
    client.use_english()
    response = client.get(f"/requests/{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def assert_no_personal_data(text: str) -> None:
    for secret in (SECRET_NAME, SECRET_COUNTER_NAME, SECRET_PHONE, SECRET_DIGITS, SECRET_EMAIL, "web-applicant@example.kr"):
        assert secret not in text, secret


def test_the_list_shows_public_requests_newest_first_and_never_private_ones(world, client):
    body = page(client)
    assert titles(body) == ["창구에서 접수한 가로등", "쓰러진 가로수", "꺼진 가로등"]
    assert "비공개" not in body
    assert "3 public requests found." in body
    assert_well_structured(body, "/requests/")


def test_the_list_never_shows_who_filed_a_request(world, client, make_client):
    assert_no_personal_data(page(client))
    # Not even to the applicant or an official of the department: this is the public list.
    for person in (world.applicant, world.road_official):
        other = make_client()
        other.login(person.email)
        main = page(other).split("<main")[1].split("</main>")[0]  # the header names who is signed in
        assert_no_personal_data(main)


def test_each_item_shows_status_clock_category_neighbourhood_department_supporters_and_filing(world, client):
    body = page(client, f"?category_id={world.lights.id}")
    overdue = body.split("꺼진 가로등")[1].split("</li>")[0]
    assert "request-status-received" in overdue and "Received" in overdue
    assert "Overdue: was due" in overdue  # in words, not by colour alone
    for fact in ("Street light out", "Sunlight-gu Malgeum-dong", "Roads", "Others with the same problem"):
        assert fact in overdue
    assert '<time datetime="2026-04-01T01:00:00+00:00">' in overdue
    answered = page(client, f"?category_id={world.trees.id}")
    assert "Answered on time" in answered and "Completed" in answered


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?status=open", ["창구에서 접수한 가로등", "꺼진 가로등"]),
        ("?status=closed", ["쓰러진 가로수"]),
        ("?status=completed", ["쓰러진 가로수"]),
        ("?status=in_progress", []),
        ("?overdue=y", ["꺼진 가로등"]),
        ("?sort=due", ["꺼진 가로등", "창구에서 접수한 가로등", "쓰러진 가로수"]),  # open ones first, soonest due first
        ("?status=nonsense&category_id=abc&district_id=999999", ["창구에서 접수한 가로등", "쓰러진 가로수", "꺼진 가로등"]),
    ],
)
def test_status_overdue_and_sort_filters(world, client, query, expected):
    assert titles(page(client, query)) == expected


def test_category_and_neighbourhood_filters_and_a_gu_stands_for_its_dongs(world, client):
    assert titles(page(client, f"?category_id={world.lights.id}")) == ["창구에서 접수한 가로등", "꺼진 가로등"]
    assert titles(page(client, f"?district_id={world.sunny.id}")) == ["꺼진 가로등"]
    assert titles(page(client, f"?district_id={world.river.id}&category_id={world.lights.id}")) == ["창구에서 접수한 가로등"]
    assert len(titles(page(client, f"?district_id={world.gu.id}"))) == 3


def test_the_list_links_to_filing_and_to_the_feeds_of_the_current_filter(world, client):
    body = page(client, f"?district_id={world.sunny.id}&category_id={world.lights.id}")
    assert 'href="/requests/new"' in body
    both = f"/requests/feed.atom?district={world.sunny.id}&amp;category={world.lights.id}"
    assert f'<link rel="alternate" type="application/atom+xml" title="Street light out in Sunlight-gu Malgeum-dong" href="{both}">' in body
    for href in (both, f"/requests/feed.atom?district={world.sunny.id}", f"/requests/feed.atom?category={world.lights.id}", "/requests/feed.atom"):
        assert f'<a href="{href}" type="application/atom+xml">' in body


def test_pages_of_twenty(app_ctx, client):
    category = make_request_category()
    start = datetime(2026, 6, 1, tzinfo=UTC)
    for n in range(23):
        make_civil_request(category, title=f"민원 {n:02d}", is_public=True, at=start + timedelta(hours=n))
    first, second = page(client), page(client, "?page=2")
    assert titles(first) == [f"민원 {n:02d}" for n in range(22, 2, -1)]
    assert titles(second) == ["민원 02", "민원 01", "민원 00"]
    assert "Page 2 of 2" in second and "23 public requests found." in second
    assert titles(page(client, "?page=99999999999")) == []


def _many(world, count: int) -> None:
    for n in range(count):
        public_world.file(world, f"n{n}", world.lights if n % 2 else world.trees, title=f"가로등 {n}",
                          district=world.sunny if n % 3 else world.river, lat=35.16, lon=126.85)


def test_the_list_and_the_map_take_a_fixed_number_of_statements(app_ctx, client, count_queries):
    world = public_world.build()
    counts = {}
    for total in (5, 50):
        _many(world, total - len(world.requests))
        gu_url, map_url = f"/requests/?district_id={world.gu.id}", f"/requests/map.json?category_id={world.lights.id}"
        with count_queries() as list_statements:
            assert client.get("/requests/?overdue=y&sort=due").status_code == 200
            assert client.get(gu_url).status_code == 200
        with count_queries() as map_statements:
            assert client.get(map_url).status_code == 200
        counts[total] = (len(list_statements), len(map_statements))
    assert counts[5] == counts[50], counts
    assert counts[5][0] <= 10, counts  # per page: the filter's choices, the page, its count (and a 동 for the feed links)
    assert counts[5][1] <= 3, counts  # the filter's choices, and the pins


def test_the_map_view_says_the_list_works_without_tiles_and_names_its_data(world, client):
    body = page(client, f"?view=map&category_id={world.lights.id}")
    assert "data-request-map" in body and 'data-map-tiles=""' in body  # tests configure no tiles
    assert f'data-map-url="/requests/map.json?category_id={world.lights.id}"' in body
    assert "The list shows the same requests." in body
    assert "js/request-map.js" in body and "vendor/leaflet/leaflet.js" in body
    assert titles(body) == []  # the map replaces the list; a link leads back to it
    assert f'href="/requests/?category_id={world.lights.id}"' in body
    assert_well_structured(body, "/requests/?view=map")


def test_the_map_data_is_geojson_of_public_requests_with_a_place(world, client):
    response = client.get("/requests/map.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    data = response.get_json()
    assert data["type"] == "FeatureCollection" and data["truncated"] is False
    by_title = {f["properties"]["title"]: f for f in data["features"]}
    assert set(by_title) == {"꺼진 가로등", "쓰러진 가로수"}  # the counter one has no place; the private one is private
    overdue = by_title["꺼진 가로등"]
    assert overdue["geometry"] == {"type": "Point", "coordinates": [126.85, 35.16]}
    assert overdue["properties"]["overdue"] is True and overdue["properties"]["status"] == "received"
    assert overdue["properties"]["url"] == f"/requests/{world.requests['overdue'].id}"
    assert set(overdue["properties"]) == {"id", "title", "status", "status_label", "overdue", "url"}
    assert by_title["쓰러진 가로수"]["properties"]["overdue"] is False
    assert_no_personal_data(response.get_data(as_text=True))
    filtered = client.get(f"/requests/map.json?overdue=y&district_id={world.gu.id}").get_json()
    assert [f["properties"]["title"] for f in filtered["features"]] == ["꺼진 가로등"]


def test_the_map_data_is_capped_and_says_so(world, client, monkeypatch):
    monkeypatch.setattr(listing, "MAP_LIMIT", 1)
    data = client.get("/requests/map.json").get_json()
    assert [f["properties"]["title"] for f in data["features"]] == ["쓰러진 가로수"]
    assert data["truncated"] is True and data["limit"] == 1
    monkeypatch.setattr(listing, "MAP_LIMIT", 2)
    data = client.get("/requests/map.json").get_json()
    assert len(data["features"]) == 2 and data["truncated"] is False


def test_a_request_made_private_leaves_the_list_and_the_map(world, client):
    request = db.session.get(CivilRequest, world.requests["overdue"].id)
    request.is_public = False
    db.session.commit()
    assert "꺼진 가로등" not in page(client)
    assert "꺼진 가로등" not in client.get("/requests/map.json").get_data(as_text=True)
