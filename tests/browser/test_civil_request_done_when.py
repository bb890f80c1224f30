"""Issue 14's 'done when', in a browser at 360 px and in Korean, as a new user would try it.

A newcomer follows the home page's "file a request", creates an account on the way and lands on the
form; they report a broken streetlight from the phone with a photo and a pin, then (as the request
page suggests) add a mobile number and keep "also by text message" on for their civil requests. It reaches
도로과, which transfers it to 가로등관리과 with a reason; 가로등관리과 extends once with a reason and
answers. Filing gives a receipt with the tracking number; after each step (and the outbox sweeps, run
as the scheduler would) the resident has exactly one notification, one email file and one SMS file for it. The resident sees the whole timeline and the
clock, and rates the answer. Then a public request filed 25 days ago is overdue: the alert sweep,
run in parallel and then again, tells the department, the applicant and the administrators once each,
and the request reads as overdue on the public list, its page and the department's queue.
"""
from __future__ import annotations

import email.policy
import re
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from participation.accounts.models import User
from participation.civil_requests import alerts
from participation.civil_requests.models import CivilRequest, RequestCategory
from participation.core.time import now
from participation.extensions import db
from participation.notifications import mail, sms
from participation.notifications.models import Notification
from tests.civil_requests.helpers_filing import make_city
from tests.factories import PASSWORD, jpeg_bytes, make_civil_request, make_department, make_user
from tests.scheduler.helpers import run_in_parallel

pytestmark = pytest.mark.browser

EMAIL = "new.resident@example.kr"
PHONE = "01023456789"
TITLE = "도서관 앞 가로등이 꺼졌어요"
LATE_TITLE = "시장 골목 가로등이 깜빡여요"


