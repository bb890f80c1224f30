"""The services under the filing pages: request photos stored with the transaction (deleted when it
rolls back), and finding a request by tracking number and phone or email."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from participation.civil_requests import intake, tracking
from participation.civil_requests import photos as request_photos
from participation.civil_requests.models import Channel, CivilRequest, RequestPhoto
from participation.core.db import write_transaction
from participation.core.errors import ServiceError
from participation.core.images import process_photo
from participation.core.time import now
from participation.extensions import db
from tests.civil_requests.helpers_filing import INSIDE, make_city, phone_photo, stored_files
from tests.factories import jpeg_bytes, make_user


@pytest.fixture
def city(app_ctx):
    return make_city()


def _data(city, **overrides):
    values = {"category": city["lights"], "title": "가로등 고장", "description": "꺼져 있어요.", "latitude": INSIDE[0], "longitude": INSIDE[1]}
    values.update(overrides)
    return intake.RequestData(**values)


def test_photos_are_stored_with_the_request_in_order(app, city):
    photos = [process_photo(io.BytesIO(phone_photo())), process_photo(io.BytesIO(jpeg_bytes(size=(300, 200))))]
    with write_transaction():
        filed = intake.file_request(make_user(), _data(city), now(), photos=photos, store_photos=request_photos.store_photos)
    rows = db.session.scalars(select(RequestPhoto).order_by(RequestPhoto.position)).all()
    assert [(p.request_id, p.position, p.width, p.height) for p in rows] == [(filed.id, 0, 640, 480), (filed.id, 1, 300, 200)]
    assert len(stored_files(app)) == 4 and all(b"PhoneMaker" not in f.read_bytes() for f in stored_files(app))


def test_a_filing_refused_after_its_photos_were_written_leaves_no_file_and_no_row(app, city):
    def store_then_refuse(request, photos, moment):
        request_photos.store_photos(request, photos, moment)
        assert len(stored_files(app)) == 2  # written...
        raise ServiceError("refused later in the same transaction", code="later")

    with pytest.raises(ServiceError), write_transaction():
        intake.file_request(make_user(), _data(city), now(), photos=[process_photo(io.BytesIO(jpeg_bytes()))], store_photos=store_then_refuse)
    assert stored_files(app) == []  # ...and deleted with the rollback
    assert db.session.scalar(select(func.count()).select_from(CivilRequest)) == 0
    assert db.session.scalar(select(func.count()).select_from(RequestPhoto)) == 0


def test_more_than_three_photos_are_refused_by_the_service_too(app, city):
    photos = [process_photo(io.BytesIO(jpeg_bytes())) for _ in range(4)]
    with pytest.raises(ServiceError) as refused, write_transaction():
        intake.file_request(make_user(), _data(city), now(), photos=photos, store_photos=request_photos.store_photos)
    assert refused.value.code == "too_many_photos" and refused.value.field == "photos"
    assert stored_files(app) == []


@pytest.mark.parametrize(
    ("typed", "number"),
    [("2026-1234-5678", "2026-1234-5678"), (" 2026 1234 5678 ", "2026-1234-5678"), ("202612345678", "2026-1234-5678"),
     ("2026.1234.5678", "2026-1234-5678"), ("2026-1234", "2026-1234"), ("", "")],
)
def test_tracking_numbers_are_read_however_they_are_typed(typed, number):
    assert tracking.normalise_number(typed) == number


def _counter(city, *, phone=None, email=None) -> CivilRequest:
    staff = make_user(roles={"counter"})
    with write_transaction():
        filed = intake.file_request(
            staff, _data(city), now(), channel=Channel.COUNTER,
            on_behalf=intake.OnBehalf(name="김민원", phone=phone, email=email, consented=True),
        )
    db.session.commit()
    return filed


def test_find_matches_the_phone_or_the_email_and_nothing_else(app, city):
    by_phone = _counter(city, phone="010-2345-6789")
    by_email = _counter(city, email="Resident@example.kr")
    assert tracking.find(by_phone.tracking_number, "01023456789") == by_phone
    assert tracking.find(by_phone.tracking_number.replace("-", ""), "010 2345 6789") == by_phone
    assert tracking.find(by_email.tracking_number, "resident@EXAMPLE.kr") == by_email
    for number, contact in [
        (by_phone.tracking_number, "01099999999"), (by_phone.tracking_number, "resident@example.kr"),
        (by_email.tracking_number, "01023456789"), (by_email.tracking_number, "other@example.kr"),
        ("2020-0000-0000", "01023456789"), ("' OR 1=1 --", "01023456789"), (by_phone.tracking_number, ""),
        (by_phone.tracking_number, "not a phone"),
    ]:
        assert tracking.find(number, contact) is None, (number, contact)
