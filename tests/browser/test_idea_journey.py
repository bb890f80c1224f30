"""A resident finds a round, proposes an idea with a photo, finds it again, edits and withdraws it."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from participation.extensions import db
from tests.browser.conftest import open_menu, sign_in
from tests.factories import jpeg_bytes, make_idea, make_round, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def scene(app, tmp_path):
    with app.app_context():
        round_ = make_round("submission", title="2027 주민참여예산 공모")
        make_idea(round_, title="햇살공원 어린이 놀이터에 그늘막 설치", body="여름 놀이터가 너무 덥습니다.")
        make_idea(round_, title="버스 정류장 온열의자", body="겨울이 춥습니다.")
        user = make_user(email="walker@example.kr", display_name="산책하는주민")
        db.session.commit()
        photo = tmp_path / "그늘막.jpg"
        photo.write_bytes(jpeg_bytes(size=(1200, 900)))
        yield {"round_id": round_.id, "email": user.email, "photo": photo}
        db.session.remove()


def test_find_a_round_propose_find_edit_and_withdraw(page, live_server, scene):
    base = live_server
    sign_in(page, base, scene["email"])

    # Find the round from the main menu.
    page.wait_for_url(lambda url: "/login" not in url)
    open_menu(page)
    page.get_by_role("link", name="공모 회차").first.click()
    page.get_by_role("link", name="2027 주민참여예산 공모").click()
    page.get_by_role("link", name="제안하기").first.click()

    # Step one: a title; step two shows similar ideas before anything is written.
    page.get_by_label("제목", exact=True).fill("놀이터 그늘막")
    page.get_by_role("button", name="다음").click()
    page.wait_for_load_state("load")  # the page's scripts are listening before we type
    similar = page.locator(".similar-list")
    assert "햇살공원 어린이 놀이터에 그늘막 설치" in similar.inner_text()

    # While typing, the suggestions follow the text (live, with JavaScript).
    page.get_by_label("제목", exact=True).fill("버스 정류장 의자")
    expect(similar).to_contain_text("버스 정류장 온열의자")

    page.get_by_label("제목", exact=True).fill("강변 산책로에 그늘 쉼터를 만들어 주세요")
    page.get_by_label("제안 내용", exact=True).fill("여름 산책길에 **쉴 곳**이 없습니다.")
    page.get_by_label("분야", exact=True).select_option(index=1)
    page.get_by_label("사진(선택)", exact=True).set_input_files(str(scene["photo"]))
    page.get_by_role("button", name="제안 등록하기").click()
    page.wait_for_url("**/ideas/*")
    idea_url = page.url
    assert page.get_by_role("heading", level=1).inner_text() == "강변 산책로에 그늘 쉼터를 만들어 주세요"
    assert page.locator(".idea-body strong").inner_text() == "쉴 곳"
    image = page.locator(".photos img").first
    # Visible is not loaded: wait (and fail on timeout) until the browser has decoded the photo.
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())

    # Find it by a Korean word, written with a different ending.
    page.goto(base + "/ideas?q=산책로")
    assert page.get_by_role("link", name="강변 산책로에 그늘 쉼터를 만들어 주세요").is_visible()

    # Edit it.
    page.goto(idea_url)
    page.get_by_role("link", name="수정", exact=True).click()
    page.get_by_label("제안 내용", exact=True).fill("여름 산책길에 쉴 곳과 그늘이 없습니다.")
    page.get_by_role("button", name="변경 사항 저장").click()
    page.wait_for_url(idea_url)

    # Withdraw it, with a reason.
    page.get_by_role("link", name="철회", exact=True).click()
    page.get_by_label("철회 사유", exact=True).fill("비슷한 제안을 지지하기로 했습니다.")
    page.get_by_role("button", name="제안 철회").click()
    page.wait_for_url(idea_url)

    # Every step is on the public timeline, in order.
    timeline = page.locator(".timeline li")
    events = [item.locator("strong").inner_text() for item in timeline.all()]
    assert events == ["제안 등록", "수정됨", "철회됨"]
    assert "비슷한 제안을 지지하기로 했습니다." in page.locator(".timeline").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_the_phone_position_fills_the_location_without_any_map_service(browser, live_server, scene):
    context = browser.new_context(
        viewport={"width": 360, "height": 780},
        geolocation={"latitude": 37.566535, "longitude": 126.977969},
        permissions=["geolocation"],
    )
    requests = []
    page = context.new_page()
    page.on("request", lambda request: requests.append(request.url))
    try:
        sign_in(page, live_server, scene["email"])
        page.goto(f"{live_server}/rounds/{scene['round_id']}/ideas/new?title=위치 확인")
        page.get_by_role("button", name="현재 위치 사용").click()
        expect(page.get_by_label("위도(선택)", exact=True)).to_have_value("37.566535")
        expect(page.get_by_label("경도(선택)", exact=True)).to_have_value("126.977969")
        assert all(url.startswith(live_server) for url in requests), requests
    finally:
        context.close()
