"""The map of public requests: a pin for each public request with a place, its popup says the
status and "Overdue" in words and links to the request; without tiles the region says so and
the list still works; no script error, no CSP violation."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from participation.extensions import db
from tests.civil_requests import public_world

pytestmark = pytest.mark.browser


@pytest.fixture
def scene(app):
    with app.app_context():
        world = public_world.city()
        ids = {name: r.id for name, r in world.requests.items()}
        yield ids
        db.session.remove()


def test_the_map_shows_the_public_requests_with_a_place(scene, people):
    visitor = people()
    visitor.goto("/requests/")
    visitor.in_english()
    visitor.no_sideways_scroll()
    page = visitor.goto("/requests/?view=map")
    expect(page.locator(".leaflet-container")).to_be_visible()
    pins = page.locator("path.request-pin")
    expect(pins).to_have_count(2)  # the counter request has no place; private ones are not shown
    expect(page.locator("path.request-pin-overdue")).to_have_count(1)
    status = page.locator("[data-map-status]")
    expect(status).to_contain_text("Requests with a place shown on the map: 2.")
    expect(status).to_contain_text("blank background")  # tests configure no tiles
    page.locator("path.request-pin-overdue").click(force=True)
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("Overdue")
    expect(popup.get_by_role("link", name="꺼진 가로등")).to_have_attribute("href", f"/requests/{scene['overdue']}")
    page.get_by_role("link", name="List", exact=True).click()
    expect(page.get_by_role("link", name="꺼진 가로등")).to_be_visible()
    visitor.no_sideways_scroll()
    assert visitor.unexpected_problems() == []


def test_when_the_map_data_cannot_be_loaded_the_region_says_so(scene, people):
    visitor = people()
    visitor.goto("/requests/")
    visitor.in_english()
    visitor.context.route("**/requests/map.json*", lambda route: route.fulfill(status=500, body="{}"))
    page = visitor.goto("/requests/?view=map")
    expect(page.locator("[data-map-status]")).to_have_text("The map could not be loaded. The list shows the same requests.")
    visitor.problems.clear()  # the refused data is logged as a failed load
