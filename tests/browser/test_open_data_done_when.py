"""Issue 15's 'done when', tried as newcomers would.

A developer reads /api/docs in Korean, then fetches a round's published outcome and the open civil
requests of one 동 as JSON, as their program would (CORS, ETag and 304 included). A civic app, with a
key an administrator issues in the browser, posts a streetlight request through Open311 and follows
it through GET requests/{id}; the department starts and answers it on its handling page, and the
app sees it reach FIXED. An official downloads the outcome's tally as Excel and opens it with
openpyxl: the Korean is intact.
"""
from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from participation.extensions import db
from tests.browser.conftest import page_problems, sign_in, with_axe
from tests.factories import make_civil_request, make_district, make_user
from tests.open311.helpers import make_city
from tests.responses.helpers import answer, closed_round, publish_round

pytestmark = pytest.mark.browser

LIGHT = "햇살로 12 앞 가로등이 밤새 꺼져 있어요."


@pytest.fixture
def scene(app):
    with app.app_context():
        city = make_city()  # 도로과 and its 가로등 고장 category
        gu = make_district("새봄구", name_en="Saebom-gu")
        dong, other = make_district("햇살동", parent=gu, name_en="Haetsal-dong"), make_district("달빛동", parent=gu)
        resident = make_user(display_name="주민")
        in_dong = make_civil_request(city["category"], resident, title="햇살동 보도블록이 깨졌어요", is_public=True, district=dong)
        make_civil_request(city["category"], resident, title="달빛동 가로등", is_public=True, district=other)
        make_civil_request(city["category"], resident, title="햇살동 비공개 민원", is_public=False, district=dong)
        outcome = closed_round()
        official = make_user(email="official@example.kr", roles={"official"}, department=outcome.answering)
        answer(official, outcome.selected, "accepted", "내년 예산에 반영하겠습니다.")
        publish_round(outcome.round)
        roads = make_user(email="roads@example.kr", roles={"official"}, department=city["roads"])
        admin = make_user(email="admin@example.kr", roles={"admin"})
        yield {
            "round": outcome.round.id, "selected": outcome.selected.id, "selected_title": outcome.selected.title,
            "dong": dong.id, "in_dong": in_dong.id, "category": city["category"].id,
            "official": official.email, "roads": roads.email, "admin": admin.email,
        }
        db.session.remove()


def test_open_data_done_when(browser, live_server, scene):
    contexts = []

    def person(email: str | None = None):
        """A browser of one's own (its own cookies), signed in as `email` if given."""
        context = with_axe(browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR", accept_downloads=True))
        contexts.append(context)
        page = context.new_page()
        if email:
            sign_in(page, live_server, email)
            page.wait_for_url(lambda url: "/login" not in url)
        return page

    page = person()
    context = page.context
    try:
        # A developer reads the documentation, in Korean, without signing in.
        page.goto(live_server + "/")
        page.get_by_role("contentinfo").get_by_role("link", name="공공데이터 API").click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert page.url.endswith("/api/docs")
        expect(page.get_by_text("GET /api/v1/rounds/{round_id}/outcome", exact=True).first).to_be_visible()
        expect(page.get_by_text("GET /api/v1/requests", exact=True).first).to_be_visible()
        assert page_problems(page, "/api/docs") == []

        # ... and their program fetches the published outcome and one 동's open requests.
        api = context.request
        outcome = api.get(f"{live_server}/api/v1/rounds/{scene['round']}/outcome", headers={"Accept-Language": "ko"})
        assert outcome.status == 200 and outcome.headers["access-control-allow-origin"] == "*"
        body = outcome.json()
        top = body["tally"]["data"][0]
        assert (top["idea_id"], top["title"], top["selected"]) == (scene["selected"], scene["selected_title"], True)
        assert top["answer"]["decision"] == "accepted"
        again = api.get(f"{live_server}/api/v1/rounds/{scene['round']}/outcome", headers={"If-None-Match": outcome.headers["etag"]})
        assert again.status == 304
        requests = api.get(f"{live_server}/api/v1/requests?district={scene['dong']}&status=open").json()
        assert [r["id"] for r in requests["data"]] == [scene["in_dong"]]
        assert "주민" not in json.dumps(requests, ensure_ascii=False)

        # An administrator issues a key for the civic app (shown once) ...
        admin = person(scene["admin"])
        admin.goto(live_server + "/admin/api-keys/new")
        admin.get_by_label("이름").fill("새봄 민원 앱")
        admin.get_by_label("Open311로 민원 접수").check()
        admin.get_by_role("button", name="키 발급하기").click()
        secret = admin.get_by_label("키", exact=True).input_value()

        # ... which posts a streetlight request through Open311 and follows it.
        app = context.request
        posted = app.post(f"{live_server}/open311/v2/requests.json", form={
            "api_key": secret, "service_code": str(scene["category"]), "lat": "35.16", "long": "126.85",
            "description": LIGHT, "email": "light.reporter@example.org",
        })
        assert posted.status == 201, posted.text()
        request_id = posted.json()[0]["service_request_id"]

        def status() -> tuple[str, str]:
            (row,) = app.get(f"{live_server}/open311/v2/requests/{request_id}.json?extensions=true").json()
            assert "light.reporter" not in json.dumps(row)
            return row["status"], row["extended_attributes"]["detailed_status"]

        assert status() == ("open", "OPEN")

        # The department starts and answers it on its handling page.
        official = person(scene["roads"])
        official.goto(f"{live_server}/requests/{request_id}/handle")
        official.get_by_role("button", name="처리 시작").click()
        expect(official.get_by_role("button", name="처리 시작")).to_have_count(0)
        assert status() == ("open", "IN_PROGRESS")
        official.get_by_label("신청인에게 보낼 답변").fill("가로등 전구를 교체했습니다.")
        official.get_by_label("해결", exact=True).check()
        official.get_by_role("button", name="답변 보내기").click()
        expect(official.get_by_text("가로등 전구를 교체했습니다.").first).to_be_visible()
        assert status() == ("closed", "FIXED")
        updates = app.get(f"{live_server}/open311/v2/servicerequestupdates.json").json()
        assert [u["status"] for u in updates if u["service_request_id"] == request_id][-1] == "FIXED"

        # An official of the answering department downloads the tally as Excel; Korean is intact.
        page = person(scene["official"])
        page.goto(f"{live_server}/rounds/{scene['round']}/outcome")
        with page.expect_download() as download:
            page.get_by_role("link", name="Excel 내려받기").first.click()
        workbook = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()), read_only=True)
        cells = [cell for row in workbook.active.iter_rows(values_only=True) for cell in row if isinstance(cell, str)]
        assert scene["selected_title"] in cells
        assert "순위" in cells and "선정" in cells  # the header, and the selection this official may see
    finally:
        for context in contexts:
            context.close()
