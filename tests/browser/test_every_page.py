"""Issue 13 item 28: every HTML page, as each role that sees it differently, passes axe-core (0
serious and 0 critical findings) and does not scroll sideways.

Each role gets one browser context (one Chromium, one live server for the test) and walks the
table below: each page at 360 px in Korean, the same page widened to 1280 px, then each page at
360 px in English. A row marked `errors` also has its form submitted empty (it must answer 422) and
the page with its error summary checked at 360 px, in both languages. English at 1280 px is left
out to keep the run near two minutes on this machine (measured: 100 to 125 s for the five roles);
at 1280 px the layout depends on the language far less than at 360 px. Pages that differ only in
their header are visited as a visitor; the other roles' headers are checked on their own pages.

Adding a page is one row: `Page(endpoint, roles, errors=..., **url)`. A URL value names a key of
the scene (tests/browser/scene.py); a value that is not a key is used as it is (`kind="districts"`,
or a query argument such as `title=...`); a parameter left out is looked up under its own name
(`idea_id` -> scene["idea_id"]). `test_every_get_route_is_checked` fails when a GET endpoint is
neither in the table nor in EXEMPT (with its reason).
"""
from __future__ import annotations

import time

import pytest

from participation.extensions import db
from tests.browser.conftest import page_problems, sign_in, with_axe
from tests.browser.scene import build_scene

pytestmark = pytest.mark.browser

VISITOR, RESIDENT, OFFICIAL, MODERATOR, ADMIN, FIELD = "visitor", "resident", "official", "moderator", "admin", "field"
EVERYONE = (VISITOR, RESIDENT, OFFICIAL, MODERATOR, ADMIN)  # the page differs with the role
ROLES = (*EVERYONE, FIELD)  # field staff have one page of their own
PUBLIC = (VISITOR,)  # the same page for everyone but the header, which the others' pages cover
SIGNED_IN = (RESIDENT, ADMIN)
STAFF = (OFFICIAL, ADMIN)


class Page:
    """One row: an endpoint, the roles to visit it as, its URL values, and whether to try its form empty."""

    def __init__(self, endpoint: str, roles: tuple[str, ...], errors: bool = False, form: str = "main form.form", **url):
        self.endpoint, self.roles, self.errors, self.form, self.url = endpoint, roles, errors, form, url

    def __repr__(self) -> str:
        return f"Page({self.endpoint!r}, {self.url})"


