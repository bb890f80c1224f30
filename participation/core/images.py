"""Uploaded images, for every domain that takes photos: checked by content, re-encoded (which
drops EXIF and GPS), thumbnailed, stored under random names, served from our own routes.

The file name and the declared content type a browser sends are never trusted or used: Pillow
must recognise the bytes as JPEG, PNG or WebP, and what we store is a fresh JPEG we encoded
ourselves. Files follow the database transaction (see `store`).
"""
from __future__ import annotations

import io
import re
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import event
from sqlalchemy.orm import Session

from participation.core.errors import ServiceError
from participation.core.i18n import lazy_gettext as _l

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
MAX_PHOTO_BYTES = 5 * 1024 * 1024
# Refuses decompression bombs long before memory runs out. JPEGs, what phones
# send, are decoded at a reduced scale (Image.draft), so even a large one costs
# little; PNG and WebP are decoded whole and capped here.
MAX_PIXELS = {"JPEG": 100_000_000, "PNG": 25_000_000, "WEBP": 25_000_000}
FULL_EDGE = 2048
THUMB_EDGE = 480
JPEG_QUALITY = 85
# What `store` writes: "<token>.jpg" and "<token>-thumb.jpg".
PHOTO_NAME = re.compile(r"^(?P<token>[0-9a-f]{32})(?P<thumb>-thumb)?\.jpg$")


@dataclass(frozen=True)
class ProcessedPhoto:
    full: bytes
    thumbnail: bytes
    width: int
    height: int


def _refuse(message, code: str):
    raise ServiceError(message, field="photos", code=code)


def _read_limited(stream) -> bytes:
    data = stream.read(MAX_PHOTO_BYTES + 1)
    if len(data) > MAX_PHOTO_BYTES:
        _refuse(_l("Each photo must be 5 MB or smaller."), "photo_too_large")
    if not data:
        _refuse(_l("This photo file is empty."), "photo_empty")
    return data


def _encode(image: Image.Image, edge: int) -> bytes:
    copy = image.copy()
    copy.thumbnail((edge, edge), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    copy.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def process_photo(stream) -> ProcessedPhoto:
    """Validate one uploaded photo by its content and re-encode it; raises ServiceError with the reason."""
    data = _read_limited(stream)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            if probe.format not in ACCEPTED_FORMATS:
                _refuse(_l("Photos must be JPEG, PNG or WebP images."), "photo_type")
            if probe.width * probe.height > MAX_PIXELS[probe.format]:
                _refuse(_l("This photo has too many pixels. Use a smaller image."), "photo_pixels")
            probe.verify()  # structural check; the image must be reopened after it
            image = Image.open(io.BytesIO(data))
            if image.format == "JPEG":
                image.draft("RGB", (FULL_EDGE, FULL_EDGE))
            image.load()
    except ServiceError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning, OSError, SyntaxError, ValueError):
        _refuse(_l("Photos must be JPEG, PNG or WebP images."), "photo_type")
    # Honour the camera's orientation, then drop every metadata block by re-encoding.
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        image = background
    elif image.mode != "RGB":
        image = image.convert("RGB")
    full = _encode(image, FULL_EDGE)
    with Image.open(io.BytesIO(full)) as encoded:
        width, height = encoded.size
    return ProcessedPhoto(full=full, thumbnail=_encode(image, THUMB_EDGE), width=width, height=height)


def upload_folder(name: str) -> Path:
    """A domain's folder under UPLOAD_FOLDER ("photos" for ideas, "requests" for civil requests)."""
    from flask import current_app

    return Path(current_app.config["UPLOAD_FOLDER"]) / name


# Files follow the database transaction: a photo written in a transaction that
# rolls back is deleted, and a photo removed is deleted only once the removal
# is committed. So neither orphans nor dangling rows are left behind.
_WRITTEN, _TO_DELETE = "photos_written", "photos_to_delete"


def store(photo: ProcessedPhoto, folder: Path) -> str:
    """Write the photo and its thumbnail under a new random token; returns the token."""
    from participation.extensions import db

    folder.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(16)
    (folder / f"{token}.jpg").write_bytes(photo.full)
    (folder / f"{token}-thumb.jpg").write_bytes(photo.thumbnail)
    db.session().info.setdefault(_WRITTEN, []).append((folder, token))
    return token


def delete_after_commit(token: str, folder: Path) -> None:
    from participation.extensions import db

    db.session().info.setdefault(_TO_DELETE, []).append((folder, token))


def _delete_files(folder: Path, token: str) -> None:
    for name in (f"{token}.jpg", f"{token}-thumb.jpg"):
        (folder / name).unlink(missing_ok=True)


@event.listens_for(Session, "after_commit")
def _photos_after_commit(session):
    if session.get_nested_transaction() is not None:  # a savepoint was released; the real commit is to come
        return
    for folder, token in session.info.pop(_TO_DELETE, []):
        _delete_files(folder, token)
    session.info.pop(_WRITTEN, None)


@event.listens_for(Session, "after_rollback")
def _photos_after_rollback(session):
    if session.get_nested_transaction() is not None:  # only a savepoint rolled back
        return
    for folder, token in session.info.pop(_WRITTEN, []):
        _delete_files(folder, token)
    session.info.pop(_TO_DELETE, None)


def send_photo(folder: Path, name: str, *, cache_control: str):
    """The stored JPEG `name` (already matched against PHOTO_NAME and allowed) with safe headers."""
    from flask import send_from_directory

    response = send_from_directory(folder, name, mimetype="image/jpeg", max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "inline"
    response.headers["Cache-Control"] = cache_control
    return response
