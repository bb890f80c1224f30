"""Where keyboard focus goes: to the error summary of a refused form, stays on a control that
updates in place, and lands on a comment just posted. Inputs of every kind show the focus ring."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from participation.core.time import now
from participation.deliberation import services
from participation.extensions import db
from tests.browser.conftest import sign_in
from tests.factories import make_idea, make_round, make_user

pytestmark = pytest.mark.browser

FOCUSED = "document.activeElement === document.body ? 'body' : (document.activeElement.id || document.activeElement.outerHTML.slice(0, 80))"


@pytest.fixture
def scene(app):
    with app.app_context():
        round_ = make_round("voting", votes_per_resident=3, title="생활안전 투표")
        idea = make_idea(round_, title="공원에 벤치를 놓아 주세요")
        author = make_user(email="author@example.kr")
        make_user(email="resident@example.kr")
        seeded = services.post_comment(author, idea, "neutral", "벤치는 그늘 아래에 두면 좋겠습니다.", None, now())
        db.session.commit()
        yield {"idea_path": f"/ideas/{idea.id}", "comment_id": seeded.id}
        db.session.remove()


def focused(page) -> str:
    return page.evaluate(FOCUSED)


def test_a_refused_form_puts_focus_on_its_error_summary(page, live_server):
    page.goto(live_server + "/register")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    # Tab then reaches the first link to a field, and following it lands on the field.
    page.keyboard.press("Tab")
    link = summary.locator("a").first
    expect(link).to_be_focused()
    target = link.get_attribute("href")
    page.keyboard.press("Enter")
    expect(page.locator(target)).to_be_focused()


def test_a_page_without_errors_leaves_focus_alone(page, live_server):
    page.goto(live_server + "/register")
    assert focused(page) == "body"


def test_supporting_an_idea_keeps_focus_on_the_button(page, live_server, scene):
    sign_in(page, live_server, "resident@example.kr")
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(live_server + scene["idea_path"])
    button = page.locator("[data-vote-form] button")
    # Hold the answer back for a moment, to look at the control while the request runs.
    release = []
    page.route("**/vote", lambda route: release.append(route), times=1)
    button.focus()
    page.keyboard.press("Enter")
    expect(page.locator("[data-vote-form]")).to_have_attribute("aria-busy", "true")
    expect(button).to_be_focused()
    expect(button).to_have_attribute("aria-disabled", "true")
    page.keyboard.press("Enter")  # a second press while busy sends nothing more
    page.wait_for_timeout(200)
    assert len(release) == 1
    release[0].continue_()
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button).not_to_have_attribute("aria-disabled", "true")
    expect(button).to_be_focused()
    # And back again, withdrawing, still from the keyboard.
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(button).to_be_focused()


def test_agreeing_with_a_comment_keeps_focus_on_the_button(page, live_server, scene):
    sign_in(page, live_server, "resident@example.kr")
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(live_server + scene["idea_path"])
    votes = page.locator(f"#comment-{scene['comment_id']} [data-comment-vote-form]")
    for value in ("up", "down"):
        button = votes.locator(f"button[value={value}]")
        button.focus()
        page.keyboard.press("Enter")
        expect(button).to_have_attribute("aria-pressed", "true")
        expect(button.locator("[data-count]")).to_have_text("1")
        expect(button).to_be_focused()
    assert page.url.endswith(scene["idea_path"])  # in place, no reload


def test_posting_a_comment_moves_focus_to_it(page, live_server, scene):
    sign_in(page, live_server, "resident@example.kr")
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(live_server + scene["idea_path"])
    form = page.locator("#discussion details.new-comment form")
    page.locator("#discussion details.new-comment > summary").click()
    form.locator("input[type=radio]").first.check()
    form.locator("textarea").fill("저도 찬성합니다.")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(rf"{scene['idea_path']}#comment-\d+$"))
    new_id = "comment-" + page.url.rsplit("-", 1)[1]
    expect(page.locator("#" + new_id)).to_contain_text("저도 찬성합니다.")
    expect(page.locator("#" + new_id)).to_be_focused()


INPUTS = """document.querySelector('main').insertAdjacentHTML('afterbegin',
  '<div><input id=t-plain> <input type=text id=t-text> <input type=number id=t-number> <input type=date id=t-date></div>');"""


def test_date_number_and_untyped_inputs_are_sized_and_show_the_focus_ring(page, live_server):
    """Styled like the text inputs (44 px targets, the page's text size) and outlined when focused by keyboard."""
    page.goto(live_server + "/")
    page.evaluate(INPUTS)
    reference = page.evaluate("getComputedStyle(document.getElementById('t-text')).fontSize")
    for input_id in ("t-date", "t-number", "t-plain"):
        box = page.locator(f"#{input_id}").bounding_box()
        style = page.evaluate(f"(() => {{ const s = getComputedStyle(document.getElementById('{input_id}')); return [s.fontSize, s.borderTopWidth]; }})()")
        assert box["height"] >= 44, (input_id, box)
        assert style == [reference, "2px"], (input_id, style, reference)
    page.locator("#t-plain").focus()
    for input_id in ("t-text", "t-number", "t-date"):
        page.keyboard.press("Tab")
        active = page.evaluate("document.activeElement.id")
        assert active == input_id, (active, input_id)
        outline = page.evaluate("(() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth]; })()")
        assert outline == ["solid", "3px"], (input_id, outline)