PAGES = [
    # core, accounts
    Page("core.index", EVERYONE),
    Page("core.privacy", PUBLIC),
    Page("accounts.login", (VISITOR,), errors=True),
    Page("accounts.register", (VISITOR,), errors=True),
    Page("accounts.account", SIGNED_IN, errors=True),
    Page("accounts.change_password", (RESIDENT,), errors=True),
    Page("accounts.delete_account", (RESIDENT,), errors=True),
    Page("accounts.profile", PUBLIC),
    Page("notifications.index", SIGNED_IN),
    Page("notifications.preferences", (RESIDENT,)),
    Page("notifications.unsubscribe", (VISITOR,)),
    # rounds and ideas
    Page("rounds.index", PUBLIC),
    Page("ideas.round_detail", EVERYONE),
    Page("ideas.round_detail", PUBLIC, round_id="closed_round_id"),
    Page("rounds.create", (ADMIN,), errors=True),
    Page("rounds.edit", (ADMIN,), errors=True),
    Page("ideas.submit", (RESIDENT,)),  # first step: the title, to show similar ideas
    Page("ideas.submit", (RESIDENT,), errors=True, title="버스 노선을 늘려 주세요"),
    Page("ideas.browse", PUBLIC),
    Page("ideas.detail", EVERYONE),
    Page("ideas.detail", (VISITOR, RESIDENT, OFFICIAL), idea_id="answered_idea_id"),
    Page("ideas.edit", (RESIDENT,), errors=True),
    Page("ideas.withdraw", (RESIDENT,)),
    Page("voting.my_votes", (RESIDENT,)),
    Page("outcomes.outcome", PUBLIC, round_id="closed_round_id"),
    # deliberation and moderation
    Page("deliberation.comment", PUBLIC),
    Page("deliberation.new_comment", (RESIDENT,), errors=True),
    Page("deliberation.edit_comment", (RESIDENT,), errors=True),
    Page("deliberation.delete_comment", (RESIDENT,)),
    Page("deliberation.flag_comment", (RESIDENT,), errors=True, comment_id="neighbour_comment_id"),
    Page("deliberation.flag_idea", (OFFICIAL,), errors=True),
    Page("deliberation.request_comment_review", (RESIDENT,), comment_id="hidden_comment_id"),
    Page("deliberation.request_idea_review", (RESIDENT,), idea_id="hidden_idea_id"),
    Page("deliberation.queue", (MODERATOR, ADMIN)),
    Page("deliberation.decide", (MODERATOR,), errors=True),
    Page("deliberation.suspend", (MODERATOR,), errors=True),
    Page("deliberation.log", PUBLIC),
    # official responses
    Page("responses.inbox", STAFF),
    Page("responses.answer", (OFFICIAL,), errors=True, idea_id="waiting_idea_id"),
    Page("responses.progress", (OFFICIAL,), errors=True, idea_id="answered_idea_id"),
    Page("responses.departments", PUBLIC),
    # monitoring panels
    Page("panels.index", PUBLIC),
    Page("panels.panel", EVERYONE),
    Page("panels.panel", (VISITOR, RESIDENT), panel_id="recruiting_panel_id"),
    Page("panels.apply", (RESIDENT,), errors=True, panel_id="recruiting_panel_id"),
    Page("panels.new_panel", (ADMIN,), errors=True),
    Page("panels.edit_panel", (ADMIN,), errors=True),
    Page("panels.service", PUBLIC),
    Page("panels.new_service", (ADMIN,), errors=True),
    Page("panels.campaign", EVERYONE),
    Page("panels.new_campaign", (ADMIN,), errors=True),
    Page("panels.edit_campaign", (ADMIN,), errors=True),
    Page("panels.evaluate", (RESIDENT,), errors=True),
    Page("panels.respond", (OFFICIAL,), errors=True, campaign_id="finished_campaign_id"),
    Page("panels.scorecard", STAFF, campaign_id="finished_campaign_id"),
    # administration
    Page("admin.index", (ADMIN,)),
    Page("admin.users", (ADMIN,)),
    Page("admin.user_roles", (ADMIN,)),
    Page("admin.audit_log", (ADMIN,)),
    Page("notifications.outbox", (ADMIN,)),
    Page("admin.reference_list", (ADMIN,), errors=True, kind="departments"),
    Page("admin.reference_list", (ADMIN,), errors=True, kind="districts"),
    Page("admin.reference_list", (ADMIN,), errors=True, kind="categories"),
    Page("admin.reference_edit", (ADMIN,), errors=True, kind="departments", item_id="department_id"),
    Page("admin.reference_edit", (ADMIN,), errors=True, kind="districts", item_id="district_id"),
    Page("admin.reference_edit", (ADMIN,), errors=True, kind="categories", item_id="category_id"),
    Page("api_keys.index", (ADMIN,)),
    Page("api_keys.new", (ADMIN,), errors=True),
    Page("api_keys.revoke", (ADMIN,), errors=True),
    Page("api_docs.index", PUBLIC),
    Page("api_docs.index", PUBLIC, lang="en"),  # the link to the other language, whatever the site's
    # civil requests
    Page("civil_requests.index", PUBLIC),
    Page("civil_requests.index", PUBLIC, view="map"),
    Page("civil_requests.detail", EVERYONE),
    Page("civil_requests.detail", (RESIDENT, OFFICIAL), request_id="answered_request_id"),  # the rating form
    Page("civil_requests.new", (RESIDENT,), errors=True),
    Page("civil_requests.mine", (RESIDENT,)),
    Page("civil_requests.receipt", (RESIDENT,)),
    Page("civil_requests.track", PUBLIC, errors=True),
    Page("civil_requests.field", (FIELD,)),
    Page("civil_requests.counter", (ADMIN,), errors=True),
    Page("civil_requests.queue", STAFF),
    Page("civil_requests.handle", STAFF),
    Page("civil_requests.admin_categories", (ADMIN,), errors=True),
    Page("civil_requests.admin_category_edit", (ADMIN,), errors=True, category_id="request_category_id"),
    Page("civil_requests.admin_attributes", (ADMIN,), errors=True, category_id="request_category_id"),
    Page("civil_requests.admin_attribute_edit", (ADMIN,), errors=True, category_id="request_category_id", attribute_id="request_attribute_id"),
    Page("civil_requests.admin_holidays", (ADMIN,), errors=True),
    Page("civil_requests.admin_boundaries", (ADMIN,), errors=True),
]

# GET endpoints that answer something other than an HTML page, so axe has nothing to read.
EXEMPT = {
    "static": "static files",
    "core.favicon": "a redirect to the SVG icon",
    "core.healthz": "JSON for the load balancer",
    "ideas.similar": "JSON for the idea form's similar-ideas hint",
    "civil_requests.location": "JSON for the map pin's district lookup",
    "civil_requests.nearby": "JSON for the filing form's nearby requests",
    "civil_requests.map_data": "GeoJSON for the public map",
    "civil_requests.feed": "an Atom feed",
    "civil_requests.photo": "an image",
    "ideas.photo": "an image",
    "panels.evaluation_photo": "an image",
    "panels.scores_csv": "a CSV download",
    "panels.applicants_csv": "a CSV download",
    "panels.scores_export": "a CSV/XLSX download",
    "ideas.export": "a CSV/XLSX download",
    "outcomes.export": "a CSV/XLSX download",
    "responses.departments_export": "a CSV/XLSX download",
    "civil_requests.statistics_export": "a CSV/XLSX download",
    "panels.lottery_source": "the lottery's Python source, as a download",
    "notifications.outbox_file": "an .eml download",
    # Open311 GeoReport v2 (tests/open311): XML and JSON for civic apps.
    "open311.discovery": "Open311 XML/JSON",
    "open311.services": "Open311 XML/JSON",
    "open311.service_definition": "Open311 XML/JSON",
    "open311.list_requests": "Open311 XML/JSON",
    "open311.request_detail": "Open311 XML/JSON",
    "open311.token": "Open311 XML/JSON",
    "open311.service_request_updates": "Open311 XML/JSON",
}

