"""A civil request's photos: checked and re-encoded without EXIF by core.images, stored in their
own folder, one `RequestPhoto` row each. Files follow the transaction (a refused filing leaves none)."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from participation.civil_requests.models import MAX_PHOTOS, CivilRequest, RequestPhoto
from participation.core import images
from participation.core.errors import ServiceError
from participation.core.i18n import lazy_ngettext
from participation.extensions import db


def folder() -> Path:
    return images.upload_folder("requests")


def too_many() -> ServiceError:
    return ServiceError(
        lazy_ngettext("A request can have at most %(count)d photo.", "A request can have at most %(count)d photos.", MAX_PHOTOS, count=MAX_PHOTOS),
        field="photos",
        code="too_many_photos",
    )


def store_photos(request: CivilRequest, photos: list[images.ProcessedPhoto], now: datetime) -> None:
    """Write each checked photo and add its row; `intake.file_request(store_photos=...)` calls this."""
    if len(request.photos) + len(photos) > MAX_PHOTOS:
        raise too_many()
    start = max((p.position for p in request.photos), default=-1) + 1
    target = folder()
    for offset, photo in enumerate(photos):
        token = images.store(photo, target)
        request.photos.append(
            RequestPhoto(token=token, position=start + offset, width=photo.width, height=photo.height, size_bytes=len(photo.full), created_at=now)
        )


def by_token(token: str) -> RequestPhoto | None:
    return db.session.scalar(select(RequestPhoto).where(RequestPhoto.token == token))
