"""동 boundaries from GeoJSON: matched by name, refused clearly when the file is wrong; the map's lookups."""
from __future__ import annotations

import io
import json

from sqlalchemy import select

from participation.accounts.models import DistrictBoundary
from participation.civil_requests.geo import district_at
from participation.core.audit import AuditEvent
from participation.core.web import content_security_policy, tile_source
from participation.extensions import db
from tests.factories import make_district


def square(west, south, east, north):
    return [[[west, south], [east, south], [east, north], [west, north], [west, south]]]


def feature(name, geometry, field="adm_nm"):
    return {"type": "Feature", "properties": {field: name}, "geometry": geometry}


def collection(*features):
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def upload(client, raw: bytes, name_property="adm_nm", filename="dong.geojson"):
    return client.post_form(
        "/requests/admin/boundaries/",
        {"file": (io.BytesIO(raw), filename), "name_property": name_property},
        content_type="multipart/form-data",
    )


def _dongs():
    gu = make_district("새봄구")
    other_gu = make_district("푸른구")
    return {
        "햇살": make_district("햇살동", parent=gu),
        "달빛": make_district("달빛동", parent=gu),
        "같은_새봄": make_district("중앙동", parent=gu),
        "같은_푸른": make_district("중앙동", parent=other_gu),
    }


def test_a_good_file_is_imported_and_matched_by_name(admin_client):
    dongs = _dongs()
    raw = collection(
        feature("햇살동", {"type": "Polygon", "coordinates": square(126.80, 35.10, 126.85, 35.15)}),
        feature("한빛시 새봄구 달빛동", {"type": "MultiPolygon", "coordinates": [square(126.85, 35.10, 126.90, 35.15), square(126.95, 35.10, 126.96, 35.11)]}),
        feature("푸른구 중앙동", {"type": "Polygon", "coordinates": square(126.70, 35.20, 126.75, 35.25)}),
        feature("중앙동", {"type": "Polygon", "coordinates": square(126.60, 35.20, 126.65, 35.25)}),  # two gu have one: unclear
        feature("없는동", {"type": "Polygon", "coordinates": square(126.0, 35.0, 126.1, 35.1)}),
        feature("점동", {"type": "Point", "coordinates": [126.8, 35.1]}),
    )
    response = upload(admin_client, raw)
    text = response.get_data(as_text=True)
    assert response.status_code == 200, text[:500]
    assert "Matched: 3. Unmatched: 2. Not a polygon: 1." in text
    assert "없는동" in text and "중앙동" in text
    stored = {b.district_id: b for b in db.session.scalars(select(DistrictBoundary))}
    assert set(stored) == {dongs["햇살"].id, dongs["달빛"].id, dongs["같은_푸른"].id}
    assert (stored[dongs["달빛"].id].min_lon, stored[dongs["달빛"].id].max_lon) == (126.85, 126.96)
    assert district_at(35.12, 126.82) == dongs["햇살"].id
    assert district_at(35.105, 126.955) == dongs["달빛"].id
    assert district_at(35.22, 126.72) == dongs["같은_푸른"].id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "district_boundaries.imported"))
    assert event.data["matched"] == 3 and event.data["unmatched"] == 2

    # A second import replaces the boundary of the dongs it names and keeps the others.
    upload(admin_client, collection(feature("햇살동", {"type": "Polygon", "coordinates": square(126.0, 35.0, 126.1, 35.1)})))
    db.session.expire_all()
    assert district_at(35.12, 126.82) is None
    assert district_at(35.05, 126.05) == dongs["햇살"].id
    assert district_at(35.22, 126.72) == dongs["같은_푸른"].id


def test_the_name_property_is_chosen_on_the_form_and_name_is_the_fallback(admin_client):
    dongs = _dongs()
    raw = collection(
        feature("햇살동", {"type": "Polygon", "coordinates": square(126.80, 35.10, 126.85, 35.15)}, field="EMD_KOR_NM"),
        feature("달빛동", {"type": "Polygon", "coordinates": square(126.85, 35.10, 126.90, 35.15)}, field="name"),
    )
    response = upload(admin_client, raw, name_property="EMD_KOR_NM")
    assert "Matched: 2. Unmatched: 0." in response.get_data(as_text=True)
    assert district_at(35.12, 126.87) == dongs["달빛"].id


