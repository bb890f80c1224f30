"""Where a point is: which 동 holds it (from imported boundaries) and whether it is in the city at all.

Geometries are GeoJSON, so positions are [longitude, latitude] (WGS 84). The point-in-polygon test
is ray casting with a half-open rule on each edge: a point on the edge two neighbouring 동 share is
claimed by exactly one of them, never by both and never by neither. A polygon's first ring is its
outside, the others are holes.
"""
from __future__ import annotations

import json
import math
from collections.abc import Sequence

from flask import current_app
from sqlalchemy import select

from participation.accounts.models import District, DistrictBoundary
from participation.extensions import db

Ring = Sequence[Sequence[float]]


def is_coordinate(lat, lon) -> bool:
    """A finite latitude in [-90, 90] and longitude in [-180, 180]."""
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        return False
    return math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180


def in_ring(lon: float, lat: float, ring: Ring) -> bool:
    """Ray casting: count the edges a ray from the point towards +longitude crosses."""
    inside = False
    count = len(ring)
    for i in range(count):
        x1, y1 = ring[i][0], ring[i][1]
        x2, y2 = ring[i - 1][0], ring[i - 1][1]
        if (y1 > lat) != (y2 > lat):
            crossing = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if lon < crossing:
                inside = not inside
    return inside


def in_polygon(lon: float, lat: float, rings: Sequence[Ring]) -> bool:
    """Inside the outer ring and inside none of its holes."""
    if not rings or not in_ring(lon, lat, rings[0]):
        return False
    return not any(in_ring(lon, lat, hole) for hole in rings[1:])


def in_geometry(lon: float, lat: float, geometry: dict) -> bool:
    """A GeoJSON Polygon or MultiPolygon holds the point."""
    kind, coordinates = geometry.get("type"), geometry.get("coordinates") or []
    if kind == "Polygon":
        return in_polygon(lon, lat, coordinates)
    if kind == "MultiPolygon":
        return any(in_polygon(lon, lat, polygon) for polygon in coordinates)
    return False


def bounding_box(geometry: dict) -> tuple[float, float, float, float]:
    """(min_lat, min_lon, max_lat, max_lon) of a Polygon or MultiPolygon's outer rings."""
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    lons = [p[0] for polygon in polygons for p in polygon[0]]
    lats = [p[1] for polygon in polygons for p in polygon[0]]
    return min(lats), min(lons), max(lats), max(lons)


def district_at(lat, lon) -> int | None:
    """The id of the active 동 whose imported boundary holds the point, or None.

    The database keeps only boundaries whose bounding box holds the point; only those are tested.
    """
    if not is_coordinate(lat, lon):
        return None
    lat, lon = float(lat), float(lon)
    rows = db.session.execute(
        select(DistrictBoundary.district_id, DistrictBoundary.geometry)
        .join(District, District.id == DistrictBoundary.district_id)
        .where(
            District.retired_at.is_(None),
            DistrictBoundary.min_lat <= lat,
            DistrictBoundary.max_lat >= lat,
            DistrictBoundary.min_lon <= lon,
            DistrictBoundary.max_lon >= lon,
        )
        .order_by(DistrictBoundary.district_id)
    ).all()
    for district_id, geometry in rows:
        try:
            shape = json.loads(geometry)
        except ValueError:
            continue
        if in_geometry(lon, lat, shape):
            return district_id
    return None


def city_bounds() -> tuple[float, float, float, float]:
    """(south, west, north, east) from CITY_BOUNDS."""
    south, west, north, east = (float(v) for v in current_app.config["CITY_BOUNDS"])
    return south, west, north, east


def within_city(lat, lon) -> bool:
    """The point lies inside the city's box (CITY_BOUNDS); a quick check before any 동 lookup."""
    if not is_coordinate(lat, lon):
        return False
    south, west, north, east = city_bounds()
    return south <= float(lat) <= north and west <= float(lon) <= east
