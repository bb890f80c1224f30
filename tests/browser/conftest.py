"""A live server in a thread and headless Debian Chromium driven by Playwright."""
from __future__ import annotations

import os
import re
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


def open_menu(page) -> None:
    """Open the header menu where its links fold behind the button (under 60rem); elsewhere, or
    when it is open already, do nothing. Wait until the links show."""
    button = page.locator(".site-menu-button")
    if button.is_visible() and page.locator("details.site-menu").get_attribute("open") is None:
        button.click()
    page.locator(".site-menu-body").wait_for(state="visible")


AXE_BLOCKING = ("serious", "critical")


def with_axe(context):
    """The context's pages get axe-core (shipped in axe-playwright-python, no download) before their
    own scripts; the CSP does not apply to scripts the browser is told to add."""
    from axe_playwright_python.base import AXE_SCRIPT

    context.add_init_script(AXE_SCRIPT)
    return context


def axe_violations(page) -> list[str]:
    """The serious and critical axe-core findings on the page as it is now, one line each."""
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    found = []
    for violation in result["violations"]:
        if violation["impact"] not in AXE_BLOCKING:
            continue
        nodes = "; ".join(f"{' '.join(node['target'])}: {(node['failureSummary'].splitlines() + [''])[1].strip()}"
                          for node in violation["nodes"][:4])
        found.append(f"{violation['id']} ({violation['impact']}, {len(violation['nodes'])}x) {violation['help']}: {nodes}")
    return found


def page_problems(page, where: str) -> list[str]:
    """What is wrong with the page as shown: axe-core's serious and critical findings, and a page
    wider than its window (it would scroll sideways)."""
    problems = [f"{where}: axe {violation}" for violation in axe_violations(page)]
    width, inner = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    if width > inner:
        problems.append(f"{where}: {width}px wide in a {inner}px window")
    return problems


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


class Person:
    """One browser context (360 px wide, Korean first) for one person in a journey, with what
    went wrong on its pages: console errors, script errors and dialogs (an XSS payload firing)."""

    def __init__(self, browser, base: str):
        self.base = base
        self.context = browser.new_context(viewport={"width": 360, "height": 780}, locale="ko-KR")
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"script error at {self.page.url}: {error}"))

        def on_dialog(dialog):
            self.problems.append(f"dialog {dialog.type}: {dialog.message}")
            dialog.dismiss()

        self.page.on("dialog", on_dialog)

    def _console(self, message) -> None:
        if message.type == "error":
            self.problems.append(f"console at {self.page.url}: {message.text} ({message.location.get('url')})")

    def sign_in(self, email: str) -> Person:
        sign_in(self.page, self.base, email)
        self.page.wait_for_url(lambda url: "/login" not in url)
        return self

    def in_english(self) -> Person:
        """Switch to English (kept for the session, and saved as the account's language)."""
        self.page.get_by_role("button", name="English").click()
        self.page.wait_for_load_state()
        assert self.page.locator("html").get_attribute("lang") == "en"
        return self

    def goto(self, path: str, ok: bool = True):
        response = self.page.goto(path if path.startswith("http") else self.base + path)
        if ok:
            assert response is not None and response.ok, f"{path}: {response and response.status}"
        return self.page

    def menu(self, name: str) -> None:
        open_menu(self.page)
        self.page.get_by_role("navigation", name="Main menu").get_by_role("link", name=name, exact=True).click()
        self.page.wait_for_load_state()

    def no_sideways_scroll(self, path: str | None = None) -> None:
        """At 360 px the page (here `path`, else the current one) does not scroll sideways; wide
        tables scroll inside their .table-wrap."""
        if path:
            self.goto(path)
        width = self.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 361, f"{self.page.url} is {width}px wide at a 360px viewport"

    def unexpected_problems(self) -> list[str]:
        # A refused form answers 422 and a closed page 401/403: Chromium logs those as failed loads.
        return [p for p in self.problems if not re.search(r"status of 4(00|01|03|22)", p)]


@pytest.fixture
def people(browser, live_server):
    """people() opens one more person's browser; at the end, none may have met a problem."""
    made: list[Person] = []

    def make() -> Person:
        made.append(Person(browser, live_server))
        return made[-1]

    yield make
    try:
        for person in made:
            assert person.unexpected_problems() == [], person.unexpected_problems()
    finally:
        for person in made:
            person.context.close()
