"""The civil requests' alert sweep: each alert at its hand-worked moment (설날 2027 in the middle),
nothing before it, exactly once when the sweep runs twice or in parallel, paused and completed
requests left alone, counter applicants reached by their contact, and the moments it asks to run at."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from participation.accounts.models import User
from participation.civil_requests import alerts, clock, handling, intake
from participation.civil_requests.models import Channel, CivilRequest, EventKind, RequestEvent
from participation.core.db import write_transaction
from participation.core.time import SEOUL
from participation.extensions import db
from participation.notifications.models import Notification
from participation.scheduler.sweeps import SWEEPS
from tests.factories import make_civil_request, make_department, make_request_category, make_user
from tests.notifications.helpers import forget_receipt, outbox
from tests.scheduler.helpers import make_runner, run_in_parallel

NOTHING = dict.fromkeys(alerts.KINDS, 0)
CAL = clock.Calendar()


def seoul(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SEOUL).astimezone(UTC)


def sweep(at: datetime) -> dict[str, int]:
    return alerts.send_request_alerts(at)


def sent(**counts) -> dict[str, int]:
    return {**NOTHING, **counts}


def events(user, event: str | None = None) -> list[str]:
    db.session.expire_all()
    stmt = select(Notification.event).where(Notification.user_id == user.id)
    if event is not None:
        stmt = stmt.where(Notification.event == event)
    return list(db.session.scalars(stmt.order_by(Notification.id)))


def steps(request, kind: EventKind) -> int:
    return db.session.scalar(select(func.count()).select_from(RequestEvent).where(RequestEvent.request_id == request.id,
                                                                                  RequestEvent.kind == kind.value))


@pytest.fixture
def city(app_ctx):
    roads = make_department("도로과", name_en="Roads")
    official = make_user(roles={"official"}, department=roads)
    admin = make_user(roles={"admin"})
    applicant = make_user()
    with write_transaction():
        db.session.get(User, applicant.id).phone = "01012345678"
    return {"roads": roads, "official": official, "admin": admin, "applicant": applicant,
            "category": make_request_category(roads, kind="grievance")}


# Friday 29 January 2027, 10:00: a 7-day grievance counts Fri 29, Mon 1, Tue 2, Wed 3, Thu 4, Fri 5 and,
# after 설날 (Sat 6 to Tue 9, the substitute day included), Wed 10 February: due at 18:00 that day.
FILED = seoul(2027, 1, 29, 10)
DUE = seoul(2027, 2, 10, 18)


def filed(city, at=FILED, category=None):
    request = make_civil_request(category or city["category"], city["applicant"], at=at)
    forget_receipt(request)  # what the alerts send is counted here, not the filing's receipt
    return request


def test_the_due_time_and_the_alert_moments_are_worked_by_hand_over_seollal(city):
    request = filed(city)
    assert request.due_at == DUE
    assert alerts.due_soon_at(DUE, CAL) == seoul(2027, 2, 5, 18)  # the working day before: Friday, over 설날
    # Three working days after the due time: Thu 11, Fri 12, Mon 15, at 18:00.
    assert alerts.admins_alert_at(DUE, CAL) == seoul(2027, 2, 15, 18)
    assert alerts.due_soon_at(seoul(2027, 2, 10, 10), CAL) == seoul(2027, 2, 5, 10)
    assert alerts.due_soon_at(seoul(2027, 2, 10, 12, 30), CAL) == seoul(2027, 2, 5, 12)  # a due time at lunch counts from 12:00
    assert alerts.due_soon_at(seoul(2027, 2, 7, 0), CAL) == seoul(2027, 2, 4, 18)  # due on 설날 itself: from Friday's close
    assert alerts.next_opening(seoul(2027, 2, 5, 18, 30), CAL) == seoul(2027, 2, 10, 9)


def test_the_department_is_told_one_working_day_before_the_due_time_once(city):
    request = filed(city)
    assert sweep(seoul(2027, 2, 5, 17, 59)) == NOTHING
    assert sweep(seoul(2027, 2, 5, 18)) == sent(due_soon=1)
    assert sweep(seoul(2027, 2, 5, 18)) == NOTHING
    assert sweep(seoul(2027, 2, 8, 11)) == NOTHING  # 설날: nothing new
    assert events(city["official"]) == ["cr_new", "cr_due_soon"]
    assert events(city["applicant"]) == []  # the applicant filed it themselves: no news yet
    db.session.refresh(request)
    assert request.due_soon_alerted_at == seoul(2027, 2, 5, 18)


def test_overdue_alerts_the_department_daily_on_working_days_the_applicant_once_and_admins_after_three_working_days(city):
    request = filed(city)
    version = request.version
    assert sweep(DUE) == NOTHING  # not yet late at the due time itself (and too late to be "due soon")
    assert sweep(DUE + timedelta(seconds=1)) == sent(overdue=1, applicant_overdue=1)
    assert sweep(seoul(2027, 2, 10, 23)) == NOTHING
    assert sweep(seoul(2027, 2, 11, 8, 59)) == NOTHING  # the next day's alert waits for the office to open
    assert sweep(seoul(2027, 2, 11, 9)) == sent(overdue=1)
    assert sweep(seoul(2027, 2, 11, 17)) == NOTHING
    assert sweep(seoul(2027, 2, 12, 9, 5)) == sent(overdue=1)
    assert sweep(seoul(2027, 2, 13, 10)) == NOTHING  # Saturday
    assert sweep(seoul(2027, 2, 15, 17, 59)) == sent(overdue=1)
    assert sweep(seoul(2027, 2, 15, 18)) == sent(admins=1)
    assert sweep(seoul(2027, 2, 16, 9)) == sent(overdue=1)
    assert sweep(seoul(2027, 2, 22, 9)) == sent(overdue=1)  # after days without a sweep: one, not one per missed day
    assert events(city["official"], "cr_overdue") == ["cr_overdue"] * 6
    assert events(city["applicant"]) == ["cr_overdue_applicant"]
    assert events(city["admin"]) == ["cr_admins"]
    db.session.refresh(request)
    assert steps(request, EventKind.OVERDUE) == 1
    assert request.version == version  # the clock's own steps never make an official's page stale


def test_the_applicant_overdue_alert_reaches_the_in_app_list_the_email_outbox_and_the_sms_outbox(city):
    filed(city)
    sweep(DUE + timedelta(minutes=1))
    applicant = city["applicant"]
    assert events(applicant) == ["cr_overdue_applicant"]
    mails = outbox("email", user_id=applicant.id)
    assert [m.items[0][0] for m in mails] == ["cr_overdue_applicant"]
    texts = outbox("sms", user_id=applicant.id)
    assert len(texts) == 1 and texts[0].to_number == "01012345678"
    assert "2027. 2. 10." in texts[0].text_body and "/requests/" in texts[0].text_body
    # Officials take their department's alerts in the list and by email, never by SMS.
    assert outbox("sms", user_id=city["official"].id) == []


def test_a_request_waiting_for_a_supplement_gets_no_due_or_overdue_alert(city):
    request = filed(city)
    with write_transaction():
        handling.request_supplement(city["official"], request, "사진을 보내 주세요", seoul(2027, 2, 1, 10), version=request.version)
    assert request.due_at is None
    assert sweep(seoul(2027, 2, 5, 18)) == NOTHING
    assert sweep(seoul(2027, 2, 22, 10)) == NOTHING
    assert events(city["official"]) == ["cr_new"]


def test_a_completed_request_gets_no_delay_alert(city):
    request = filed(city)
    answered = seoul(2027, 2, 3, 15)
    with write_transaction():
        handling.complete(city["official"], request, "resolved", "교체했습니다", answered, version=request.version)
    # Past its due time, and three working days past: answered, so only the survey reminder.
    assert sweep(DUE + timedelta(days=5)) == sent(survey_reminder=1)
    assert sweep(DUE + timedelta(days=6)) == NOTHING
    assert events(city["official"]) == ["cr_new"]
    assert steps(request, EventKind.OVERDUE) == 0


def test_the_survey_reminder_comes_three_days_after_the_answer_once(city):
    request = filed(city)
    answered = seoul(2027, 2, 3, 15)
    with write_transaction():
        handling.complete(city["official"], request, "resolved", "교체했습니다", answered, version=request.version)
    assert sweep(answered + timedelta(days=3) - timedelta(minutes=1)) == NOTHING
    assert sweep(answered + timedelta(days=3)) == sent(survey_reminder=1)
    assert sweep(answered + timedelta(days=4)) == NOTHING
    assert events(city["applicant"]) == ["cr_completed", "cr_survey"]


def test_no_survey_reminder_for_a_rated_answer_nor_after_the_reopening_window(city):
    rated, late = filed(city), filed(city)
    answered = seoul(2027, 2, 3, 15)
    with write_transaction():
        handling.complete(city["official"], rated, "resolved", "교체했습니다", answered, version=rated.version)
        handling.complete(city["official"], late, "resolved", "교체했습니다", answered, version=late.version)
    with write_transaction():
        handling.rate(city["applicant"], rated, "satisfied", "", answered + timedelta(days=1))
    assert sweep(answered + timedelta(days=15)) == NOTHING  # the window closed: too late to ask
    assert sweep(answered + timedelta(days=3)) == sent(survey_reminder=1)  # only the unrated one
    assert events(city["applicant"], "cr_survey") == ["cr_survey"]


def test_progress_notices_every_thirty_days_while_open_even_while_paused(city):
    request = filed(city)
    first = FILED + timedelta(days=30)
    assert request.next_progress_notice_at == first
    assert sweep(first - timedelta(minutes=1))["progress"] == 0
    assert sweep(first)["progress"] == 1
    assert sweep(first + timedelta(hours=1))["progress"] == 0
    db.session.refresh(request)
    assert request.next_progress_notice_at == first + timedelta(days=30)
    with write_transaction():
        handling.request_supplement(city["official"], request, "사진을 보내 주세요", first + timedelta(days=1), version=request.version)
    # A long downtime: one notice, and the next one 30 days on from the last date passed.
    assert sweep(first + timedelta(days=95))["progress"] == 1
    db.session.refresh(request)
    assert request.next_progress_notice_at == first + timedelta(days=120)
    assert steps(request, EventKind.PROGRESS_NOTICE) == 2
    assert [e for e in events(city["applicant"]) if e.startswith("cr_progress")] == ["cr_progress", "cr_progress_paused"]


def test_a_completed_request_gets_no_progress_notice(city):
    request = filed(city)
    with write_transaction():
        handling.complete(city["official"], request, "resolved", "교체했습니다", FILED + timedelta(days=2), version=request.version)
    assert sweep(FILED + timedelta(days=31))["progress"] == 0


def test_a_request_due_within_its_first_working_day_is_not_announced_as_due_soon(city):
    immediate = make_request_category(city["roads"], kind="other")  # 즉시: 3 working hours
    request = filed(city, at=seoul(2027, 2, 2, 10), category=immediate)
    assert request.due_at == seoul(2027, 2, 2, 14)  # 10-12, then 13-14
    assert sweep(seoul(2027, 2, 2, 13, 59)) == NOTHING
    assert sweep(seoul(2027, 2, 2, 14, 1)) == sent(overdue=1, applicant_overdue=1)


def test_an_extension_earns_the_due_soon_and_the_applicant_alerts_again(city):
    request = filed(city)
    assert sweep(DUE + timedelta(seconds=1)) == sent(overdue=1, applicant_overdue=1)
    with write_transaction():
        new_due = handling.extend(city["official"], request, None, "부품 조달", seoul(2027, 2, 11, 10), version=request.version)
    # The extension adds the original 7 working days from the old due time: Thu 11 .. Fri 19 February.
    assert new_due == seoul(2027, 2, 19, 18)
    assert sweep(seoul(2027, 2, 18, 17, 59))["due_soon"] == 0
    assert sweep(seoul(2027, 2, 18, 18)) == sent(due_soon=1)
    assert sweep(new_due + timedelta(seconds=1))["applicant_overdue"] == 1
    assert events(city["applicant"]) == ["cr_overdue_applicant", "cr_extended", "cr_overdue_applicant"]
    assert steps(request, EventKind.OVERDUE) == 2  # once per due time


def test_a_counter_applicant_is_reached_through_the_contact_they_gave(city):
    clerk = make_user(roles={"counter"})
    data = intake.RequestData(category=city["category"], title="보도블록 파손", description="보도블록이 깨져 있습니다.")
    with write_transaction():
        request = intake.file_request(clerk, data, FILED, channel=Channel.COUNTER,
                                      on_behalf=intake.OnBehalf("김민원", "010-9876-5432", "resident@example.kr", True))
    receipt = outbox("sms", to_number="01098765432")
    assert len(receipt) == 1 and request.tracking_number in receipt[0].text_body  # the receipt, by SMS
    assert sweep(DUE + timedelta(seconds=1))["applicant_overdue"] == 1
    texts = outbox("sms", to_number="01098765432")
    mails = outbox("email", to_address="resident@example.kr")
    assert len(texts) == len(mails) == 2 and all(row.user_id is None for row in texts + mails)
    assert "처리 기한" in texts[1].text_body and "2027. 2. 10." in texts[1].text_body
    assert mails[1].subject.startswith("공론") and "김민원" in mails[1].text_body and request.tracking_number in mails[1].text_body
    assert sweep(DUE + timedelta(minutes=5)) == NOTHING
    assert len(outbox("sms", to_number="01098765432")) == 2
    assert events(clerk) == []  # the clerk filed it: not told of their own step, and not of the alerts


def test_the_sweep_run_twice_through_the_scheduler_sends_each_alert_once(app, city):
    filed(city)
    runner = make_runner(app, [next(s for s in SWEEPS if s.name == "send_request_alerts")])
    moment = seoul(2027, 2, 15, 18)
    first, second = runner.run("send_request_alerts", moment), runner.run("send_request_alerts", moment)
    assert first.error is None and first.result == sent(overdue=1, applicant_overdue=1, admins=1)
    assert second.error is None and second.result == NOTHING


def test_parallel_sweeps_send_each_alert_exactly_once(app, city, monkeypatch):
    monkeypatch.setattr(alerts, "BATCH", 2)  # several batches, so the sweeps interleave
    requests = [filed(city) for _ in range(5)]
    moment = seoul(2027, 2, 15, 18)
    db.session.commit()
    results = run_in_parallel(app, [lambda: sweep(moment)] * 4)
    totals = {kind: sum(result[kind] for result in results) for kind in alerts.KINDS}
    assert totals == sent(overdue=5, applicant_overdue=5, admins=5)
    assert len(events(city["official"], "cr_overdue")) == 5
    assert len(events(city["applicant"], "cr_overdue_applicant")) == 5
    assert len(events(city["admin"], "cr_admins")) == 5
    assert len(outbox("sms", user_id=city["applicant"].id)) == 5
    assert all(steps(request, EventKind.OVERDUE) == 1 for request in requests)


def test_the_sweep_asks_to_run_at_each_alert_moment(city):
    request = filed(city)
    window = timedelta(minutes=10)
    soon = seoul(2027, 2, 5, 18)
    assert alerts.upcoming_alert_moments(soon - timedelta(minutes=5), window) == [soon]
    assert alerts.upcoming_alert_moments(DUE - timedelta(minutes=5), window) == [DUE]
    sweep(DUE + timedelta(seconds=1))
    assert alerts.upcoming_alert_moments(seoul(2027, 2, 11, 8, 55), window) == [seoul(2027, 2, 11, 9)]  # the daily alert
    admins = seoul(2027, 2, 15, 18)
    assert admins in alerts.upcoming_alert_moments(admins - timedelta(minutes=5), window)
    notice = request.next_progress_notice_at
    assert alerts.upcoming_alert_moments(notice - timedelta(minutes=5), window) == [notice]
    assert alerts.upcoming_alert_moments(seoul(2027, 2, 3, 11), window) == []


def test_a_batch_of_alerts_takes_the_same_statements_however_many_requests_it_holds(app, city, count_queries):
    """Set-based: the claim, the timeline steps and the messages of a batch are a fixed number of statements."""
    def statements_for(how_many: int) -> int:
        for _ in range(how_many):
            filed(city)
        db.session.commit()
        with count_queries() as statements:
            assert sweep(DUE + timedelta(seconds=1)) == sent(overdue=how_many, applicant_overdue=how_many)
        return len(statements)

    few = statements_for(2)
    with write_transaction():
        db.session.execute(update(CivilRequest).values(status="completed", result="resolved", completed_at=FILED, survey_reminded_at=FILED))
    assert statements_for(9) == few
