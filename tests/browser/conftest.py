"""A live server in a thread and headless Debian Chromium driven by Playwright."""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
# Without these, Chromium tries to reach Google's services at start-up, which a
# closed network refuses; none of them matters to a test.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _unavailable(reason: str):
    if os.environ.get("GONGRON_REQUIRE_BROWSER"):
        pytest.fail(f"browser test required but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        _unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 360, "height": 780}, locale="ko-KR")
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, base: str, email: str) -> None:
    """Sign in through the form, as a resident would (Korean labels)."""
    from tests.factories import PASSWORD

    page.goto(base + "/login")
    page.get_by_label("이메일", exact=True).fill(email)
    page.get_by_label("비밀번호", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()


def reload_until(page, url, text, seconds=90):
    """Reload until `text` appears (a person checking back); the scheduler works in the background."""
    give_up = time.monotonic() + seconds
    while True:
        page.goto(url)
        if page.get_by_text(text, exact=False).count():
            return
        if time.monotonic() > give_up:
            raise AssertionError(f"{text!r} never appeared at {url}")
        page.wait_for_timeout(500)
