"""Issue 13 item 10: the header folds its links behind a menu button under 60rem.

At 360 px an administrator (the person with the most links) sees the brand, the menu button and
the language switch on one row; the links appear when the button is pressed (a click, Enter or
Space), and Escape closes the menu and puts focus back on the button. The menu is a <details>, so
it works with scripts off too. At 1280 px the links are inline and there is no button.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import open_menu, page_problems, sign_in, with_axe
from tests.factories import make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def admin_email(app):
    with app.app_context():
        return make_user(roles={"admin"}, display_name="관리자").email


def _signed_in_page(browser, live_server, email, *, width, javascript=True):
    context = with_axe(browser.new_context(viewport={"width": width, "height": 780}, locale="ko-KR", java_script_enabled=javascript))
    page = context.new_page()
    sign_in(page, live_server, email)
    page.wait_for_url(lambda url: "/login" not in url)
    return context, page


def _admin_link(page):
    return page.get_by_role("navigation", name="주 메뉴").get_by_role("link", name="관리", exact=True)


def _header_height(page) -> float:
    return page.locator(".site-header").bounding_box()["height"]


def test_at_phone_width_the_links_wait_behind_the_menu_button(browser, live_server, admin_email):
    context, page = _signed_in_page(browser, live_server, admin_email, width=360)
    try:
        button = page.locator(".site-menu-button")
        expect(button).to_have_text("메뉴")
        expect(button).to_have_attribute("aria-expanded", "false")
        expect(_admin_link(page)).to_be_hidden()
        expect(page.get_by_role("button", name="로그아웃")).to_be_hidden()
        expect(page.get_by_role("button", name="English")).to_be_visible()  # the language switch stays out
        assert _header_height(page) < 120, f"the header is {_header_height(page)}px tall at 360px"

        button.click()
        expect(_admin_link(page)).to_be_visible()
        expect(page.get_by_role("button", name="로그아웃")).to_be_visible()
        expect(button).to_have_attribute("aria-expanded", "true")
        assert _header_height(page) < 120, "the open menu lies over the page instead of pushing it down"
        assert page_problems(page, "the open menu at 360px") == []

        # Escape closes it from inside and gives focus back to the button.
        _admin_link(page).focus()
        page.keyboard.press("Escape")
        expect(_admin_link(page)).to_be_hidden()
        expect(button).to_be_focused()
        expect(button).to_have_attribute("aria-expanded", "false")

        # The keyboard alone: Enter opens, Space closes, Enter again and Tab reaches the first link.
        page.keyboard.press("Enter")
        expect(_admin_link(page)).to_be_visible()
        page.keyboard.press("Space")
        expect(_admin_link(page)).to_be_hidden()
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        expect(page.get_by_role("navigation", name="주 메뉴").get_by_role("link", name="홈", exact=True)).to_be_focused()

        # A click elsewhere closes it; a link in it goes where it says.
        box = button.bounding_box()
        page.mouse.click(box["x"] - 8, box["y"] + box["height"] / 2)  # the header's empty middle
        expect(_admin_link(page)).to_be_hidden()
        open_menu(page)
        _admin_link(page).click()
        page.wait_for_url(live_server + "/admin/")
        expect(page.locator(".site-menu-button")).to_have_attribute("aria-expanded", "false")  # a new page starts closed
    finally:
        context.close()


def test_without_scripts_the_menu_still_opens_at_phone_width(browser, live_server, admin_email):
    context, page = _signed_in_page(browser, live_server, admin_email, width=360, javascript=False)
    try:
        expect(_admin_link(page)).to_be_hidden()
        assert _header_height(page) < 120
        page.locator(".site-menu-button").click()
        expect(_admin_link(page)).to_be_visible()
        page.locator(".site-menu-button").click()
        expect(_admin_link(page)).to_be_hidden()
        page.locator(".site-menu-button").focus()
        page.keyboard.press("Enter")
        expect(_admin_link(page)).to_be_visible()
        _admin_link(page).click()
        page.wait_for_url(live_server + "/admin/")
    finally:
        context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
def test_at_desktop_width_the_links_show_without_a_click(browser, live_server, admin_email, javascript):
    context, page = _signed_in_page(browser, live_server, admin_email, width=1280, javascript=javascript)
    try:
        expect(_admin_link(page)).to_be_visible()
        expect(page.get_by_role("button", name="로그아웃")).to_be_visible()
        expect(page.locator(".site-menu-button")).to_be_hidden()
        if javascript:
            assert page_problems(page, "the inline menu at 1280px") == []
        open_menu(page)  # a no-op here
        _admin_link(page).click()
        page.wait_for_url(live_server + "/admin/")
        expect(_admin_link(page)).to_have_attribute("aria-current", "page")
    finally:
        context.close()


def test_narrowing_the_window_folds_the_menu_again(browser, live_server, admin_email):
    context, page = _signed_in_page(browser, live_server, admin_email, width=1280)
    try:
        expect(_admin_link(page)).to_be_visible()
        page.set_viewport_size({"width": 360, "height": 780})
        expect(_admin_link(page)).to_be_hidden()
        expect(page.locator(".site-menu-button")).to_be_visible()
        page.set_viewport_size({"width": 1280, "height": 780})
        expect(_admin_link(page)).to_be_visible()
    finally:
        context.close()
