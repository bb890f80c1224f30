"""What the filing tests share: a city with a department, categories, a 동 with its boundary, and
photos as phones send them (with an EXIF GPS position)."""
from __future__ import annotations

import io
import json
from pathlib import Path

from PIL import Image

from participation.accounts.models import DistrictBoundary
from participation.core.time import now
from participation.extensions import db
from tests.factories import jpeg_bytes, make_department, make_district, make_request_category

# Inside the test city's bounds (config CITY_BOUNDS: 35.05..35.26, 126.64..127.02) and the 동 below.
INSIDE = (35.1601, 126.8515)
OUTSIDE = (37.5665, 126.9780)  # Seoul City Hall


def exif_with_gps(lat: float = INSIDE[0], lon: float = INSIDE[1]) -> bytes:
    """A phone camera's EXIF block: its maker and the GPS position, as degrees, minutes, seconds."""

    def dms(value: float):
        degrees = int(value)
        minutes = int((value - degrees) * 60)
        seconds = round(((value - degrees) * 60 - minutes) * 60, 2)
        return (float(degrees), float(minutes), seconds)

    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N" if lat >= 0 else "S", 2: dms(abs(lat)), 3: "E" if lon >= 0 else "W", 4: dms(abs(lon))}
    return exif.tobytes()


def phone_photo(**kwargs) -> bytes:
    return jpeg_bytes(exif=exif_with_gps(**kwargs))


def upload(data: bytes, name: str = "photo.jpg"):
    return (io.BytesIO(data), name)


def make_city():
    """도로과 with two categories (one retired), 새봄구 햇살동 with a boundary holding INSIDE."""
    roads = make_department("도로과", name_en="Roads")
    lights = make_request_category(roads, name_ko="가로등 고장", name_en="Streetlight out")
    retired = make_request_category(roads, name_ko="옛 분류", name_en="Old category")
    retired.retired_at = now()
    gu = make_district("새봄구", name_en="Saebom-gu")
    dong = make_district("햇살동", parent=gu, name_en="Haetsal-dong")
    ring = [[126.80, 35.10], [126.90, 35.10], [126.90, 35.20], [126.80, 35.20], [126.80, 35.10]]
    db.session.add(DistrictBoundary(
        district_id=dong.id, geometry=json.dumps({"type": "Polygon", "coordinates": [ring]}),
        min_lat=35.10, min_lon=126.80, max_lat=35.20, max_lon=126.90, imported_at=now(),
    ))
    db.session.commit()
    return {"roads": roads, "lights": lights, "retired": retired, "gu": gu, "dong": dong}


def stored_files(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_FOLDER"]) / "requests"
    return sorted(folder.glob("*.jpg")) if folder.exists() else []