@pytest.fixture
def scene(app, tmp_path, monkeypatch):
    # Folders of its own: other tests find their files by outbox row id, and ids start again in each test.
    monkeypatch.setitem(app.config, "MAIL_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setitem(app.config, "SMS_FILE_DIR", str(tmp_path / "sms"))
    with app.app_context():
        city = make_city()
        lights = make_department("가로등관리과", name_en="Street Lights")
        make_user(email="road@example.kr", display_name="도로담당", roles={"official"}, department=city["roads"])
        make_user(email="light@example.kr", display_name="가로등담당", roles={"official"}, department=lights)
        make_user(email="admin@example.kr", display_name="관리자", roles={"admin"})
        yield {"category": city["lights"].id, "roads": city["roads"].id}
        db.session.remove()


class Outboxes:
    """What reached one person, read as they would get it: in-app rows, email files, SMS files."""

    def __init__(self, app, email_address: str, phone: str):
        self.app, self.email, self.phone = app, email_address, phone
        self.mail_dir, self.sms_dir = Path(app.config["MAIL_OUTBOX_DIR"]), Path(app.config["SMS_FILE_DIR"])
        self.seen_mail, self.seen_sms, self.seen_notes = self._mails(), self._texts(), self._notes()

    def _mails(self) -> dict[Path, object]:
        found = {}
        for path in self.mail_dir.glob("*.eml"):
            message = message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if message["To"] == self.email:
                found[path] = message
        return found

    def _texts(self) -> dict[Path, str]:
        found = {}
        for path in self.sms_dir.glob("*.txt"):
            text = path.read_text(encoding="utf-8")
            if text.startswith(f"To: {self.phone}\n"):
                found[path] = text
        return found

    def _notes(self) -> list[tuple[int, str]]:
        with self.app.app_context():
            user_id = db.session.scalar(select(User.id).where(User.email == self.email))
            rows = db.session.execute(select(Notification.id, Notification.event).where(Notification.user_id == user_id)
                                      .order_by(Notification.id)).all()
            db.session.remove()
        return [tuple(row) for row in rows]

    def deliver(self, moment=None) -> None:
        """The scheduler's outbox sweeps."""
        with self.app.app_context():
            mail.deliver_email_outbox(moment or now())
            sms.deliver_sms_outbox(moment or now())
            db.session.remove()

    def one_more(self, event: str, *words: str):
        """Since the last call: exactly one notification (of `event`), one email and one SMS, each
        holding `words`. Returns the SMS text."""
        self.deliver()
        notes, mails, texts = self._notes(), self._mails(), self._texts()
        new_notes = notes[len(self.seen_notes):]
        new_mails = [m for p, m in mails.items() if p not in self.seen_mail]
        new_texts = [t for p, t in texts.items() if p not in self.seen_sms]
        assert [e for _id, e in new_notes] == [event], new_notes
        assert len(new_mails) == 1, [m["Subject"] for m in new_mails]
        assert len(new_texts) == 1, new_texts
        plain = new_mails[0].get_body(preferencelist=("plain",)).get_content()
        for word in words:
            assert word in plain, (word, plain)
            assert word in new_texts[0], (word, new_texts[0])
        self.seen_notes, self.seen_mail, self.seen_sms = notes, mails, texts
        return new_texts[0]

    def receipt(self, number: str) -> None:
        """The filing's receipt (접수 확인), sent before the phone number was added: in the list (already
        there when this started watching) and one email with the tracking number, no text."""
        self.deliver()
        mails, texts = self._mails(), self._texts()
        new_mails = [m for p, m in mails.items() if p not in self.seen_mail]
        assert len(new_mails) == 1 and number in new_mails[0].get_body(preferencelist=("plain",)).get_content()
        assert set(texts) == set(self.seen_sms)
        assert [e for _id, e in self.seen_notes] == ["cr_filed"]
        self.seen_mail = mails

    def nothing_more(self) -> None:
        self.deliver()
        assert self._notes() == self.seen_notes
        assert set(self._mails()) == set(self.seen_mail)
        assert set(self._texts()) == set(self.seen_sms)


def _map_speaks_korean(page) -> None:
    """Leaflet's own English (zoom titles, the marker's alt) is replaced by the page's words."""
    expect(page.locator(".leaflet-control-zoom-in")).to_have_attribute("title", "확대")
    expect(page.locator(".leaflet-control-zoom-out")).to_have_attribute("title", "축소")
    markers = page.locator(".leaflet-marker-icon")
    for i in range(markers.count()):
        assert markers.nth(i).get_attribute("alt") == "핀으로 표시한 위치"


def _sign_up_on_the_way_to_filing(resident) -> None:
    """From the home page's "file a request": asked to sign in, the newcomer creates an account
    and lands on the filing form they were going to."""
    page = resident.goto("/")
    page.locator("main").get_by_role("link", name="민원 신청하기").click()
    page.wait_for_url(re.compile(r"/login\?next="))
    page.locator("main").get_by_role("link", name="회원가입").click()
    page.get_by_label("이메일", exact=True).fill(EMAIL)
    page.get_by_label("표시 이름", exact=True).fill("가로등주민")
    page.get_by_label("비밀번호", exact=True).fill(PASSWORD)
    page.get_by_label("개인정보 처리방침", exact=False).check()
    page.get_by_role("button", name="회원가입").click()
    page.wait_for_url("**/requests/new")
    expect(page.locator(".flash-success")).to_be_visible()  # welcome


def _file_from_the_phone(resident) -> int:
    page = resident.page
    expect(page.locator(".leaflet-container")).to_be_visible()  # the vendored map, without tiles
    resident.no_sideways_scroll()
    page.get_by_label("분야").select_option(label="가로등 고장 (도로과)")
    page.get_by_label("제목").fill(TITLE)
    page.get_by_label("설명").fill("사흘째 밤마다 꺼져 있어 골목이 어둡습니다.")
    page.locator("[data-map-container]").click()  # the pin, at the map's centre (the city's)
    expect(page.locator(".leaflet-marker-icon")).to_have_count(1)
    expect(page.locator("[name=latitude]")).not_to_have_value("")
    expect(page.get_by_label("동(선택)")).to_have_value(re.compile(r"\d+"))  # named from the pin
    _map_speaks_korean(page)
    page.get_by_label("사진(선택)").set_input_files([{"name": "light.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}])
    resident.no_sideways_scroll()
    page.get_by_role("button", name="민원 신청하기").click()
    expect(page.locator(".flash-success")).to_contain_text("접수번호")
    match = re.search(r"/requests/(\d+)$", page.url)
    assert match, page.url
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("img", name="문제 사진 1")).to_be_visible()
    expect(page.locator(".request-clock")).to_contain_text("처리 기한")
    resident.no_sideways_scroll()
    return int(match.group(1))


def _add_phone_and_keep_sms_on(resident, request_id: int) -> None:
    """The request page says text messages need a mobile number; the resident adds it and checks
    that their civil requests come by email and SMS too."""
    page = resident.page
    hint = page.locator("p.hint").filter(has_text="문자(SMS)로도 받으시려면")
    hint.get_by_role("link", name="내 계정").click()
    page.wait_for_url("**/account")
    page.get_by_label("휴대전화 번호(선택)").fill("010-2345-6789")
    page.get_by_role("button", name="저장").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.get_by_label("휴대전화 번호(선택)")).to_have_value(PHONE)
    resident.no_sideways_scroll()

    page.locator("main").get_by_role("link", name="알림 설정").click()
    page.wait_for_url("**/account/notifications")
    resident.no_sideways_scroll()
    requests_kind = page.get_by_role("group", name=re.compile("^내 민원"))
    requests_kind.get_by_label("목록과 이메일", exact=False).check()
    requests_kind.get_by_label("문자(SMS)로도 받기").check()
    expect(page.get_by_text("010-****-6789", exact=False)).to_be_visible()
    page.get_by_role("button", name="저장").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.get_by_role("group", name=re.compile("^내 민원")).get_by_label("문자(SMS)로도 받기")).to_be_checked()

    # And finds the request again: the public list leads to "my requests", which lists it.
    page = resident.goto("/requests/")
    page.locator("main").get_by_role("link", name="내 민원").click()
    page.get_by_role("link", name=TITLE).click()
    page.wait_for_url(f"**/requests/{request_id}")
    expect(page.locator("p.hint").filter(has_text="문자(SMS)로도 받으시려면")).to_have_count(0)


def _handle_from_the_queue(official, title: str):
    page = official.goto("/requests/queue")
    official.no_sideways_scroll()
    page.get_by_role("link", name=title).click()
    page.wait_for_url(re.compile(r"/requests/\d+/handle$"))
    official.no_sideways_scroll()
    return page


def test_done_when(app, scene, people):
    def person():
        made = people()
        made.context.set_default_timeout(10_000)
        return made

    resident = person()
    _sign_up_on_the_way_to_filing(resident)
    request_id = _file_from_the_phone(resident)
    _add_phone_and_keep_sms_on(resident, request_id)
    told = Outboxes(app, EMAIL, PHONE)
    with app.app_context():
        filed = db.session.get(CivilRequest, request_id)
        assert filed.lead_department_id == scene["roads"] and len(filed.photos) == 1 and filed.district_id is not None
        tracking = filed.tracking_number
        db.session.remove()
    told.receipt(tracking)  # 접수 확인 with its number, by email (the phone came after it)

    # 도로과 finds it in its queue, and transfers it to 가로등관리과 with a reason.
    road = person().sign_in("road@example.kr")
    page = _handle_from_the_queue(road, TITLE)
    page.get_by_label("이송할 부서").select_option(label="가로등관리과")
    page.get_by_label("이송 사유").fill("가로등은 가로등관리과 소관입니다")
    page.get_by_role("button", name="이송", exact=True).click()
    expect(page.get_by_text("민원을 이송했습니다")).to_be_visible()
    told.one_more("cr_transferred", TITLE[:8], "가로등관리과")

    # 가로등관리과 is told: the notification leads to the request's page, which leads to handling it.
    # There it starts, extends once with a reason, and answers.
    light = person().sign_in("light@example.kr")
    page = light.goto("/notifications")
    page.locator(".notification").filter(has_text="이송").get_by_role("button").click()
    page.wait_for_url(f"**/requests/{request_id}")
    page.get_by_role("link", name="이 민원 처리하기").click()
    page.wait_for_url(f"**/requests/{request_id}/handle")
    expect(page.locator("dl.facts")).to_contain_text(PHONE)  # the handling department may call the applicant
    light.no_sideways_scroll()
    page.get_by_role("button", name="처리 시작").click()
    expect(page.get_by_text("처리를 시작했습니다")).to_be_visible()
    told.one_more("cr_started", "가로등관리과")
    page.get_by_label("연장 사유").fill("부품 조달에 시간이 걸립니다")
    page.get_by_role("button", name="처리기간 연장", exact=True).click()
    expect(page.get_by_text("처리기간을 연장했습니다")).to_be_visible()
    told.one_more("cr_extended", "부품 조달에 시간이 걸립니다", "가로등관리과")
    expect(page.get_by_text("신청인이 두 번째 연장에 동의하지 않았습니다")).to_be_visible()  # once, without consent
    page.get_by_label("해결", exact=True).check()
    page.get_by_label("신청인에게 보낼 답변").fill("고장 난 가로등을 오늘 교체했습니다.")
    page.get_by_role("button", name="답변 보내기").click()
    expect(page.get_by_text("신청인에게 답변을 보냈습니다")).to_be_visible()
    told.one_more("cr_completed", "가로등관리과")

    # The resident reads the notifications, opens the request, sees every step and the clock, and rates.
    page = resident.goto("/notifications")
    for words in ("이송", "처리를 시작", "연장", "답변했습니다"):
        expect(page.locator(".notification").filter(has_text=words)).to_have_count(1)
    resident.no_sideways_scroll()
    page.locator(".notification").filter(has_text="답변했습니다").get_by_role("button").click()
    page.wait_for_url(f"**/requests/{request_id}")
    expect(page.get_by_text(f"접수번호 {tracking}")).to_be_visible()
    steps = page.locator(".request-timeline li")
    for label in ("접수", "이송", "처리 시작", "처리 기간 연장", "답변 완료"):
        expect(steps.filter(has_text=label).first).to_be_visible()
    expect(steps.filter(has_text="이송")).to_contain_text("도로과 → 가로등관리과")
    expect(steps.filter(has_text="처리 기간 연장")).to_contain_text("부품 조달에 시간이 걸립니다")
    expect(page.locator(".request-clock")).to_contain_text("기한 내 답변")
    expect(page.locator("section[aria-labelledby=answer-heading]")).to_contain_text("오늘 교체했습니다")
    resident.no_sideways_scroll()
    page.get_by_role("group", name="답변에 얼마나 만족하십니까?").get_by_label("만족", exact=True).check()
    page.get_by_label("의견 (선택)").fill("빨리 고쳐 주셔서 고맙습니다.")
    page.get_by_role("button", name="평가 보내기").click()
    expect(page.get_by_text("이 답변을 평가하셨습니다: 만족.")).to_be_visible()
    expect(page.locator(".request-timeline li").filter(has_text="신청인 만족도 응답")).to_contain_text("만족")
    resident.no_sideways_scroll()
    told.nothing_more()  # their own step

    # A public request filed 25 days ago (due after 7 working days) and never answered is overdue, by more than 3 working days.
    with app.app_context():
        applicant = db.session.scalar(select(User).where(User.email == EMAIL))
        late = make_civil_request(db.session.get(RequestCategory, scene["category"]), applicant, title=LATE_TITLE, is_public=True,
                                  at=now() - timedelta(days=25))
        late_id, late_number = late.id, late.tracking_number
        db.session.remove()
    told.one_more("cr_filed", late_number)  # its receipt, now by text too
    moment = now()
    results = run_in_parallel(app, [lambda: alerts.send_request_alerts(moment)] * 2)
    totals = {kind: sum(result[kind] for result in results) for kind in alerts.KINDS}
    assert totals == {**dict.fromkeys(alerts.KINDS, 0), "overdue": 1, "applicant_overdue": 1, "admins": 1}
    with app.app_context():
        assert alerts.send_request_alerts(moment) == dict.fromkeys(alerts.KINDS, 0)
        assert alerts.send_request_alerts(now()) == dict.fromkeys(alerts.KINDS, 0)
        told_of = dict(db.session.execute(
            select(User.email, Notification.event).join(Notification, Notification.user_id == User.id)
            .where(Notification.event.in_(("cr_overdue", "cr_overdue_applicant", "cr_admins")))
        ).all())
        rows = db.session.scalars(select(Notification.event).where(Notification.event.in_(("cr_overdue", "cr_overdue_applicant", "cr_admins")))).all()
        db.session.remove()
    assert sorted(rows) == ["cr_admins", "cr_overdue", "cr_overdue_applicant"]
    assert told_of == {"road@example.kr": "cr_overdue", EMAIL: "cr_overdue_applicant", "admin@example.kr": "cr_admins"}
    told.one_more("cr_overdue_applicant", LATE_TITLE[:8])

    # Overdue, in words, to everyone: a visitor on the public list and the request's page, the resident, 도로과's queue.
    visitor = person()
    page = visitor.goto("/requests/")
    item = page.locator(".request-item").filter(has_text=LATE_TITLE)
    expect(item).to_contain_text("기한 경과")
    expect(page.locator(".request-item").filter(has_text=TITLE)).to_have_count(0)  # private
    visitor.no_sideways_scroll()
    item.get_by_role("link", name=LATE_TITLE).click()
    expect(page.locator(".request-clock")).to_contain_text("기한 경과")
    visitor.no_sideways_scroll()
    for public in (page, visitor.goto("/requests/"), visitor.goto("/requests/feed.atom")):
        for personal in ("가로등주민", EMAIL, PHONE, "010-2345-6789", "****-6789"):
            assert personal not in public.content(), (public.url, personal)
    page = resident.goto(f"/requests/{late_id}")
    expect(page.locator(".request-clock")).to_contain_text("기한 경과")
    expect(page.locator(".request-timeline")).to_contain_text("처리 기한 경과")
    page = road.goto("/requests/queue")
    row = page.locator("tr").filter(has_text=LATE_TITLE)
    expect(row).to_contain_text("기한 지남")
    expect(row).to_contain_text("기한 경과")
    road.no_sideways_scroll()
