"""The resident rates the answer to their request, as a new user would, on a phone (360 px, Korean):
they open the request's page, read the department's answer on the timeline, choose 불만족 in the
radio group with the keyboard alone (Tab to the group, arrow keys to move, Tab on), add a comment
and send it. The page then says the request went back to the department, shows their rating, and
the timeline gains the follow-up step. No sideways scrolling, no script or console error.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from participation.civil_requests import handling
from participation.core.db import write_transaction
from participation.core.time import now
from participation.extensions import db
from tests.factories import make_civil_request, make_department, make_request_category, make_user

pytestmark = pytest.mark.browser

ANSWER = "고장 난 가로등을 새 LED 등으로 교체했습니다."
COMMENT = "저녁이면 여전히 깜빡입니다."


@pytest.fixture
def scene(app):
    with app.app_context():
        roads = make_department("도로과", name_en="Roads")
        official = make_user(roles={"official"}, department=roads)
        resident = make_user(email="resident@example.kr", display_name="햇살주민")
        request = make_civil_request(make_request_category(roads, name_ko="가로등 고장"), resident, at=now() - timedelta(days=2))
        with write_transaction():
            handling.start(official, request, now() - timedelta(days=1), version=request.version)
        with write_transaction():
            handling.complete(official, request, "resolved", ANSWER, now() - timedelta(hours=2), version=request.version)
        db.session.commit()
        yield {"request_id": request.id}
        db.session.remove()


def _tab_to(page, selector: str, presses: int = 80) -> None:
    """Press Tab until the element matching `selector` has the focus, as a keyboard user would."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_the_resident_reads_the_answer_and_rates_it_with_the_keyboard(scene, people):
    resident = people().sign_in("resident@example.kr")
    page = resident.goto(f"/requests/{scene['request_id']}")
    answered = page.locator(".request-timeline li").filter(has_text="답변 완료")
    expect(answered).to_contain_text(ANSWER)
    expect(answered).to_contain_text("도로과")
    expect(page.get_by_text("기한 내 답변", exact=False)).to_be_visible()
    resident.no_sideways_scroll()

    group = page.get_by_role("group", name="답변에 얼마나 만족하십니까?")
    expect(group).to_be_visible()
    _tab_to(page, "input[name=satisfaction]")
    page.keyboard.press("Space")  # the first choice, 만족
    page.keyboard.press("ArrowDown")  # 보통
    page.keyboard.press("ArrowDown")  # 불만족
    expect(group.get_by_label("불만족")).to_be_checked()
    expect(group.get_by_label("만족", exact=True)).not_to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_label("의견 (선택)")).to_be_focused()
    page.keyboard.type(COMMENT)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="평가 보내기")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: url.endswith("#rating"))

    expect(page.get_by_role("status")).to_contain_text("후속 처리를 위해 도로과(으)로 돌아갑니다")
    expect(page.get_by_text("이 답변을 평가하셨습니다: 불만족.")).to_be_visible()
    expect(page.get_by_role("button", name="평가 보내기")).to_have_count(0)
    follow_up = page.locator(".request-timeline li").filter(has_text="후속 처리를 위해 부서로 돌아감")
    expect(follow_up).to_contain_text(COMMENT)
    expect(follow_up).to_contain_text("도로과")
    expect(page.locator(".request-timeline li").filter(has_text="신청인 만족도 응답")).to_contain_text("불만족")
    resident.no_sideways_scroll()
