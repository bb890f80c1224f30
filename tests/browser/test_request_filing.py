"""Filing a civil request in a browser at 360 px: a resident with a photo and a pin (the photo's
GPS position offered and accepted, similar requests nearby shown), a counter filing followed by
its tracking number, and a field report in three taps. Map tiles are not reachable in tests: the
forms work without them."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from participation.civil_requests.models import Channel, CivilRequest
from participation.extensions import db
from tests.civil_requests.helpers_filing import INSIDE, make_city, phone_photo
from tests.factories import jpeg_bytes, make_civil_request, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def scene(app):
    with app.app_context():
        city = make_city()
        make_user(email="resident@example.kr", display_name="주민")
        make_user(email="counter@example.kr", roles={"counter"})
        make_user(email="field@example.kr", roles={"field"})
        near = make_civil_request(city["lights"], title="햇살로 가로등이 깜빡여요", is_public=True, latitude=INSIDE[0] + 0.0004, longitude=INSIDE[1])
        yield {"lights": city["lights"].id, "near": near.id}
        db.session.remove()


def _filed(app, channel: Channel) -> CivilRequest:
    """The one request filed in the test through `channel` (the scene's own was filed before it)."""
    with app.app_context():
        found = db.session.scalars(select(CivilRequest).where(CivilRequest.channel == channel.value).order_by(CivilRequest.id.desc())).first()
        db.session.expunge(found)
        return found


def test_a_resident_files_from_a_phone_with_a_photo_and_its_position(app, scene, people):
    resident = people().sign_in("resident@example.kr").in_english()
    page = resident.goto("/requests/new")
    expect(page.locator(".leaflet-container")).to_be_visible()  # the vendored map, without tiles
    resident.no_sideways_scroll()
    page.get_by_label("Category").select_option(label="Streetlight out (Roads)")
    page.get_by_label("Title").fill("도서관 앞 가로등이 꺼졌어요")
    description = "사흘째 밤마다 꺼져 있어 골목이 어둡습니다."
    page.get_by_label("Description").fill(description)
    expect(page.locator("[data-char-count]")).to_have_text(f"{len(description)} of 4000 characters")

    # The photo carries a GPS position: it is offered, and used only when accepted.
    page.get_by_label("Photos (optional)").set_input_files([{"name": "street.jpg", "mimeType": "image/jpeg", "buffer": phone_photo()}])
    use = page.get_by_role("button", name="Use the photo's location?")
    expect(use).to_be_visible()
    expect(page.locator("[name=latitude]")).to_have_value("")
    use.click()
    expect(page.locator("[name=latitude]")).to_have_value(re.compile(r"^35\.160"))
    expect(page.locator("[name=longitude]")).to_have_value(re.compile(r"^126\.851"))
    expect(page.locator(".leaflet-marker-icon")).to_have_count(1)
    expect(page.get_by_label("Dong (optional)")).to_have_value(re.compile(r"\d+"))  # filled from the pin's 동

    # The similar public request nearby appears, with its "same problem" button.
    nearby = page.locator("[data-nearby-list] li")
    expect(nearby).to_have_count(1)
    expect(nearby).to_contain_text("햇살로 가로등이 깜빡여요")
    expect(nearby.get_by_role("button", name="Same problem")).to_be_visible()
    resident.no_sideways_scroll()

    page.get_by_role("button", name="Send the request").click()
    expect(page.locator(".flash-success")).to_contain_text("Its tracking number is")
    filed = _filed(app, Channel.WEB)
    assert page.url.endswith(f"/requests/{filed.id}")
    assert filed.latitude and abs(filed.latitude - INSIDE[0]) < 0.0001 and not filed.is_public
    photo = page.get_by_role("img", name="Photo 1 of the problem")
    expect(photo).to_be_visible()
    # Visible is not loaded: wait (and fail on timeout) until the browser has decoded the photo.
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=photo.element_handle())
    resident.no_sideways_scroll()


def test_same_problem_from_the_form_instead_of_filing(app, scene, people):
    resident = people().sign_in("resident@example.kr").in_english()
    page = resident.goto("/requests/new")
    page.get_by_label("Category").select_option(label="Streetlight out (Roads)")
    page.locator("[name=latitude]").fill(str(INSIDE[0]))
    page.locator("[name=longitude]").fill(str(INSIDE[1]))
    page.locator("[name=longitude]").press("Tab")
    page.locator("[data-nearby-list]").get_by_role("button", name="Same problem").click()
    expect(page.locator(".flash-success")).to_contain_text("you reported the same problem")
    assert page.url.endswith(f"/requests/{scene['near']}")


def test_a_counter_filing_is_followed_by_its_tracking_number(app, scene, people):
    staff = people().sign_in("counter@example.kr").in_english()
    page = staff.goto("/requests/counter")
    page.get_by_label("Resident's name").fill("김민원")
    page.get_by_label("Resident's mobile number").fill("010-2345-6789")
    page.get_by_label("The resident agreed").check()
    page.get_by_label("Category").select_option(label="Streetlight out (Roads)")
    page.get_by_label("Title").fill("집 앞 가로등 고장")
    page.get_by_label("Description").fill("밤에 골목이 어둡습니다.")
    page.get_by_label("Address or place (optional)").fill("햇살로 3")
    page.get_by_role("button", name="File and print the receipt").click()
    expect(page.get_by_role("heading", name="Civil request receipt")).to_be_visible()
    number = page.locator(".receipt-number strong").inner_text()
    assert re.fullmatch(r"\d{4}-\d{4}-\d{4}", number)
    expect(page.locator("svg.receipt-qr")).to_be_visible()
    expect(page.get_by_role("button", name="Print the receipt")).to_be_visible()
    tracking_url = page.locator(".receipt-url").inner_text()
    assert tracking_url.endswith(f"/requests/track?number={number}")
    staff.no_sideways_scroll()

    # The resident, without an account and reading Korean, follows the address on the receipt.
    resident = people()
    page = resident.goto(tracking_url)
    expect(page.get_by_label("접수번호")).to_have_value(number)
    page.get_by_label("휴대전화 번호").fill("010-1111-2222")
    page.get_by_role("button", name="내 민원 보기").click()
    expect(page.get_by_role("alert")).to_contain_text("이 접수번호와 연락처에 맞는 민원이 없습니다")
    page.get_by_label("휴대전화 번호").fill("01023456789")
    page.get_by_role("button", name="내 민원 보기").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("집 앞 가로등 고장")
    expect(page.get_by_text(f"접수번호 {number}")).to_be_visible()
    resident.no_sideways_scroll()


def test_a_field_report_in_three_taps(app, scene, people):
    staff = people().sign_in("field@example.kr").in_english()
    staff.context.grant_permissions(["geolocation"])
    staff.context.set_geolocation({"latitude": INSIDE[0], "longitude": INSIDE[1]})
    page = staff.goto("/requests/field")
    staff.no_sideways_scroll()
    page.get_by_label("Take a photo").set_input_files([{"name": "pothole.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}])  # 1
    page.get_by_role("button", name="Use my location").click()  # 2
    expect(page.locator("[name=latitude]")).to_have_value(re.compile(r"^35\.160"))
    page.get_by_role("button", name="Streetlight out").click()  # 3
    expect(page.locator(".flash-success")).to_contain_text("Its tracking number is")
    filed = _filed(app, Channel.FIELD)
    assert page.url.endswith(f"/requests/{filed.id}")
    assert filed.title == "Streetlight out · Saebom-gu Haetsal-dong" and filed.is_public
    expect(page.get_by_role("img", name="Photo 1 of the problem")).to_be_visible()