# Whole blueprints that answer programs, not people: checked by their own suites
# (tests/api: schemathesis against the OpenAPI document; tests/open311: the spec's suite).
EXEMPT_BLUEPRINTS = {
    "api.": "the JSON API",
    "open311.": "Open311 XML and JSON",
}

NARROW, WIDE = {"width": 360, "height": 780}, {"width": 1280, "height": 900}


def test_every_get_route_is_checked(app):
    routes = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    covered = {page.endpoint for page in PAGES}
    assert not (covered & set(EXEMPT)), f"both checked and exempt: {sorted(covered & set(EXEMPT))}"
    assert not (covered | set(EXEMPT)) - routes, f"no such GET route: {sorted((covered | set(EXEMPT)) - routes)}"
    assert all(set(page.roles) <= set(ROLES) for page in PAGES), "a row names a role there is no one for"
    missing = {r for r in routes - covered - set(EXEMPT) if not r.startswith(tuple(EXEMPT_BLUEPRINTS))}
    assert not missing, f"add a row to PAGES (or a reason to EXEMPT) for: {sorted(missing)}"


def _url(app, scene: dict, page: Page) -> str:
    from flask import url_for

    rule = next(rule for rule in app.url_map.iter_rules() if rule.endpoint == page.endpoint)
    values = {name: page.url.get(name, name) for name in rule.arguments} | {k: v for k, v in page.url.items() if k not in rule.arguments}
    values = {name: scene.get(value, value) if isinstance(value, str) else value for name, value in values.items()}
    with app.test_request_context():
        return url_for(page.endpoint, **values)


EMPTY_SUBMIT = """(selector) => {
  const form = document.querySelector(selector);
  if (!form) return false;
  form.noValidate = true;  // what the server says, not what the browser would stop
  for (const el of form.elements) {
    if (["hidden", "submit", "button", "file"].includes(el.type)) continue;
    if (el.type === "checkbox" || el.type === "radio") el.checked = false;
    else el.value = "";
  }
  form.requestSubmit(form.querySelector("button[type=submit], button:not([type]), input[type=submit]"));
  return true;
}"""


def _submit_empty(browser_page, page: Page, where: str) -> list[str]:
    with browser_page.expect_navigation() as navigation:
        if not browser_page.evaluate(EMPTY_SUBMIT, page.form):
            return [f"{where}: no form {page.form!r}"]
    status = navigation.value.status if navigation.value else None
    if status != 422:
        return [f"{where}: the empty form answered {status}, not 422 with its errors"]
    return page_problems(browser_page, where)


@pytest.fixture
def scene(app):
    with app.app_context():
        yield build_scene()
        db.session.remove()


def _visit(browser_page, base: str, path: str, where: str) -> bool | str:
    response = browser_page.goto(base + path)
    if response is None or response.status != 200:
        return f"{where}: answered {response and response.status}"
    return True


@pytest.mark.parametrize("role", ROLES)
def test_every_page_passes_axe_and_fits_the_window(browser, live_server, app, scene, role):
    started = time.monotonic()
    pages = [page for page in PAGES if role in page.roles]
    urls = [_url(app, scene, page) for page in pages]
    context = with_axe(browser.new_context(viewport=NARROW, locale="ko-KR"))
    browser_page = context.new_page()
    problems: list[str] = []
    try:
        if role != VISITOR:
            sign_in(browser_page, live_server, scene["emails"][role])
            browser_page.wait_for_url(lambda url: "/login" not in url)
        for language in ("ko", "en"):
            if language == "en":
                browser_page.goto(live_server + "/")
                browser_page.get_by_role("button", name="English").click()
                browser_page.wait_for_load_state()
                assert browser_page.locator("html").get_attribute("lang") == "en"
            for page, url in zip(pages, urls, strict=True):
                where = f"{role} {language} {url}"
                if (visited := _visit(browser_page, live_server, url, where)) is not True:
                    problems.append(visited)
                    continue
                problems += page_problems(browser_page, f"{where} @360")
                if language == "ko":
                    browser_page.set_viewport_size(WIDE)
                    problems += page_problems(browser_page, f"{where} @1280")
                    browser_page.set_viewport_size(NARROW)
                if page.errors:
                    problems += _submit_empty(browser_page, page, f"{where} (errors) @360")
    finally:
        context.close()
    print(f"{role}: {len(pages)} pages in {time.monotonic() - started:.1f}s")
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
