"""Photos are checked by their content, re-encoded without metadata, and thumbnailed."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from participation.core.errors import ServiceError
from participation.ideas.photos import MAX_PHOTO_BYTES, process_photo
from tests.factories import jpeg_bytes


# An EXIF block with a GPS position (what a phone camera writes).
def exif_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    gps = {1: "N", 2: (37.0, 33.0, 58.0), 3: "E", 4: (126.0, 58.0, 40.0)}
    exif[0x8825] = gps
    return exif.tobytes()


def test_jpeg_is_re_encoded_without_exif_or_gps():
    original = jpeg_bytes(exif=exif_with_gps())
    assert Image.open(io.BytesIO(original)).getexif()  # the upload carries EXIF
    photo = process_photo(io.BytesIO(original))
    stored = Image.open(io.BytesIO(photo.full))
    assert stored.format == "JPEG"
    assert not stored.getexif() and "exif" not in stored.info
    assert b"PhoneMaker" not in photo.full
    assert (photo.width, photo.height) == (640, 480)


def test_thumbnail_is_small_and_large_photos_are_scaled_down():
    photo = process_photo(io.BytesIO(jpeg_bytes(size=(4000, 3000))))
    assert max(photo.width, photo.height) == 2048
    thumb = Image.open(io.BytesIO(photo.thumbnail))
    assert max(thumb.size) == 480


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_are_accepted_and_transparency_flattened(fmt):
    out = io.BytesIO()
    Image.new("RGBA", (300, 200), (255, 0, 0, 0)).save(out, fmt)
    photo = process_photo(io.BytesIO(out.getvalue()))
    assert Image.open(io.BytesIO(photo.full)).mode == "RGB"


def refused(data: bytes) -> str:
    with pytest.raises(ServiceError) as caught:
        process_photo(io.BytesIO(data))
    return caught.value.code


def test_a_pdf_renamed_jpg_is_refused_by_content():
    assert refused(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF") == "photo_type"


def test_svg_is_refused():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>'
    assert refused(svg) == "photo_type"


def test_gif_and_other_image_types_are_refused():
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "GIF")
    assert refused(out.getvalue()) == "photo_type"


def test_truncated_jpeg_is_refused():
    assert refused(jpeg_bytes()[:200]) == "photo_type"


def test_over_5_mb_is_refused_without_reading_it_all():
    assert refused(b"\xff\xd8" + b"0" * MAX_PHOTO_BYTES) == "photo_too_large"


def test_empty_file_is_refused():
    assert refused(b"") == "photo_empty"


def test_decompression_bomb_is_refused():
    out = io.BytesIO()
    Image.new("1", (12000, 12000)).save(out, "PNG")  # tiny file, 144 million pixels
    assert len(out.getvalue()) < MAX_PHOTO_BYTES
    assert refused(out.getvalue()) in {"photo_pixels", "photo_type"}
