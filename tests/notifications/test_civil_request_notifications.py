"""Civil requests at every step: the applicant told in the list, by email and by SMS (as their
preferences allow), in their language; those who reported the same problem told of the major
steps; the departments a step concerns told; nobody told of their own step; a counter applicant
without an account reached by the phone and email they gave."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import current_app
from sqlalchemy import select

from participation.accounts.models import User
from participation.civil_requests import handling, intake
from participation.civil_requests.models import Channel, RequestCategory, RequestEvent
from participation.core import signals
from participation.core.db import write_transaction
from participation.extensions import db
from participation.notifications import services as notes
from participation.notifications.models import Notification
from tests.factories import make_department, make_user
from tests.notifications.helpers import forget_receipt, outbox, rendered, resend, snapshot, written

# Tuesday 8 December 2026, 10:00 Seoul; a 7-day grievance is due Wednesday 16 December at 18:00.
FILED = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)


def at(day: int, hour: int) -> datetime:
    """December 2026, Seoul local hour."""
    return datetime(2026, 12, day, hour - 9, 0, tzinfo=UTC)


def with_phone(user, phone="01012345678", locale=None):
    with write_transaction():
        row = db.session.get(User, user.id)
        row.phone, row.locale = phone, locale
    db.session.refresh(user)
    return user


def events(user) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification.event).where(Notification.user_id == user.id).order_by(Notification.id)))


def notification(user, event: str) -> Notification:
    db.session.expire_all()
    return db.session.scalar(select(Notification).where(Notification.user_id == user.id, Notification.event == event))


@pytest.fixture
def world(app_ctx):
    roads = make_department("도로과", name_en="Roads")
    lights = make_department("가로등관리과", name_en="Street Lights")
    parks = make_department("공원녹지과", name_en="Parks")
    category = RequestCategory(name_ko="가로등 고장", kind="grievance", department_id=roads.id, created_at=FILED)
    db.session.add(category)
    db.session.commit()
    return {
        "roads": roads, "lights": lights, "parks": parks, "category": category,
        "applicant": with_phone(make_user()), "supporter": with_phone(make_user(), "01055556666"),
        "road": make_user(roles={"official"}, department=roads), "road2": make_user(roles={"official"}, department=roads),
        "light": make_user(roles={"official"}, department=lights), "park": make_user(roles={"official"}, department=parks),
    }


def file(world, applicant=None, *, keep_receipt=False):
    data = intake.RequestData(category=world["category"], title="가로등이 꺼졌어요", description="골목 가로등이 사흘째 꺼져 있습니다.",
                              is_public=True)
    with write_transaction():
        request = intake.file_request(applicant or world["applicant"], data, FILED)
    if not keep_receipt:
        forget_receipt(request)
    return request


def step(action, *args, **kwargs):
    with write_transaction():
        result = action(*args, **kwargs)
    db.session.commit()
    return result


def walk_through(world):
    """The whole path: start, 보완, transfer, 협조, extension, answer, dissatisfied survey, follow-up."""
    request = file(world)
    road, light, park = world["road"], world["light"], world["park"]
    step(intake.support, world["supporter"], request, at(8, 10))
    step(handling.start, road, request, at(8, 11), version=request.version)
    step(handling.request_supplement, road, request, "고장 난 가로등 번호를 알려 주세요", at(8, 12), version=request.version)
    step(handling.supplement, world["applicant"], request, "12-34번입니다", at(8, 14), version=request.version)
    step(handling.transfer, road, request, world["lights"], "가로등은 가로등관리과 소관", at(8, 15), version=request.version)
    step(handling.ask_cohandling, light, request, world["parks"], "공원 안 가로등인지 확인해 주세요", at(9, 10), version=request.version)
    step(handling.answer_cohandling, park, request, "공원 밖 도로변입니다", at(9, 14), version=request.version)
    step(handling.extend, light, request, None, "부품 조달에 시간이 걸립니다", at(10, 10), version=request.version)
    step(handling.complete, light, request, "resolved", "램프를 교체했습니다", at(11, 10), version=request.version)
    step(handling.rate, world["applicant"], request, "dissatisfied", "아직 깜빡입니다", at(11, 18))
    step(handling.answer_follow_up, light, request, "안정기도 교체했습니다", at(14, 10), version=request.version)
    return request


def test_filing_tells_the_department_and_gives_the_applicant_a_receipt(world):
    request = file(world, keep_receipt=True)
    assert events(world["road"]) == events(world["road2"]) == ["cr_new"]
    assert events(world["applicant"]) == ["cr_filed"]  # 접수 확인: number and due time, their own step though it is
    mail = written(outbox("email", user_id=world["applicant"].id)[0])
    assert request.tracking_number in mail.text_body
    assert events(world["light"]) == []


def test_every_step_tells_whom_it_concerns_and_never_the_one_who_took_it(world):
    walk_through(world)
    assert events(world["applicant"]) == [
        "cr_started", "cr_supplement_asked", "cr_transferred", "cr_cohandling_told", "cr_extended", "cr_completed",
        "cr_follow_up_answered",
    ]
    # The handler hears of the supplement; the transfer is the lead's own step, and then it is no longer theirs.
    assert events(world["road"]) == ["cr_new", "cr_supplemented"]
    assert events(world["road2"]) == ["cr_new"]
    assert events(world["light"]) == ["cr_transferred_in", "cr_cohandling_answered", "cr_follow_up"]
    assert events(world["park"]) == ["cr_cohandling_asked"]
    assert events(world["supporter"]) == ["cr_supporter_news", "cr_supporter_news", "cr_supporter_answered"]


def test_the_applicant_is_told_in_the_list_by_email_and_by_sms_with_a_link_to_the_request(world):
    request = walk_through(world)
    applicant = world["applicant"]
    told = events(applicant)
    mails, texts = outbox("email", user_id=applicant.id), outbox("sms", user_id=applicant.id)
    assert [m.items[0][0] for m in mails] == told
    assert len(texts) == len(told) and {t.to_number for t in texts} == {"01012345678"}
    assert all(f"/requests/{request.id}" in t.text_body for t in texts)
    assert notification(applicant, "cr_completed").path == f"/requests/{request.id}"
    # Supporters merely follow: in the list and by email, never by SMS.
    assert outbox("sms", user_id=world["supporter"].id) == []
    assert len(outbox("email", user_id=world["supporter"].id)) == 3


def test_the_transfer_and_the_extension_give_their_reasons_and_the_department_to_call(world):
    request = walk_through(world)
    moved = rendered(notification(world["applicant"], "cr_transferred"), "en")
    assert "from Roads to Street Lights" in moved and "가로등은 가로등관리과 소관" in moved
    extended = rendered(notification(world["applicant"], "cr_extended"), "en")
    extension = db.session.scalar(select(RequestEvent).where(RequestEvent.request_id == request.id, RequestEvent.kind == "extended"))
    # The 보완 on Tue 8 December cost that whole day: due Thu 17 instead of Wed 16. Seven more working
    # days from there: Fri 18, Mon 21 to Thu 24, then (Christmas on Friday 25) Mon 28 and Tue 29.
    assert extension.due_at == at(29, 18)
    assert "Dec 29, 2026, 6:00 PM" in extended
    assert "부품 조달에 시간이 걸립니다" in extended and "Street Lights" in extended
    assert current_app.config["CITY_PHONE"] in extended
    korean = rendered(notification(world["applicant"], "cr_extended"), "ko")
    assert "가로등관리과" in korean and "2026. 12. 29." in korean and "처리 기간이 연장" in korean
    arrived = rendered(notification(world["light"], "cr_transferred_in"), "en")
    assert "from Roads" in arrived and "가로등은 가로등관리과 소관" in arrived


def test_each_person_reads_in_their_own_language(world):
    english = with_phone(make_user(), "01077778888", locale="en")
    request = file(world, applicant=english)
    step(handling.transfer, world["road"], request, world["lights"], "가로등은 가로등관리과 소관", at(8, 15), version=request.version)
    mail = written(outbox("email", user_id=english.id)[0])
    assert mail.subject == "Gongron: Your civil request was transferred"
    assert "from Roads to Street Lights" in mail.text_body
    text = outbox("sms", user_id=english.id)[0].text_body
    assert text.startswith("[Gongron]") and "Street Lights" in text
    korean = written(outbox("email", user_id=world["light"].id)[0])
    assert korean.subject.startswith("공론:") and "도로과" in korean.text_body


def test_sms_only_where_the_person_has_a_number_and_wants_them(world):
    no_texts = with_phone(make_user(), "01099990000")
    with write_transaction():
        notes.set_sms(no_texts.id, "requests", False, FILED)
    no_number = make_user()
    for applicant in (no_texts, no_number):
        request = file(world, applicant=applicant)
        step(handling.start, world["road"], request, at(8, 11), version=request.version)
        assert events(applicant) == ["cr_started"]
        assert len(outbox("email", user_id=applicant.id)) == 1
        assert outbox("sms", user_id=applicant.id) == []


def test_a_counter_applicant_is_told_by_the_phone_and_email_they_gave(app, world):
    clerk = make_user(roles={"counter"})
    data = intake.RequestData(category=world["category"], title="보도블록 파손", description="보도블록이 깨져 있습니다.")
    with write_transaction():
        request = intake.file_request(clerk, data, FILED, channel=Channel.COUNTER,
                                      on_behalf=intake.OnBehalf("김민원", "010-9876-5432", "resident@example.kr", True))
    step(handling.transfer, world["road"], request, world["lights"], "가로등은 가로등관리과 소관", at(8, 15), version=request.version)
    texts, mails = outbox("sms", to_number="01098765432"), outbox("email", to_address="resident@example.kr")
    assert len(texts) == len(mails) == 2 and all(row.user_id is None for row in texts + mails)
    receipt, moved = texts
    assert request.tracking_number in receipt.text_body and "접수" in receipt.text_body
    assert "이송" in moved.text_body and "가로등은 가로등관리과 소관" in moved.text_body
    # The link goes where someone without an account can follow the request (the tracking form where there is one).
    if "civil_requests.track" in app.view_functions:
        link = f"/requests/track?number={request.tracking_number}"
    else:
        link = f"/requests/{request.id}"
    assert link in moved.text_body and link in mails[1].text_body
    assert mails[1].subject == "공론: 민원이 이송되었습니다"
    body = mails[1].text_body
    assert body.startswith("김민원") and request.tracking_number in body and current_app.config["CITY_PHONE"] in body
    assert events(clerk) == []


def test_a_step_told_again_tells_nobody_twice(world):
    request = file(world)
    step(handling.start, world["road"], request, at(8, 11), version=request.version)
    started = db.session.scalar(select(RequestEvent).where(RequestEvent.request_id == request.id, RequestEvent.kind == "started"))
    before = snapshot()
    resend(signals.civil_request_step, request, event=started, now=at(8, 11))
    assert snapshot() == before


def test_reopening_tells_the_department_and_the_supporters_and_closing_a_repeat_tells_the_applicant_why(world):
    request = file(world)
    step(intake.support, world["supporter"], request, at(8, 10))
    step(handling.complete, world["road"], request, "resolved", "교체했습니다", at(9, 10), version=request.version)
    step(handling.reopen, world["applicant"], request, "아직 꺼져 있습니다", at(10, 10), version=request.version)
    assert events(world["road2"]) == ["cr_new", "cr_reopened"]
    assert events(world["supporter"]) == ["cr_supporter_answered", "cr_supporter_news"]
    assert "Reopened" in rendered(notification(world["supporter"], "cr_supporter_news"), "en")
    assert events(world["applicant"]) == ["cr_completed"]  # the reopening was their own

    first, second, third = file(world), file(world), file(world)
    for repeat in (second, third):
        step(handling.link_original, world["road"], repeat, first, at(8, 12), version=repeat.version)
    for answered in (first, second):
        step(handling.complete, world["road"], answered, "resolved", "답변드렸습니다", at(8, 13), version=answered.version)
    step(handling.close_as_repeat, world["road"], third, "같은 민원에 두 차례 답변했습니다", at(8, 14), version=third.version)
    closed = [row for row in db.session.scalars(select(Notification).where(Notification.user_id == world["applicant"].id,
                                                                          Notification.event == "cr_closed_repeat"))]
    assert len(closed) == 1 and "같은 민원에 두 차례 답변했습니다" in rendered(closed[0], "en")
