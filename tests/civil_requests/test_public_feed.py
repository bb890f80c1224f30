"""Atom feeds of public requests per 동 and per category: valid Atom 1.0, newest steps first, no
personal data, 404 for an unknown 동 or category."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest

from participation.civil_requests import handling
from participation.civil_requests.models import CivilRequest
from participation.extensions import db
from tests.civil_requests import public_world
from tests.civil_requests.public_world import seoul, step
from tests.civil_requests.test_public_list import assert_no_personal_data

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def world(app_ctx):
    return public_world.city()


def feed(client, query: str = "") -> ET.Element:
    client.use_english()
    response = client.get(f"/requests/feed.atom{query}")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    text = response.get_data(as_text=True)
    assert_no_personal_data(text)
    root = ET.fromstring(response.get_data())  # noqa: S314  (our own feed, parsed as a reader would)
    assert_valid_atom(root)
    return root


def _is_rfc3339(value: str) -> bool:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None


def assert_valid_atom(root: ET.Element) -> None:
    """RFC 4287's required elements: the feed's id, title, updated, author and self link; each
    entry's id, title, updated and alternate link (there is no content, so a link is required)."""
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert len(root.findall(f"{ATOM}{name}")) == 1 and root.findtext(f"{ATOM}{name}").strip(), name
    assert _is_rfc3339(root.findtext(f"{ATOM}updated"))
    assert root.find(f"{ATOM}author/{ATOM}name").text
    links = {link.get("rel"): link for link in root.findall(f"{ATOM}link")}
    assert links["self"].get("href").startswith("http") and links["self"].get("type") == "application/atom+xml"
    assert links["alternate"].get("type") == "text/html"
    ids = set()
    for entry in root.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{name}")) == 1 and entry.findtext(f"{ATOM}{name}").strip(), name
        assert _is_rfc3339(entry.findtext(f"{ATOM}updated"))
        assert [link.get("rel") for link in entry.findall(f"{ATOM}link")] == ["alternate"]
        assert entry.findtext(f"{ATOM}id") not in ids
        ids.add(entry.findtext(f"{ATOM}id"))


def titles(root: ET.Element) -> list[str]:
    return [entry.findtext(f"{ATOM}title") for entry in root.findall(f"{ATOM}entry")]


def test_the_feed_of_every_public_request_lists_new_filings_and_steps_newest_first(world, client):
    root = feed(client)
    assert titles(root) == [
        "Filed: 창구에서 접수한 가로등",
        "Answered: 쓰러진 가로수",
        "Filed: 쓰러진 가로수",
        "Filed: 꺼진 가로등",
    ]
    assert root.findtext(f"{ATOM}author/{ATOM}name") == "Hanbit City"
    assert root.findtext(f"{ATOM}updated") == root.find(f"{ATOM}entry").findtext(f"{ATOM}updated")
    entry = root.findall(f"{ATOM}entry")[-1]
    request_id = world.requests["overdue"].id
    event_id = world.requests["overdue"].events[0].id
    assert entry.findtext(f"{ATOM}id") == f"http://localhost/requests/{request_id}#step-{event_id}"
    assert entry.findtext(f"{ATOM}updated") == "2026-04-01T01:00:00Z"
    summary = entry.findtext(f"{ATOM}summary")
    assert "Street light out" in summary and "Sunlight-gu Malgeum-dong" in summary and "Roads" in summary and "Due " in summary
    assert "비공개" not in ET.tostring(root, encoding="unicode")


def test_feeds_per_neighbourhood_per_category_and_both(world, client):
    assert titles(feed(client, f"?district={world.sunny.id}")) == ["Filed: 꺼진 가로등"]
    assert titles(feed(client, f"?category={world.trees.id}")) == ["Answered: 쓰러진 가로수", "Filed: 쓰러진 가로수"]
    both = feed(client, f"?district={world.river.id}&category={world.lights.id}")
    assert titles(both) == ["Filed: 창구에서 접수한 가로등"]
    assert both.findtext(f"{ATOM}title") == "Civil requests: Street light out in Sunlight-gu Gangbyeon-dong"
    self_link = next(link for link in both.findall(f"{ATOM}link") if link.get("rel") == "self")
    assert self_link.get("href") == f"http://localhost/requests/feed.atom?district={world.river.id}&category={world.lights.id}"
    assert len(titles(feed(client, f"?district={world.gu.id}"))) == 4  # a 구 stands for its 동


def test_a_transfer_is_announced_with_both_departments(world, client):
    request = db.session.get(CivilRequest, world.requests["overdue"].id)
    step(handling.transfer, world.road_official, request, world.parks, "가로수 관할입니다.", datetime.now(UTC))
    entry = feed(client).find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "Transferred: 꺼진 가로등"
    assert "Roads → Parks" in entry.findtext(f"{ATOM}summary")
    assert "가로수 관할입니다." not in entry.findtext(f"{ATOM}summary")  # notes stay on the request's page


def test_an_empty_feed_is_still_valid_atom(app_ctx, client):
    root = feed(client)
    assert titles(root) == []


@pytest.mark.parametrize("query", ["?district=999999", "?category=999999", "?district=abc", "?category=-1", "?district=1e3", "?category=99999999999999999999", "?district=１"])
def test_an_unknown_neighbourhood_or_category_is_not_found(world, client, query):
    assert client.get(f"/requests/feed.atom{query}").status_code == 404


def test_the_newest_fifty_steps_only(world, client):
    request = db.session.get(CivilRequest, world.requests["overdue"].id)
    for n in range(30):
        step(handling.request_supplement, world.road_official, request, f"사진 {n}", seoul(2026, 5, 1 + n % 28, 10))
        step(handling.supplement, world.applicant, request, f"보냈습니다 {n}", seoul(2026, 5, 1 + n % 28, 11))
    assert len(titles(feed(client))) == 50


def test_a_title_with_a_control_character_keeps_the_feed_readable(world, client):
    request = db.session.get(CivilRequest, world.requests["overdue"].id)
    request.title = "꺼진\x0b 가로등 <b>&"
    db.session.commit()
    assert "Filed: 꺼진 가로등 <b>&" in titles(feed(client))
