"""Field staff in three taps, counter staff for a resident, the printed receipt with its QR code,
and following a request by tracking number and phone (rate-limited, one message for every miss)."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from participation.civil_requests.models import Channel, CivilRequest, RequestPhoto
from participation.extensions import db
from tests.civil_requests.helpers_filing import INSIDE, make_city, phone_photo, stored_files, upload
from tests.factories import make_user


@pytest.fixture
def city(app_ctx):
    return make_city()


def _signed_in(make_client, user):
    client = make_client()
    client.login(user.email)
    client.use_english()
    client.user = user
    return client


def _summary(response) -> str:
    found = re.search(r'<div class="error-summary".*?</div>', response.get_data(as_text=True), re.S)
    return html.unescape(found.group(0)) if found else ""


# --- field staff ------------------------------------------------------------------------------


def test_field_reports_are_for_field_staff(app, make_client, city):
    assert make_client().get("/requests/field").location == "/login?next=/requests/field"
    assert _signed_in(make_client, make_user()).get("/requests/field").status_code == 403
    assert _signed_in(make_client, make_user(roles={"counter"})).get("/requests/field").status_code == 403


def test_a_field_report_in_three_taps_is_routed_at_once_and_public(app, make_client, city):
    staff = _signed_in(make_client, make_user(roles={"field"}))
    page = staff.get("/requests/field").get_data(as_text=True)
    assert 'capture="environment"' in page and f'name="category_id" value="{city["lights"].id}"' in page
    assert f'name="category_id" value="{city["retired"].id}"' not in page
    response = staff.post_form("/requests/field", {
        "photo": [upload(phone_photo())], "latitude": str(INSIDE[0]), "longitude": str(INSIDE[1]),
        "is_public": "y", "category_id": city["lights"].id,
    }, token_from="/requests/field", content_type="multipart/form-data")
    assert response.status_code == 302, _summary(response)
    filed = db.session.scalars(select(CivilRequest)).one()
    assert response.location.endswith(f"/requests/{filed.id}")
    assert filed.channel == Channel.FIELD and filed.is_public and filed.applicant_id == staff.user.id
    assert filed.lead_department_id == city["roads"].id and filed.due_at is not None
    assert filed.district_id == city["dong"].id  # from the pin, through the 동's boundary
    assert filed.title == "Streetlight out · Saebom-gu Haetsal-dong"
    assert filed.description == "Field report: Streetlight out at Saebom-gu Haetsal-dong."
    assert db.session.scalars(select(RequestPhoto)).one().request_id == filed.id


def test_a_field_report_without_any_place_is_refused(app, make_client, city):
    staff = _signed_in(make_client, make_user(roles={"field"}))
    response = staff.post_form("/requests/field", {"category_id": city["lights"].id, "photo": [upload(phone_photo())]},
                               token_from="/requests/field", content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Give the position" in _summary(response)
    assert db.session.scalars(select(CivilRequest)).first() is None and stored_files(app) == []


def test_a_field_report_with_an_address_only_is_titled_by_it(app, make_client, city):
    staff = _signed_in(make_client, make_user(roles={"field"}))
    response = staff.post_form("/requests/field", {"category_id": city["lights"].id, "address": "햇살로 12", "note": "전구 교체 필요"},
                               token_from="/requests/field")
    assert response.status_code == 302, _summary(response)
    filed = db.session.scalars(select(CivilRequest)).one()
    assert filed.title == "Streetlight out · 햇살로 12" and filed.description == "전구 교체 필요"
    assert not filed.is_public  # the box was cleared


# --- counter staff and the receipt ---------------------------------------------------------------


def _counter_form(city, **overrides):
    data = {"applicant_name": "김민원", "contact_phone": "010-2345-6789", "contact_email": "", "consent": "y",
            "category_id": city["lights"].id, "title": "집 앞 가로등 고장", "description": "밤에 어둡습니다.", "address": "햇살로 3"}
    data.update(overrides)
    return data


def test_counter_filings_are_for_counter_staff_and_admins(app, make_client, city):
    assert _signed_in(make_client, make_user()).get("/requests/counter").status_code == 403
    assert _signed_in(make_client, make_user(roles={"field"})).get("/requests/counter").status_code == 403
    assert _signed_in(make_client, make_user(roles={"admin"})).get("/requests/counter").status_code == 200


def test_counter_staff_file_for_a_resident_and_print_a_receipt_with_a_qr_code(app, make_client, city):
    staff = _signed_in(make_client, make_user(roles={"counter"}))
    response = staff.post_form("/requests/counter", _counter_form(city), token_from="/requests/counter")
    assert response.status_code == 302, _summary(response)
    filed = db.session.scalars(select(CivilRequest)).one()
    assert response.location.endswith(f"/requests/{filed.id}/receipt")
    assert filed.channel == Channel.COUNTER and filed.applicant_id is None and filed.filed_by_id == staff.user.id
    assert (filed.applicant_name, filed.contact_phone) == ("김민원", "01023456789") and filed.contact_consented_at is not None
    receipt = staff.get(response.location)
    text = receipt.get_data(as_text=True)
    assert receipt.status_code == 200
    assert filed.tracking_number in text and "Roads" in text and "Streetlight out" in text
    assert f"http://localhost/requests/track?number={filed.tracking_number}" in text
    svg = re.search(r"<svg.*?</svg>", text, re.S).group(0)
    assert "receipt-qr" in svg and "<path" in svg and "<title>" in svg
    assert "data:" not in text  # the CSP allows no data: images; the code is inline SVG
    assert "01023456789" not in text and "010-2345-6789" not in text and "김민원" not in text
    assert "@media print" in staff.get("/static/css/request-filing.css").get_data(as_text=True)


def test_the_receipt_is_for_who_filed_it_and_the_department(app, make_client, city):
    staff = _signed_in(make_client, make_user(roles={"counter"}))
    staff.post_form("/requests/counter", _counter_form(city), token_from="/requests/counter")
    filed = db.session.scalars(select(CivilRequest)).one()
    url = f"/requests/{filed.id}/receipt"
    assert _signed_in(make_client, make_user(roles={"official"}, department=city["roads"])).get(url).status_code == 200
    assert _signed_in(make_client, make_user(roles={"admin"})).get(url).status_code == 200
    assert _signed_in(make_client, make_user(roles={"counter"})).get(url).status_code == 404
    assert _signed_in(make_client, make_user()).get(url).status_code == 404
    assert make_client().get(url).location == f"/login?next={url}"
    assert staff.get("/requests/999999/receipt").status_code == 404


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"consent": None}, "Record that the resident agreed"),
        ({"contact_phone": "", "contact_email": ""}, "Give a phone number or an email address"),
        ({"contact_phone": "02-123"}, "Enter a mobile number such as 010-1234-5678"),
        ({"contact_phone": "", "contact_email": "not-an-email"}, "Enter a valid email address"),
        ({"applicant_name": ""}, "Give the resident's name"),
        ({"category_id": "retired"}, "This category is no longer in use"),
    ],
)
def test_counter_refusals_are_on_the_form(app, make_client, city, overrides, message):
    staff = _signed_in(make_client, make_user(roles={"counter"}))
    if overrides.get("category_id") == "retired":
        overrides["category_id"] = city["retired"].id
    data = {k: v for k, v in _counter_form(city, **overrides).items() if v is not None}
    response = staff.post_form("/requests/counter", data, token_from="/requests/counter")
    assert response.status_code == 422
    assert message in _summary(response)
    assert db.session.scalars(select(CivilRequest)).first() is None


# --- following by tracking number ---------------------------------------------------------------


def _counter_filing(make_client, city, **overrides) -> CivilRequest:
    staff = _signed_in(make_client, make_user(roles={"counter"}))
    response = staff.post_form("/requests/counter", _counter_form(city, **overrides), token_from="/requests/counter")
    assert response.status_code == 302, _summary(response)
    return db.session.scalars(select(CivilRequest).order_by(CivilRequest.id.desc())).first()


def _from(make_client, address: str):
    client = make_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _track(client, number, contact, **kwargs):
    return client.post_form("/requests/track", {"number": number, "contact": contact}, token_from="/requests/track", **kwargs)


def test_the_number_and_the_phone_open_the_request_without_an_account(app, make_client, city):
    filed = _counter_filing(make_client, city)
    resident = make_client()
    resident.use_english()
    assert resident.get(f"/requests/{filed.id}").status_code == 404
    prefilled = resident.get(f"/requests/track?number={filed.tracking_number}").get_data(as_text=True)
    assert f'value="{filed.tracking_number}"' in prefilled
    response = _track(resident, filed.tracking_number.replace("-", " "), "010 2345 6789")
    assert response.status_code == 302 and response.location.endswith(f"/requests/{filed.id}")
    page = resident.get(response.location).get_data(as_text=True)
    assert "집 앞 가로등 고장" in page and filed.tracking_number in page


def test_a_counter_filing_with_only_an_email_is_followed_with_that_email(app, make_client, city):
    filed = _counter_filing(make_client, city, contact_phone="", contact_email="resident@example.kr")
    resident = make_client()
    assert _track(resident, filed.tracking_number, "010-2345-6789").status_code == 422
    assert _track(resident, filed.tracking_number, "Resident@Example.kr").status_code == 302


def test_a_wrong_phone_and_an_unknown_number_get_the_same_message(app, make_client, city):
    filed = _counter_filing(make_client, city)
    resident = make_client()
    resident.use_english()
    wrong_phone = _track(resident, filed.tracking_number, "010-9999-9999")
    unknown = _track(resident, "2020-0000-0000", "010-2345-6789")
    garbage = _track(resident, "<script>", "x")
    for response in (wrong_phone, unknown, garbage):
        assert response.status_code == 422
        assert "No request matches this tracking number and contact" in _summary(response)
    assert _summary(wrong_phone) == _summary(unknown)
    assert resident.get(f"/requests/{filed.id}").status_code == 404


def test_an_online_applicant_follows_with_the_phone_on_their_account(app, make_client, city):
    from tests.factories import make_civil_request

    applicant = make_user()
    applicant.phone = "01055556666"
    db.session.commit()
    filed = make_civil_request(city["lights"], applicant)
    assert _track(make_client(), filed.tracking_number, "010-5555-6666").status_code == 302


def test_failed_lookups_are_rate_limited_per_address_with_a_friendly_page(app, make_client, city):
    resident = make_client()
    resident.use_english()
    token = resident.csrf_token("/requests/track")
    statuses = [
        resident.post("/requests/track", data={"csrf_token": token, "number": f"2026-0000-{n:04d}", "contact": "01012345678"}).status_code
        for n in range(21)
    ]
    assert statuses[:20] == [422] * 20 and statuses[20] == 429
    page = resident.post("/requests/track", data={"csrf_token": token, "number": "2026-0000-0001", "contact": "01012345678"})
    assert page.status_code == 429
    assert "Too many tries to find a request" in page.get_data(as_text=True)
    # Empty forms try no number and use up nothing: another address still gets its own budget.
    other = _from(make_client, "10.0.0.9")
    assert other.post_form("/requests/track", {"number": "", "contact": ""}, token_from="/requests/track").status_code == 422


def test_failed_lookups_of_one_number_are_limited_from_any_address(app, make_client, city):
    filed = _counter_filing(make_client, city)
    statuses = []
    for n in range(11):
        client = _from(make_client, f"10.0.1.{n}")
        statuses.append(_track(client, filed.tracking_number, f"010-9999-{n:04d}").status_code)
    assert statuses[:10] == [422] * 10 and statuses[10] == 429
    # The right phone from a fresh address is refused too while the number is held: no guessing through.
    late = _track(_from(make_client, "10.0.2.1"), filed.tracking_number, "010-2345-6789")
    assert late.status_code == 429
