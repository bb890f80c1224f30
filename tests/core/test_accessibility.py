"""Structure every page shares: landmarks, a skip link, one h1, headings in order."""
from __future__ import annotations

import re

import pytest

from tests.factories import make_user

PUBLIC_PAGES = ["/", "/privacy", "/login", "/register", "/no-such-page"]
ADMIN_PAGES = ["/account", "/account/password", "/account/delete", "/admin/", "/admin/users", "/admin/departments/",
               "/admin/districts/", "/admin/categories/", "/admin/audit"]


def assert_well_structured(body: str, url: str) -> None:
    assert '<a class="skip-link" href="#main">' in body, url
    assert '<main id="main"' in body and "<header" in body and "<footer" in body and "<nav" in body, url
    levels = [int(level) for level in re.findall(r"<h([1-6])[\s>]", body)]
    assert levels.count(1) == 1 and levels[0] == 1, (url, levels)
    for previous, current in zip(levels, levels[1:], strict=False):
        assert current <= previous + 1, f"{url}: heading h{current} follows h{previous}"
    for match in re.finditer(r'<input[^>]*id="([^"]+)"[^>]*>', body):
        tag = match.group(0)
        if 'type="hidden"' in tag or 'type="search"' in tag:
            continue
        assert f'for="{match.group(1)}"' in body, f"{url}: input #{match.group(1)} has no label"
    assert_scroll_boxes_reachable(body, url)


def assert_scroll_boxes_reachable(body: str, url: str) -> None:
    """A box a wide table scrolls in takes keyboard focus and is a region named by an element on the page."""
    for match in re.finditer(r'<div[^>]*class="table-wrap"[^>]*>', body):
        tag = match.group(0)
        assert 'role="region"' in tag and 'tabindex="0"' in tag, f"{url}: {tag}"
        name = re.search(r'aria-labelledby="([^"]+)"', tag)
        assert name and f'id="{name.group(1)}"' in body, f"{url}: {tag} names no element on the page"


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_are_well_structured(client, url):
    assert_well_structured(client.get(url).get_data(as_text=True), url)


def test_signed_in_and_admin_pages_are_well_structured(client, app_ctx):
    admin = make_user(roles={"admin"})
    client.login(admin.email)
    for url in ADMIN_PAGES:
        assert_well_structured(client.get(url).get_data(as_text=True), url)


def test_round_and_idea_pages_are_well_structured(client, app_ctx):
    from participation.core.db import write_transaction
    from participation.voting.services import cast_vote
    from tests.factories import make_idea, make_round

    voting = make_round("voting")
    taking = make_round("submission")
    idea = make_idea(voting)
    resident = make_user()
    with write_transaction():
        cast_vote(resident, idea, voting.voting_opens_at)
    pages = ["/rounds", f"/rounds/{voting.id}", f"/rounds/{taking.id}", "/ideas", "/ideas?q=공원", f"/ideas/{idea.id}"]
    for url in pages:
        assert_well_structured(client.get(url).get_data(as_text=True), url)
    client.login(resident.email)
    for url in [*pages, "/me/votes", f"/rounds/{taking.id}/ideas/new", f"/rounds/{taking.id}/ideas/new?title=공원"]:
        assert_well_structured(client.get(url).get_data(as_text=True), url)


def test_every_scrolling_table_uses_the_one_scroll_box():
    """Templates make a scrolling table box only through _macros/tables.html scroll_box."""
    from pathlib import Path

    templates = Path(__file__).resolve().parents[2] / "templates"
    raw = [str(path.relative_to(templates)) for path in templates.rglob("*.html")
           if 'class="table-wrap"' in path.read_text(encoding="utf-8") and path.name != "tables.html"]
    assert raw == []
