"""Services for civil requests' reference data: request categories, local holidays, 동 boundaries."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload

from participation.accounts.models import Department, District, DistrictBoundary, DistrictKind, User
from participation.civil_requests.geo import bounding_box
from participation.civil_requests.models import LocalHoliday, PeriodUnit, RequestCategory, RequestKind
from participation.core import audit, reference, signals
from participation.core.errors import ServiceError
from participation.core.i18n import lazy_gettext as _l
from participation.core.i18n import lazy_ngettext
from participation.extensions import db

BOUNDARY_FILE_MAX = 5 * 1024 * 1024
HOLIDAY_HORIZON_YEARS = 2
UNMATCHED_SHOWN = 20


# --- request categories ---------------------------------------------------------


def request_categories() -> list[RequestCategory]:
    """Active ones first, each group in Korean name order."""
    return list(db.session.scalars(select(RequestCategory).order_by(RequestCategory.retired_at.is_not(None), RequestCategory.name_ko)))


def active_request_categories() -> list[RequestCategory]:
    """The categories that take requests (not retired), with their departments, in Korean name order."""
    return list(db.session.scalars(
        select(RequestCategory).where(RequestCategory.retired_at.is_(None))
        .options(selectinload(RequestCategory.department)).order_by(RequestCategory.name_ko)
    ))


def save_request_category(
    actor: User,
    category: RequestCategory | None,
    *,
    name_ko: str,
    name_en: str,
    kind: str,
    department: Department | None,
    period_amount: int | None,
    period_unit: str | None,
    answer_template_ko: str,
    answer_template_en: str,
    now: datetime,
) -> RequestCategory:
    """Create or change a request category. No period (both None) means the kind's statutory one."""
    if kind not in set(RequestKind):
        raise ServiceError(_l("Choose a kind."), field="kind", code="kind_unknown")
    if department is None:
        raise ServiceError(_l("Choose a department."), field="department_id", code="department_required")
    if department.is_retired and (category is None or category.department != department):
        raise ServiceError(_l("This department is retired."), field="department_id", code="department_retired")
    if (period_amount is None) != (period_unit is None):
        raise ServiceError(_l("Set both the number and the unit of the period, or neither."), field="period_amount", code="period_half")
    if period_unit is not None and period_unit not in set(PeriodUnit):
        raise ServiceError(_l("Choose one of the options."), field="period_unit", code="period_unit_unknown")
    if period_amount is not None and period_amount < 1:
        raise ServiceError(_l("The period must be at least 1."), field="period_amount", code="period_positive")
    return reference.save(
        actor,
        RequestCategory,
        category,
        name_ko=name_ko,
        name_en=name_en,
        now=now,
        fields={
            "kind": kind,
            "department": department,
            "period_amount": period_amount,
            "period_unit": period_unit,
            "answer_template_ko": answer_template_ko or "",
            "answer_template_en": answer_template_en or "",
        },
    )


@signals.reference_retiring.connect
def _guard_department_retiring(obj, **_):
    if isinstance(obj, Department):
        routed = db.session.scalar(
            select(func.count())
            .select_from(RequestCategory)
            .where(RequestCategory.department_id == obj.id, RequestCategory.retired_at.is_(None))
        )
        if routed:
            return lazy_ngettext(
                "%(count)d active request category goes to this department. Route it elsewhere first.",
                "%(count)d active request categories go to this department. Route them elsewhere first.",
                routed,
                count=routed,
            )
    return None


@signals.reference_restoring.connect
def _guard_category_restoring(obj, **_):
    if isinstance(obj, RequestCategory) and obj.department.is_retired:
        return _l("Its department is retired. Route the category to an active department first.")
    return None


# --- local holidays ----------------------------------------------------------------


def local_holidays() -> list[LocalHoliday]:
    return list(db.session.scalars(select(LocalHoliday).order_by(LocalHoliday.day)))


def _years_from(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def add_local_holiday(actor: User, *, day: date, name_ko: str, name_en: str, today: date, now: datetime) -> LocalHoliday:
    """A day the city's offices close; within two years of `today` (either way), one per date."""
    if not _years_from(today, -HOLIDAY_HORIZON_YEARS) <= day <= _years_from(today, HOLIDAY_HORIZON_YEARS):
        raise ServiceError(_l("Choose a date within two years of today."), field="day", code="day_too_far")
    if db.session.get(LocalHoliday, day) is not None:
        raise ServiceError(_l("This date is already a local holiday."), field="day", code="day_taken")
    holiday = LocalHoliday(day=day, name_ko=name_ko.strip(), name_en=(name_en or "").strip(), created_at=now)
    db.session.add(holiday)
    db.session.flush()
    audit.record("local_holidays.created", now, actor=actor, day=day.isoformat(), name_ko=holiday.name_ko)
    return holiday


def delete_local_holiday(actor: User, day: date, now: datetime) -> None:
    holiday = db.session.get(LocalHoliday, day)
    if holiday is None:
        raise ServiceError(_l("This local holiday no longer exists."), code="not_found")
    audit.record("local_holidays.deleted", now, actor=actor, day=day.isoformat(), name_ko=holiday.name_ko)
    db.session.delete(holiday)
    db.session.flush()


# --- 동 boundaries -----------------------------------------------------------------


def _refuse(message) -> ServiceError:
    return ServiceError(message, field="file", code="bad_geojson")


def _is_position(value) -> bool:
    return (
        isinstance(value, list)
        and len(value) >= 2
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value[:2])
        and -180 <= value[0] <= 180
        and -90 <= value[1] <= 90
    )


