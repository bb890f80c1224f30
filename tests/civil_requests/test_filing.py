"""Filing online (phone first): the form, its refusals (nothing stored on any of them), photos
without EXIF, similar requests nearby, "same problem", and serving a request's photos."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import func, select

from participation.civil_requests import handling
from participation.civil_requests.models import MAX_PHOTOS, Channel, CivilRequest, RequestPhoto, RequestSupporter
from participation.core.db import write_transaction
from participation.core.time import now
from participation.extensions import db
from tests.civil_requests.helpers_filing import INSIDE, OUTSIDE, make_city, phone_photo, stored_files, upload
from tests.factories import jpeg_bytes, make_civil_request, make_user


@pytest.fixture
def city(app_ctx):
    return make_city()


def _form(city, **overrides):
    data = {
        "category_id": city["lights"].id, "title": "도서관 앞 가로등이 꺼졌어요",
        "description": "사흘째 밤마다 꺼져 있어 골목이 어둡습니다.", "address": "햇살로 12 앞",
        "district_id": "", "latitude": str(INSIDE[0]), "longitude": str(INSIDE[1]),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _file(client, data):
    return client.post_form("/requests/new", data, token_from="/requests/new", content_type="multipart/form-data")


def test_filing_needs_sign_in_and_goes_back_to_the_form_after_it(app, client, city):
    response = client.get("/requests/new")
    assert response.status_code == 302
    assert response.location == "/login?next=/requests/new"


def test_the_form_offers_active_categories_with_their_department_and_the_dongs(app, resident_client, city):
    html = resident_client.get("/requests/new").get_data(as_text=True)
    assert "Streetlight out (Roads)" in html
    assert "Old category" not in html
    assert "Saebom-gu Haetsal-dong" in html
    assert 'data-map-pin' in html and 'name="latitude"' in html and 'name="address"' in html
    assert 'name="is_public"' in html and 'checked' not in re.search(r'<input[^>]*name="is_public"[^>]*>', html).group(0)


def test_a_resident_files_with_a_photo_and_a_pin(app, resident_client, city):
    data = _form(city, photos=[upload(phone_photo())])
    response = _file(resident_client, data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    filed = db.session.scalars(select(CivilRequest)).one()
    assert response.location.endswith(f"/requests/{filed.id}")
    assert filed.channel == Channel.WEB and filed.applicant_id == resident_client.user.id
    assert filed.lead_department_id == city["roads"].id
    assert not filed.is_public  # private unless the person chose public
    assert (filed.latitude, filed.longitude) == INSIDE and filed.address == "햇살로 12 앞"
    page = resident_client.get(response.location).get_data(as_text=True)
    assert f"Its tracking number is {filed.tracking_number}" in page and "Roads answers by" in page
    # The photo is stored re-encoded, without the EXIF block and its GPS position.
    photo = db.session.scalars(select(RequestPhoto)).one()
    assert photo.request_id == filed.id and (photo.width, photo.height) == (640, 480)
    files = stored_files(app)
    assert [f.name for f in files] == sorted([f"{photo.token}.jpg", f"{photo.token}-thumb.jpg"])
    stored = Image.open(files[0])
    assert not stored.getexif() and b"PhoneMaker" not in files[0].read_bytes()
    assert f"/requests/photos/{photo.token}-thumb.jpg" in page


def test_public_is_a_choice(app, resident_client, city):
    assert _file(resident_client, _form(city, is_public="y")).status_code == 302
    assert db.session.scalars(select(CivilRequest)).one().is_public


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"category_id": "retired"}, "This category is no longer in use"),
        ({"latitude": str(OUTSIDE[0]), "longitude": str(OUTSIDE[1])}, "That place is outside the city"),
        ({"latitude": "nan", "longitude": "nan"}, "That place is outside the city"),
        ({"latitude": str(INSIDE[0]), "longitude": ""}, "Give both latitude and longitude"),
        ({"latitude": "north", "longitude": "east"}, "Latitude (optional): Enter a number such as 35.1601"),
        ({"description": "가" * 4001}, "Use at most 4000 characters"),
        ({"title": ""}, "Give the request a title"),
        ({"category_id": ""}, "Category: Choose a category."),
        ({"category_id": "999999"}, "Choose one of the options"),
        ({"photos": [upload(b"%PDF-1.4 not an image", "scan.jpg")]}, "Photos must be JPEG, PNG or WebP images"),
        ({"photos": [upload(jpeg_bytes(), f"{n}.jpg") for n in range(MAX_PHOTOS + 1)]}, "A request can have at most 3 photos"),
    ],
)
def test_bad_input_is_refused_on_the_form_and_nothing_is_stored(app, resident_client, city, overrides, message):
    if overrides.get("category_id") == "retired":
        overrides["category_id"] = city["retired"].id
    data = _form(city, **overrides)
    if "photos" not in overrides:
        data["photos"] = [upload(jpeg_bytes())]
    response = _file(resident_client, data)
    assert response.status_code == 422
    summary = re.search(r'<div class="error-summary".*?</div>', response.get_data(as_text=True), re.S).group(0)
    assert message in summary
    assert _count(CivilRequest) == 0 and _count(RequestPhoto) == 0
    assert stored_files(app) == []


def test_a_description_of_exactly_4000_characters_with_line_breaks_is_taken(app, resident_client, city):
    text = ("가" * 99 + "\r\n") * 40  # each line break counts once: 4,000 characters
    assert _file(resident_client, _form(city, description=text)).status_code == 302


def test_a_suspended_person_cannot_file(app, client, city):
    from datetime import timedelta

    from participation.accounts.models import User

    person = make_user()
    client.login(person.email)
    user = db.session.get(User, person.id)
    user.suspended_until = now() + timedelta(days=3)
    db.session.commit()
    assert client.get("/requests/new").status_code == 403


# --- similar requests nearby -------------------------------------------------------------------


def _nearby_world(city):
    near = make_civil_request(city["lights"], title="햇살로 가로등 고장", is_public=True, latitude=INSIDE[0] + 0.0005, longitude=INSIDE[1])
    private = make_civil_request(city["lights"], title="비공개 가로등", latitude=INSIDE[0], longitude=INSIDE[1])
    far = make_civil_request(city["lights"], title="먼 곳 가로등", is_public=True, latitude=35.25, longitude=127.0)
    return near, private, far


def test_nearby_lists_open_public_requests_of_the_category_without_personal_data(app, client, city):
    applicant = make_user(display_name="알려지면안되는이름")
    near, private, far = _nearby_world(city)
    near.applicant_id = applicant.id
    db.session.commit()
    response = client.get(f"/requests/nearby.json?category={city['lights'].id}&latitude={INSIDE[0]}&longitude={INSIDE[1]}&q=가로등")
    assert response.status_code == 200
    found = response.get_json()
    assert [r["id"] for r in found] == [near.id]
    assert set(found[0]) >= {"id", "title", "distance_m", "supporter_count", "status", "url"}
    assert 40 <= found[0]["distance_m"] <= 70 and found[0]["url"] == f"/requests/{near.id}"
    text = response.get_data(as_text=True)
    assert "알려지면안되는이름" not in text and "applicant" not in text and near.tracking_number not in text


@pytest.mark.parametrize(
    "query",
    ["", "category=abc", "category=99999999999", "category={c}&latitude=x&longitude=y", "category={c}&latitude=91&longitude=0",
     "category={c}&district_id=zz", "category={c}&latitude=nan&longitude=inf"],
)
def test_nearby_answers_odd_queries_with_an_empty_list(app, client, city, query):
    _nearby_world(city)
    response = client.get("/requests/nearby.json?" + query.format(c=city["lights"].id))
    assert response.status_code == 200 and response.get_json() == []


def test_without_script_the_check_step_shows_them_and_files_nothing(app, resident_client, city):
    near, _private, _far = _nearby_world(city)
    response = _file(resident_client, _form(city, check="1"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "햇살로 가로등 고장" in html and f'form="support-{near.id}"' in html
    assert f'action="/requests/{near.id}/support"' in html
    assert "도서관 앞 가로등이 꺼졌어요" in html  # what was written is kept
    assert _count(CivilRequest) == 3


# --- "same problem" ---------------------------------------------------------------------------


def test_same_problem_adds_the_person_once_and_follows_the_request(app, resident_client, city):
    near, _private, _far = _nearby_world(city)
    url = f"/requests/{near.id}/support"
    response = resident_client.post_form(url)
    assert response.status_code == 302 and response.location.endswith(f"/requests/{near.id}")
    assert "you reported the same problem" in resident_client.get(response.location).get_data(as_text=True)
    again = resident_client.post_form(url, headers={"Accept": "application/json"})
    assert again.status_code == 200 and again.get_json() == {
        "supported": True, "added": False, "supporter_count": 1,
        "message": "You had already reported the same problem here; you are told of each step."}
    assert db.session.get(CivilRequest, near.id).supporter_count == 1
    assert db.session.get(RequestSupporter, (near.id, resident_client.user.id)) is not None


def test_same_problem_refusals_are_clear(app, client, city):
    near, private, _far = _nearby_world(city)
    owner = db.session.get(CivilRequest, near.id).applicant
    anonymous = client.post_form(f"/requests/{near.id}/support")
    assert anonymous.status_code == 302 and "/login" in anonymous.location
    client.login(owner.email)
    client.use_english()
    own = client.post_form(f"/requests/{near.id}/support", headers={"Accept": "application/json"})
    assert own.status_code == 409 and own.get_json()["error"]["message"] == "This is your own request."
    assert client.post_form(f"/requests/{private.id}/support").status_code == 404  # not theirs, not public: not there
    official = make_user(roles={"official"}, department=city["roads"])
    with write_transaction():
        handling.complete(official, db.session.get(CivilRequest, near.id), result="resolved", answer="고쳤습니다.", now=now(),
                          version=db.session.get(CivilRequest, near.id).version)
    other = make_user()
    client.logout()
    client.login(other.email)
    client.use_english()
    closed = client.post_form(f"/requests/{near.id}/support")
    assert closed.status_code == 302
    assert "This request is closed" in client.get(closed.location).get_data(as_text=True)
    assert db.session.get(CivilRequest, near.id).supporter_count == 0


# --- photos ---------------------------------------------------------------------------------------


def test_a_photo_is_served_only_to_who_may_see_its_request(app, resident_client, city, make_client):
    assert _file(resident_client, _form(city, photos=[upload(jpeg_bytes())])).status_code == 302
    photo = db.session.scalars(select(RequestPhoto)).one()
    name = f"{photo.token}-thumb.jpg"
    own = resident_client.get(f"/requests/photos/{name}")
    assert own.status_code == 200 and own.mimetype == "image/jpeg"
    assert own.headers["X-Content-Type-Options"] == "nosniff" and own.headers["Cache-Control"] == "private, no-store"
    stranger = make_client()
    assert stranger.get(f"/requests/photos/{name}").status_code == 404
    request = db.session.get(CivilRequest, photo.request_id)
    request.is_public = True
    db.session.commit()
    public = stranger.get(f"/requests/photos/{photo.token}.jpg")
    assert public.status_code == 200 and public.headers["Cache-Control"] == "no-cache"
    Image.open(io.BytesIO(public.data)).verify()
    for bad in ("../../config.py", f"{photo.token}.png", "0" * 32 + ".jpg", f"{photo.token}-thumb.jpg.exe"):
        assert stranger.get(f"/requests/photos/{bad}").status_code == 404
