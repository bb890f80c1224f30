"""Idea photos: where they are stored. Checking, re-encoding (EXIF and GPS dropped), storing and
deleting with the transaction are every domain's, in participation/core/images.py."""
from __future__ import annotations

from pathlib import Path

from participation.core.images import (  # noqa: F401  (ideas, panels and the demo use them from here)
    MAX_PHOTO_BYTES,
    ProcessedPhoto,
    delete_after_commit,
    process_photo,
    store,
    upload_folder,
)


def photo_folder() -> Path:
    return upload_folder("photos")
