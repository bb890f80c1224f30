"""The map pin: a click fills the coordinates and names the 동, typing moves the pin, the API sets it,
and without tiles the form still works; no script error, no CSP violation."""
from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from participation.accounts.models import DistrictBoundary
from participation.core.time import now
from participation.extensions import db
from tests.factories import make_district, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def scene(app):
    with app.app_context():
        make_user(email="admin@example.kr", roles={"admin"})
        gu = make_district("새봄구", name_en="Saebom-gu")
        dong = make_district("햇살동", parent=gu, name_en="Haetsal-dong")
        ring = [[126.60, 35.00], [127.10, 35.00], [127.10, 35.30], [126.60, 35.30], [126.60, 35.00]]
        db.session.add(DistrictBoundary(
            district_id=dong.id, geometry=json.dumps({"type": "Polygon", "coordinates": [ring]}),
            min_lat=35.0, min_lon=126.6, max_lat=35.3, max_lon=127.1, imported_at=now(),
        ))
        db.session.commit()
        yield
        db.session.remove()


def test_clicking_the_map_fills_the_coordinates_and_names_the_dong(scene, people):
    admin = people().sign_in("admin@example.kr").in_english()
    page = admin.goto("/requests/admin/boundaries/")
    container = page.locator("[data-map-container]")
    expect(page.locator(".leaflet-container")).to_be_visible()
    assert container.get_attribute("role") == "group" and "Map." in container.get_attribute("aria-label")
    container.click()  # its centre, the city's centre
    latitude, longitude = page.locator("[name=latitude]"), page.locator("[name=longitude]")
    expect(latitude).not_to_have_value("")
    assert 35.0 < float(latitude.input_value()) < 35.3 and 126.6 < float(longitude.input_value()) < 127.1
    expect(page.locator(".map-status")).to_contain_text("Haetsal-dong")
    expect(page.locator(".leaflet-marker-icon")).to_have_count(1)

    # The API another script uses, and a point outside the city.
    assert page.evaluate("window.GongronMap.setPin(37.5665, 126.9780)") is True
    expect(latitude).to_have_value("37.566500")
    expect(page.locator(".map-status")).to_contain_text("outside the city")
    assert page.evaluate("window.GongronMap.setPin('x', 1)") is False

    # Typed coordinates move the pin and submit as they are.
    latitude.fill("35.16")
    longitude.fill("126.85")
    longitude.press("Tab")
    page.get_by_role("button", name="Check", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="This point is in")).to_be_visible()
    # The page was loaded anew by the check: wait for its deferred scripts. Tests load no tiles.
    expect(page.locator("[data-map-container]")).to_have_class(re.compile(r"\bmap-no-tiles\b"))
    expect(page.get_by_role("button", name="Use my location")).to_be_visible()


def test_without_the_map_script_the_inputs_still_work(scene, people):
    admin = people().sign_in("admin@example.kr").in_english()
    admin.context.route("**/vendor/leaflet/leaflet.js", lambda route: route.abort())
    page = admin.goto("/requests/admin/boundaries/")
    page.locator("[name=latitude]").fill("35.16")
    page.locator("[name=longitude]").fill("126.85")
    page.get_by_role("button", name="Check", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="This point is in")).to_be_visible()
    admin.problems.clear()  # the blocked script is logged as a failed load
