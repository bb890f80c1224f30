"""A department's journey with a civil request, at 360 px and in Korean: 도로과 transfers it to
가로등관리과, which asks 공원과 for its part; 공원과 adds it; the lead extends once with a reason
and then answers. The applicant's page shows every step."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from participation.extensions import db
from tests.factories import make_civil_request, make_department, make_request_category, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def scene(app):
    with app.app_context():
        roads = make_department("도로과", name_en="Roads")
        lights = make_department("가로등관리과", name_en="Street Lights")
        parks = make_department("공원과", name_en="Parks")
        category = make_request_category(roads, name_ko="가로등 고장", name_en="Streetlight out")
        category.answer_template_ko = "안녕하십니까. 문의하신 가로등은"
        db.session.commit()
        applicant = make_user(email="resident@example.kr", display_name="신청한주민")
        make_user(email="road@example.kr", roles={"official"}, department=roads)
        make_user(email="light@example.kr", roles={"official"}, department=lights)
        make_user(email="park@example.kr", roles={"official"}, department=parks)
        request = make_civil_request(category, applicant, title="공원 앞 가로등이 꺼졌어요")
        yield {"request_id": request.id}
        db.session.remove()


def _open_from_queue(person, title: str, section: str | None = None):
    page = person.goto("/requests/queue" + (f"?section={section}" if section else ""))
    person.no_sideways_scroll()
    page.get_by_role("link", name=title).click()
    page.wait_for_load_state()
    person.no_sideways_scroll()
    return page


def test_transfer_cohandle_extend_and_answer(scene, people):
    title = "공원 앞 가로등이 꺼졌어요"
    road = people().sign_in("road@example.kr")
    page = _open_from_queue(road, title)
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator("dl.facts")).to_contain_text("신청한주민")
    # A reason is required: the refusal is said next to the field, with a summary that takes focus.
    page.get_by_label("이송할 부서").select_option(label="가로등관리과")
    page.get_by_role("button", name="이송", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("이송 사유")
    page.get_by_label("이송 사유").fill("가로등은 가로등관리과 소관입니다")
    page.get_by_role("button", name="이송", exact=True).click()
    page.wait_for_url("**/requests/queue")
    expect(page.get_by_text("민원을 이송했습니다")).to_be_visible()
    expect(page.get_by_role("link", name=title)).to_have_count(0)
    assert page.request.get(f"{road.base}/requests/{scene['request_id']}/handle").status == 404  # the old department: nothing

    light = people().sign_in("light@example.kr")
    page = _open_from_queue(light, title)
    page.get_by_role("button", name="처리 시작").click()
    expect(page.get_by_text("처리를 시작했습니다")).to_be_visible()
    page.get_by_label("협조를 요청할 부서").select_option(label="공원과")
    page.get_by_label("그 부서에 요청할 내용").fill("공원 안 가로등인지 확인 부탁드립니다")
    page.get_by_role("button", name="협조 요청", exact=True).click()
    expect(page.get_by_text("해당 부서에 협조를 요청했습니다")).to_be_visible()

    park = people().sign_in("park@example.kr")
    page = _open_from_queue(park, title, section="cohandling")
    expect(page.get_by_text("공원 안 가로등인지 확인 부탁드립니다")).to_be_visible()
    page.get_by_label("우리 부서의 협조 의견").fill("공원 구역 밖의 가로등입니다")
    page.get_by_role("button", name="협조 의견 보내기").click()
    expect(page.get_by_text("우리 부서의 협조 의견을 주관 부서에 보냈습니다")).to_be_visible()

    page = light.goto(f"/requests/{scene['request_id']}/handle")
    expect(page.get_by_text("공원 구역 밖의 가로등입니다")).to_be_visible()
    expect(page.get_by_text("규정: 사유를 밝혀 한 번")).to_be_visible()
    page.get_by_label("연장 사유").fill("부품 조달에 시간이 걸립니다")
    page.get_by_role("button", name="처리기간 연장", exact=True).click()
    expect(page.get_by_text("처리기간을 연장했습니다")).to_be_visible()
    answer = page.get_by_label("신청인에게 보낼 답변")
    expect(answer).to_have_value("안녕하십니까. 문의하신 가로등은")  # the category's template
    page.get_by_label("해결", exact=True).check()
    answer.fill("안녕하십니까. 문의하신 가로등은 오늘 교체했습니다.")
    page.get_by_role("button", name="답변 보내기").click()
    expect(page.get_by_text("신청인에게 답변을 보냈습니다")).to_be_visible()
    light.no_sideways_scroll()

    resident = people().sign_in("resident@example.kr")
    page = resident.goto(f"/requests/{scene['request_id']}")
    steps = page.locator(".request-timeline")
    for label in ("이송", "처리 기간 연장"):
        expect(steps).to_contain_text(label)
    expect(page.locator("section[aria-labelledby=answer-heading]")).to_contain_text("오늘 교체했습니다")
    expect(page.get_by_text("공원 구역 밖의 가로등입니다")).to_have_count(0)  # between departments only
    resident.no_sideways_scroll()
