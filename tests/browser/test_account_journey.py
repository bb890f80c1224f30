"""A new resident's first visit, in a real browser at phone width."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.conftest import open_menu
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(os.environ.get("GONGRON_SCREENSHOTS", Path(__file__).resolve().parents[2] / "test-results"))


def test_register_log_in_switch_language_and_log_out(page, live_server, app):
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    page.goto(live_server + "/")
    assert page.locator("html").get_attribute("lang") == "ko"

    # Register (회원가입), first with a mistake to see it told on the form.
    open_menu(page)  # the header's links fold behind the menu button at 360 px
    page.get_by_role("link", name="회원가입").first.click()
    page.get_by_label("이메일", exact=True).fill("first.visitor@example.kr")
    page.get_by_label("표시 이름", exact=True).fill("첫방문")
    page.get_by_label("비밀번호", exact=True).fill("short")
    page.get_by_role("button", name="회원가입").click()
    summary = page.get_by_role("alert")
    assert "10자 이상" in summary.inner_text()
    assert page.get_by_label("비밀번호", exact=True).get_attribute("aria-invalid") == "true"

    page.get_by_label("비밀번호", exact=True).fill(PASSWORD)
    page.get_by_label("개인정보 처리방침", exact=False).check()
    page.get_by_role("button", name="회원가입").click()
    page.wait_for_url(live_server + "/account")
    assert page.get_by_role("heading", level=1).inner_text() == "내 계정"

    # Log out, then log in again.
    open_menu(page)
    page.get_by_role("button", name="로그아웃").click()
    page.wait_for_url(live_server + "/")
    open_menu(page)
    page.get_by_role("link", name="로그인").first.click()
    page.get_by_label("이메일", exact=True).fill("first.visitor@example.kr")
    page.get_by_label("비밀번호", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(live_server + "/")  # back where the visitor was
    open_menu(page)
    page.get_by_role("link", name="첫방문").click()
    page.wait_for_url(live_server + "/account")

    # Switch to English and back; the lang attribute follows.
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "My account"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "account-360-en.png"), full_page=True)
    page.get_by_role("button", name="한국어").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "ko"

    # The page fits a 360 px phone: nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    open_menu(page)
    page.get_by_role("button", name="로그아웃").click()
    page.wait_for_url(live_server + "/")
    open_menu(page)
    assert page.get_by_role("link", name="로그인").first.is_visible()
    assert page.goto(live_server + "/account").url.startswith(live_server + "/login")
    # A form with errors answers 422, which Chromium logs; anything else is a real error (a CSP refusal, a failed script).
    assert [e for e in errors if "status of 422" not in e] == []


def test_skip_link_and_focus_are_visible(page, live_server):
    page.goto(live_server + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="본문 바로가기")
    assert skip.evaluate("element => element === document.activeElement")
    box = skip.bounding_box()
    assert box and box["y"] >= 0  # moved on screen when focused
    outline = skip.evaluate("element => getComputedStyle(element).outlineStyle")
    assert outline != "none"
    skip.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
