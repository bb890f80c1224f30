"""An administrator issues an API key for a civic app at phone width, copies the secret shown once,
and later revokes it; the app's next use is refused (issue 15 item 4)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from participation.api.keys import ApiKeyRefused, authenticate
from participation.core.db import write_transaction
from participation.core.time import now
from tests.browser.conftest import page_problems, sign_in, with_axe
from tests.factories import make_user

pytestmark = pytest.mark.browser


def test_an_admin_issues_copies_and_revokes_a_key(browser, live_server, app):
    with app.app_context():
        email = make_user(roles={"admin"}, display_name="관리자").email
    context = with_axe(browser.new_context(viewport={"width": 360, "height": 780}, locale="ko-KR"))
    page = context.new_page()
    try:
        sign_in(page, live_server, email)
        page.wait_for_url(lambda url: "/login" not in url)
        page.goto(live_server + "/admin/")
        page.get_by_role("region", name="공개 데이터와 외부 앱").get_by_role("link", name="API 키").click()
        page.get_by_role("link", name="키 발급").click()
        page.get_by_label("이름").fill("새봄 민원 앱")
        page.get_by_label("Open311로 민원 접수").check()
        page.get_by_role("button", name="키 발급하기").click()

        expect(page.get_by_role("heading", name="API 키를 발급했습니다")).to_be_visible()
        secret = page.get_by_label("키", exact=True).input_value()
        assert secret.startswith("gk_")
        assert page_problems(page, "the issued key at 360px") == []
        with app.app_context(), write_transaction():
            assert authenticate(secret, "open311_submit", now()).name == "새봄 민원 앱"

        page.get_by_role("link", name="API 키 목록으로").first.click()
        row = page.get_by_role("row", name="새봄 민원 앱")
        expect(row).to_contain_text(secret[:8])
        expect(row).to_contain_text("사용 중")
        assert secret not in page.content()
        assert page_problems(page, "the key list at 360px") == []
        row.get_by_role("link", name="폐기").click()
        page.get_by_role("button", name="키 폐기하기").click()
        expect(page.locator(".error-summary")).to_be_visible()  # the confirmation is not ticked yet
        page.get_by_label("이 키를 쓰는 앱은", exact=False).check()
        page.get_by_role("button", name="키 폐기하기").click()
        expect(page.get_by_role("row", name="새봄 민원 앱")).to_contain_text("폐기됨")
        with app.app_context(), pytest.raises(ApiKeyRefused) as caught, write_transaction():
            authenticate(secret, "open311_submit", now())
        assert caught.value.code == "revoked"
    finally:
        context.close()
