"""Which 동 holds a point: ray casting with holes and several parts, and the city's box."""
from __future__ import annotations

import json

import pytest

from participation.accounts.models import DistrictBoundary
from participation.civil_requests.geo import bounding_box, district_at, in_geometry, in_polygon, in_ring, within_city
from participation.core.time import now
from participation.extensions import db
from tests.factories import make_district

SQUARE = [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]  # lon, lat
HOLE = [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]]


def square(west, south, east, north):
    return [[west, south], [east, south], [east, north], [west, north], [west, south]]


@pytest.mark.parametrize(
    ("lon", "lat", "inside"),
    [(5, 5, True), (0.001, 9.999, True), (-1, 5, False), (11, 5, False), (5, -0.1, False), (5, 10.1, False), (20, 20, False)],
)
def test_a_square_holds_its_inside_only(lon, lat, inside):
    assert in_ring(lon, lat, SQUARE) is inside


def test_a_hole_is_outside():
    polygon = [SQUARE, HOLE]
    assert in_polygon(5, 5, polygon) is False
    assert in_polygon(2, 2, polygon) is True
    assert in_polygon(7, 5, polygon) is True
    assert in_polygon(5, 5, [SQUARE]) is True


def test_a_concave_polygon():
    # A "U": the notch between its arms is outside.
    u = [[0, 0], [9, 0], [9, 9], [6, 9], [6, 3], [3, 3], [3, 9], [0, 9], [0, 0]]
    assert in_ring(1.5, 6, u) is True
    assert in_ring(4.5, 6, u) is False
    assert in_ring(7.5, 6, u) is True
    assert in_ring(4.5, 1, u) is True


def test_a_multipolygon_holds_each_part_and_not_the_gap():
    geometry = {"type": "MultiPolygon", "coordinates": [[square(0, 0, 1, 1)], [square(5, 5, 6, 6), square(5.4, 5.4, 5.6, 5.6)]]}
    assert in_geometry(0.5, 0.5, geometry)
    assert in_geometry(5.2, 5.2, geometry)
    assert not in_geometry(5.5, 5.5, geometry)  # the second part's hole
    assert not in_geometry(3, 3, geometry)
    assert not in_geometry(0.5, 0.5, {"type": "Point", "coordinates": [0.5, 0.5]})


def test_a_shared_edge_belongs_to_exactly_one_side():
    west, east = square(0, 0, 1, 1), square(1, 0, 2, 1)
    for lat in (0.25, 0.5, 0.75):
        assert [in_ring(1, lat, west), in_ring(1, lat, east)].count(True) == 1
    # A shared horizontal edge too.
    south, north = square(0, 0, 1, 1), square(0, 1, 1, 2)
    assert [in_ring(0.5, 1, south), in_ring(0.5, 1, north)].count(True) == 1


def test_degenerate_rings_hold_nothing():
    assert in_ring(0, 0, []) is False
    assert in_ring(0, 0, [[0, 0], [1, 1], [0, 0]]) is False
    assert in_polygon(0, 0, []) is False


def test_bounding_box_of_a_multipolygon():
    geometry = {"type": "MultiPolygon", "coordinates": [[square(126.8, 35.1, 126.9, 35.2)], [square(127.0, 35.0, 127.1, 35.05)]]}
    assert bounding_box(geometry) == (35.0, 126.8, 35.2, 127.1)


def _store(district, geometry):
    min_lat, min_lon, max_lat, max_lon = bounding_box(geometry)
    db.session.add(
        DistrictBoundary(
            district_id=district.id, geometry=json.dumps(geometry), min_lat=min_lat, min_lon=min_lon, max_lat=max_lat, max_lon=max_lon,
            imported_at=now(),
        )
    )
    db.session.commit()


def test_district_at_finds_the_dong_and_skips_holes_and_retired_dongs(app_ctx):
    gu = make_district("새봄구")
    outer = make_district("햇살동", parent=gu)
    inner = make_district("달빛동", parent=gu)
    _store(outer, {"type": "Polygon", "coordinates": [square(126.80, 35.10, 126.90, 35.20), square(126.84, 35.14, 126.86, 35.16)]})
    _store(inner, {"type": "Polygon", "coordinates": [square(126.84, 35.14, 126.86, 35.16)]})
    assert district_at(35.12, 126.82) == outer.id
    assert district_at(35.15, 126.85) == inner.id  # in the hole of the outer dong: the inner one
    assert district_at(35.30, 126.85) is None
    assert district_at("35.12", "126.82") == outer.id
    for bad in ((float("nan"), 126.8), (None, 126.8), ("x", "y"), (91, 0), (0, 181), (float("inf"), 0)):
        assert district_at(*bad) is None
    inner.retired_at = now()
    db.session.commit()
    assert district_at(35.15, 126.85) is None


def test_within_city_uses_city_bounds(app):
    with app.app_context():
        app.config["CITY_BOUNDS"] = (35.05, 126.64, 35.26, 127.02)
        assert within_city(35.1595, 126.8526)
        assert within_city(35.05, 126.64)  # the edge counts
        assert not within_city(37.5665, 126.9780)  # Seoul
        assert not within_city(float("nan"), 126.85)
        assert not within_city("abc", 126.85)