def test_bad_files_are_refused_with_a_clear_message(admin_client):
    _dongs()
    cases = [
        (b"", "The file is empty."),
        (b"{not json", "The file is not JSON"),
        ("\ud7a3".encode("utf-16"), "The file is not JSON"),
        (b"[" * 100_000, "The file is not JSON"),
        (b'{"type": "Feature", "geometry": null}', "The file is not a GeoJSON FeatureCollection."),
        (b'{"type": "FeatureCollection", "features": "x"}', "The file is not a GeoJSON FeatureCollection."),
        (b'{"type": "FeatureCollection", "features": []}', "The FeatureCollection has no features."),
        (collection(feature("햇살동", {"type": "LineString", "coordinates": [[0, 0], [1, 1]]})), "No feature has a Polygon or MultiPolygon"),
        (collection(feature("햇살동", {"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]})), "No feature has a Polygon or MultiPolygon"),
        (collection(feature("햇살동", {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], ["a", 1], [0, 0]]]})), "No feature has a Polygon"),
        (collection(feature("햇살동", {"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [1, 1], [0, 0]]]})), "No feature has a Polygon"),
        (b'{"type": "FeatureCollection", "features": [1, "x", null]}', "No feature has a Polygon"),
        (b" " * (5 * 1024 * 1024 + 10), "The file is larger than 5 MB."),
    ]
    for raw, message in cases:
        response = upload(admin_client, raw)
        assert response.status_code == 422, (raw[:40], response.status_code)
        assert message in response.get_data(as_text=True), (raw[:40], message)
    assert db.session.scalar(select(DistrictBoundary)) is None
    # No file, no property name.
    response = admin_client.post_form("/requests/admin/boundaries/", {"name_property": "adm_nm"}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose a GeoJSON file." in response.get_data(as_text=True)
    response = upload(admin_client, collection(), name_property="")
    assert response.status_code == 422 and "Enter the property&#39;s name." in response.get_data(as_text=True)


def test_the_check_form_and_the_location_lookup(admin_client, client):
    dongs = _dongs()
    upload(admin_client, collection(feature("햇살동", {"type": "Polygon", "coordinates": square(126.80, 35.10, 126.85, 35.15)})))
    page = admin_client.get("/requests/admin/boundaries/?latitude=35.12&longitude=126.82").get_data(as_text=True)
    assert "This point is in" in page and "data-map-pin" in page
    page = admin_client.get("/requests/admin/boundaries/?latitude=37.56&longitude=126.97").get_data(as_text=True)
    assert "No dong boundary holds this point." in page and "This point is outside the city." in page
    page = admin_client.get("/requests/admin/boundaries/?latitude=abc&longitude=").get_data(as_text=True)
    assert "Enter a latitude from -90 to 90" in page

    found = admin_client.get("/requests/location?latitude=35.12&longitude=126.82").get_json()
    assert found == {"within_city": True, "district_id": dongs["햇살"].id, "district_name": dongs["햇살"].full_name_for("en")}
    assert admin_client.get("/requests/location?latitude=37.56&longitude=126.97").get_json()["within_city"] is False
    refused = admin_client.get("/requests/location?latitude=nan&longitude=1")
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "bad_coordinates"
    assert admin_client.get("/requests/location").status_code == 400


def test_the_csp_adds_only_the_configured_tile_host_to_img_src(app, client):
    assert tile_source("https://tile.openstreetmap.org/{z}/{x}/{y}.png") == "https://tile.openstreetmap.org"
    assert tile_source("https://{s}.tile.example.kr/{z}/{x}/{y}.png") == "https://*.tile.example.kr"
    assert tile_source("javascript:alert(1)") is None
    assert tile_source("https://evil.example'; script-src *") is None
    policy = content_security_policy("https://tile.openstreetmap.org/{z}/{x}/{y}.png")
    assert "img-src 'self' data: https://tile.openstreetmap.org;" in policy
    assert "script-src 'self';" in policy and policy.count("tile.openstreetmap.org") == 1
    assert "tile" not in client.get("/").headers["Content-Security-Policy"]  # tests configure no tiles
    app.config["MAP_TILE_URL"] = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    try:
        assert "img-src 'self' data: https://tile.openstreetmap.org" in client.get("/").headers["Content-Security-Policy"]
    finally:
        app.config["MAP_TILE_URL"] = ""


def test_leaflet_is_vendored_with_its_licence(client):
    for path in ("leaflet.js", "leaflet.css", "LICENSE", "images/marker-icon.png"):
        assert client.get(f"/static/vendor/leaflet/{path}").status_code == 200, path