def _is_polygon(rings) -> bool:
    return (
        isinstance(rings, list)
        and len(rings) >= 1
        and all(isinstance(ring, list) and len(ring) >= 4 and all(_is_position(p) for p in ring) for ring in rings)
    )


def valid_geometry(geometry) -> dict | None:
    """The geometry with 2-D positions if it is a well-formed Polygon or MultiPolygon, else None."""
    if not isinstance(geometry, dict):
        return None
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon" and _is_polygon(coordinates):
        rings = coordinates
        return {"type": kind, "coordinates": [[[p[0], p[1]] for p in ring] for ring in rings]}
    if kind == "MultiPolygon" and isinstance(coordinates, list) and coordinates and all(_is_polygon(c) for c in coordinates):
        return {"type": kind, "coordinates": [[[[p[0], p[1]] for p in ring] for ring in polygon] for polygon in coordinates]}
    return None


def parse_feature_collection(raw: bytes) -> list:
    """The features of a GeoJSON FeatureCollection, or a ServiceError that says what is wrong."""
    if len(raw) > BOUNDARY_FILE_MAX:
        raise _refuse(_l("The file is larger than 5 MB."))
    if not raw.strip():
        raise _refuse(_l("The file is empty."))
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _refuse(_l("The file is not JSON (GeoJSON in UTF-8).")) from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection" or not isinstance(document.get("features"), list):
        raise _refuse(_l("The file is not a GeoJSON FeatureCollection."))
    if not document["features"]:
        raise _refuse(_l("The FeatureCollection has no features."))
    return document["features"]


@dataclass
class ImportReport:
    matched: int = 0
    unmatched: int = 0
    invalid: int = 0
    unmatched_names: list[str] = field(default_factory=list)


def _dong_index() -> dict[str, list[District]]:
    index: dict[str, list[District]] = {}
    for dong in db.session.scalars(select(District).where(District.kind == DistrictKind.DONG, District.retired_at.is_(None))):
        index.setdefault(dong.name_ko, []).append(dong)
    return index


def match_dong(name: str, index: dict[str, list[District]]) -> District | None:
    """The dong a feature's name means: "햇살동", "새봄구 햇살동" or "한빛시 새봄구 햇살동".

    A dong name found in two gu needs the gu in the name; an unclear name matches nothing.
    """
    words = name.split()
    if not words:
        return None
    candidates = index.get(words[-1], [])
    if len(words) >= 2:
        candidates = [d for d in candidates if d.parent is not None and d.parent.name_ko == words[-2]]
    return candidates[0] if len(candidates) == 1 else None


def import_boundaries(actor: User, raw: bytes, *, name_property: str, now: datetime) -> ImportReport:
    """Store each feature's boundary on the dong its name matches (replacing an older one).

    A malformed file is refused whole; within a good file, a feature whose geometry is not a
    Polygon or MultiPolygon is counted invalid, one whose name matches no dong unmatched.
    """
    features = parse_feature_collection(raw)
    name_property = name_property.strip()
    index = _dong_index()
    report = ImportReport()
    shapes: dict[int, dict] = {}
    for feature in features:
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            report.invalid += 1
            continue
        properties = feature.get("properties") if isinstance(feature.get("properties"), dict) else {}
        name = properties.get(name_property)
        if name is None and name_property != "name":
            name = properties.get("name")
        geometry = valid_geometry(feature.get("geometry"))
        if geometry is None:
            report.invalid += 1
            continue
        dong = match_dong(str(name), index) if isinstance(name, (str, int)) else None
        if dong is None:
            report.unmatched += 1
            if len(report.unmatched_names) < UNMATCHED_SHOWN:
                report.unmatched_names.append(str(name)[:100] if name is not None else "—")
            continue
        if dong.id in shapes:  # a dong in several features: one MultiPolygon
            shapes[dong.id] = _merge(shapes[dong.id], geometry)
        else:
            shapes[dong.id] = geometry
            report.matched += 1
    if not shapes and not report.unmatched:
        raise _refuse(_l("No feature has a Polygon or MultiPolygon geometry."))
    if shapes:
        db.session.execute(delete(DistrictBoundary).where(DistrictBoundary.district_id.in_(list(shapes))))
    for district_id, geometry in shapes.items():
        min_lat, min_lon, max_lat, max_lon = bounding_box(geometry)
        db.session.add(
            DistrictBoundary(
                district_id=district_id,
                geometry=json.dumps(geometry, separators=(",", ":")),
                min_lat=min_lat,
                min_lon=min_lon,
                max_lat=max_lat,
                max_lon=max_lon,
                imported_at=now,
            )
        )
    db.session.flush()
    audit.record(
        "district_boundaries.imported",
        now,
        actor=actor,
        matched=report.matched,
        unmatched=report.unmatched,
        invalid=report.invalid,
        name_property=name_property,
    )
    return report


def _merge(first: dict, second: dict) -> dict:
    def polygons(geometry):
        return [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]

    return {"type": "MultiPolygon", "coordinates": polygons(first) + polygons(second)}


def boundary_count() -> int:
    return db.session.scalar(select(func.count()).select_from(DistrictBoundary)) or 0


def boundaries_by_district() -> dict[int, DistrictBoundary]:
    return {b.district_id: b for b in db.session.scalars(select(DistrictBoundary))}
