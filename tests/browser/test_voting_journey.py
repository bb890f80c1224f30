"""Support three ideas, withdraw one, and watch "votes left" and the counts change in place."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from participation.extensions import db
from tests.browser.conftest import open_menu, sign_in
from tests.factories import make_idea, make_round, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def voting_round(app):
    with app.app_context():
        round_ = make_round("voting", votes_per_resident=3, title="생활안전 투표")
        ideas = [make_idea(round_, title=title) for title in ("가로등 교체", "과속방지턱 설치", "온열의자 설치", "빗물받이 청소")]
        user = make_user(email="voter@example.kr")
        data = {"round_id": round_.id, "idea_ids": [i.id for i in ideas], "email": user.email}
        db.session.commit()
        yield data
        db.session.remove()


def test_support_three_withdraw_one_and_see_votes_left_and_counts(page, live_server, voting_round):
    sign_in(page, live_server, voting_round["email"])
    page.goto(f"{live_server}/rounds/{voting_round['round_id']}")
    votes_left = page.locator("[data-votes-left]")
    expect(votes_left).to_have_text("이 회차에서 남은 투표: 3표")

    cards = page.locator(".idea-card")
    for number, title in enumerate(("가로등 교체", "과속방지턱 설치", "온열의자 설치"), start=1):
        card = cards.filter(has_text=title)
        card.get_by_role("button", name="지지하기").click()
        expect(card.get_by_role("button", name="지지 취소")).to_have_attribute("aria-pressed", "true")
        expect(card.locator("[data-vote-count]")).to_have_text("1표")
        expect(votes_left).to_have_text(f"이 회차에서 남은 투표: {3 - number}표")
    assert page.url.endswith(f"/rounds/{voting_round['round_id']}")  # updated in place, no reload

    # A fourth is refused with the reason, next to the button.
    fourth = cards.filter(has_text="빗물받이 청소")
    fourth.get_by_role("button", name="지지하기").click()
    expect(fourth.locator(".vote-message")).to_contain_text("3표를 모두 썼습니다")
    expect(fourth.locator("[data-vote-count]")).to_have_text("0표")

    # Withdraw one: the vote comes back and the count drops.
    first = cards.filter(has_text="가로등 교체")
    first.get_by_role("button", name="지지 취소").click()
    expect(first.locator("[data-vote-count]")).to_have_text("0표")
    expect(votes_left).to_have_text("이 회차에서 남은 투표: 1표")

    # The same state after a reload, and on "my votes".
    page.reload()
    expect(page.locator("[data-votes-left]")).to_have_text("이 회차에서 남은 투표: 1표")
    open_menu(page)
    page.get_by_role("link", name="내 투표").click()
    expect(page.locator(".my-votes li")).to_have_count(2)


def test_the_button_works_without_javascript(browser, live_server, voting_round):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 780})
    page = context.new_page()
    try:
        sign_in(page, live_server, voting_round["email"])
        page.goto(f"{live_server}/ideas/{voting_round['idea_ids'][1]}")
        page.get_by_role("button", name="지지하기").click()
        expect(page.locator(".flash-success")).to_contain_text("이 제안을 지지했습니다")
        expect(page.locator("[data-vote-count]")).to_have_text("1표")
        expect(page.locator("[data-votes-left]")).to_have_text("이 회차에서 남은 투표: 2표")
    finally:
        context.close()
