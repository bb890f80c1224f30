"""How departments answer civil requests: the figures on /responses/departments, worked by hand,
and the working-time meter they are measured with."""
from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta

import pytest

from participation.civil_requests import clock, handling, listing
from participation.civil_requests.models import CivilRequest
from participation.extensions import db
from tests.civil_requests import public_world
from tests.civil_requests.public_world import file, seoul, step
from tests.core.test_accessibility import assert_well_structured

CALENDAR = clock.Calendar()


# --- the meter ----------------------------------------------------------------------------------


def test_the_meter_agrees_with_working_time_between_across_holidays_weekends_and_lunch():
    meter = clock.WorkingTimeMeter(CALENDAR, datetime(2026, 1, 1).date(), datetime(2026, 12, 31).date())
    rng = random.Random(14)
    start = seoul(2026, 1, 1, 0)
    for _ in range(400):
        a = start + timedelta(minutes=rng.randrange(0, 360 * 24 * 60))
        b = a + timedelta(minutes=rng.randrange(0, 40 * 24 * 60))
        assert meter.between(a, b) == clock.working_time_between(a, b, CALENDAR), (a, b)


def test_the_meter_by_hand():
    meter = clock.WorkingTimeMeter(CALENDAR, datetime(2026, 2, 1).date(), datetime(2026, 3, 31).date())
    assert meter.between(seoul(2026, 3, 10, 10), seoul(2026, 3, 11, 10)) == timedelta(hours=8)
    # Friday 17:00 before 설날 (16-18 Feb 2026) to Thursday 09:30: one hour, then half an hour.
    assert meter.between(seoul(2026, 2, 13, 17), seoul(2026, 2, 19, 9, 30)) == timedelta(hours=1, minutes=30)
    assert meter.between(seoul(2026, 3, 10, 12, 10), seoul(2026, 3, 10, 12, 50)) == timedelta(0)  # lunch
    assert meter.between(seoul(2026, 3, 11, 10), seoul(2026, 3, 10, 10)) == timedelta(0)
    # Outside the days counted it falls back to the slow count, with the same answer.
    assert meter.between(seoul(2026, 1, 30, 17), seoul(2026, 2, 2, 10)) == timedelta(hours=2)


def test_waiting_for_the_applicant_is_left_out_and_overlapping_waits_count_once():
    meter = clock.WorkingTimeMeter(CALENDAR, datetime(2026, 4, 1).date(), datetime(2026, 4, 30).date())
    received, answered = seoul(2026, 4, 6, 9), seoul(2026, 4, 7, 15)  # 13 working hours
    assert listing.answer_working_time(received, answered, [], meter) == timedelta(hours=13)
    wait = (seoul(2026, 4, 6, 11), seoul(2026, 4, 7, 11))  # 8 working hours
    assert listing.answer_working_time(received, answered, [wait], meter) == timedelta(hours=5)
    overlapping = (seoul(2026, 4, 6, 16), seoul(2026, 4, 7, 10))
    assert listing.answer_working_time(received, answered, [wait, overlapping], meter) == timedelta(hours=5)
    before = (seoul(2026, 4, 3, 9), seoul(2026, 4, 6, 10))  # cut at the receipt: 1 hour counts
    assert listing.answer_working_time(received, answered, [before], meter) == timedelta(hours=12)


# --- the figures ------------------------------------------------------------------------------------


@pytest.fixture
def record_world(app_ctx):
    """By hand (April 2026 has no public holiday):
    Roads answered A in 8 working hours (on time, satisfied), B in 5 (13 less 8 waiting for a
    supplement; on time, neutral) and C, transferred to it from Parks, in 64 (filed Mon 6 Apr
    09:00, due Tue 14 Apr 18:00, answered Thu 16 Apr 09:00: late, dissatisfied). Roads holds D,
    private and overdue, and E, private and not yet due. Parks answered F, private, in 2 working
    hours (Fri 17:00 to Mon 10:00), unrated.
    Roads: 3 answered, 2 on time (67%), median 8.0 h, satisfied/neutral/dissatisfied 1/1/1, overdue 1.
    Parks: 1 answered, 1 on time (100%), median 2.0 h, no ratings, overdue 0."""
    w = public_world.build()
    a = file(w, "A", w.lights, title="A", at=seoul(2026, 4, 7, 10))
    step(handling.complete, w.road_official, a, "resolved", "고쳤습니다.", seoul(2026, 4, 8, 10))
    step(handling.rate, w.applicant, a, "satisfied", "", seoul(2026, 4, 8, 11))
    b = file(w, "B", w.lights, title="B", at=seoul(2026, 4, 6, 9))
    step(handling.request_supplement, w.road_official, b, "위치를 알려 주세요.", seoul(2026, 4, 6, 11))
    step(handling.supplement, w.applicant, b, "정문 앞입니다.", seoul(2026, 4, 7, 11))
    step(handling.complete, w.road_official, b, "resolved", "고쳤습니다.", seoul(2026, 4, 7, 15))
    step(handling.rate, w.applicant, b, "neutral", "", seoul(2026, 4, 7, 16))
    c = file(w, "C", w.trees, title="C", at=seoul(2026, 4, 6, 9))
    step(handling.transfer, w.park_official, c, w.roads, "도로과 소관입니다.", seoul(2026, 4, 6, 10))
    step(handling.complete, w.road_official, c, "resolved", "늦었습니다.", seoul(2026, 4, 16, 9))
    step(handling.rate, w.applicant, c, "dissatisfied", "너무 늦어요.", seoul(2026, 4, 16, 10))
    file(w, "D", w.lights, title="D", public=False, at=seoul(2026, 4, 1, 10))
    file(w, "E", w.lights, title="E", public=False)
    f = file(w, "F", w.trees, title="F", public=False, at=seoul(2026, 4, 10, 17))
    step(handling.complete, w.park_official, f, "resolved", "정비했습니다.", seoul(2026, 4, 13, 10))
    return w


def test_department_figures_against_hand_built_requests(record_world):
    assert db.session.get(CivilRequest, record_world.requests["C"].id).due_at == seoul(2026, 4, 14, 18)
    records = listing.department_stats(datetime.now(UTC))
    got = [
        (r.department.name_en, r.answered, r.on_time, r.median_working_hours, r.satisfied, r.neutral, r.dissatisfied, r.overdue_now)
        for r in records
    ]
    assert got == [("Roads", 3, 2, 8.0, 1, 1, 1, 1), ("Parks", 1, 1, 2.0, 0, 0, 0, 0)]
    roads = records[0]
    assert roads.on_time_rate == pytest.approx(2 / 3) and roads.share("satisfied") == pytest.approx(1 / 3)
    assert records[1].share("satisfied") is None


def test_the_departments_page_shows_the_civil_request_table(record_world, make_client, count_queries):
    client = make_client()
    client.use_english()
    with count_queries() as statements:
        body = client.get("/responses/departments").get_data(as_text=True)
    assert_well_structured(body, "/responses/departments")
    section = body.split("Civil requests (민원)")[1]
    rows = [re.sub(r"<[^>]+>", " ", row).split() for row in re.findall(r"<tr[^>]*>\s*<th scope=\"row\">(.*?)</tr>", section, re.S)]
    assert rows == [
        ["Roads", "3", "67%", "(2", "of", "3)", "8.0", "working", "hours", "33%", "(1)", "33%", "(1)", "33%", "(1)", "1"],
        ["Parks", "1", "100%", "(1", "of", "1)", "2.0", "working", "hours", "none", "yet", "none", "yet", "none", "yet", "0"],
    ]
    assert '<tr class="overdue">\n        <th scope="row">Roads</th>' in section
    assert "count private requests too" in section
    for private_title in ("너무 늦어요", "정비했습니다", public_world.SECRET_NAME):
        assert private_title not in body
    assert len(statements) <= 15


def test_the_departments_page_before_any_request(app_ctx, make_client):
    client = make_client()
    client.use_english()
    body = client.get("/responses/departments").get_data(as_text=True)
    assert "No civil request has been filed yet." in body


def test_statistics_by_category_dong_and_month_against_hand_built_requests(record_world, make_client):
    """The same requests as record_world, counted by category and month of receipt (none has a 동)."""
    import csv
    import io

    from participation.core.time import to_local

    w = record_world
    rows = listing.request_statistics(datetime.now(UTC))
    got = [(r.category.id, r.district, r.month, r.received, r.answered, r.on_time, r.median_working_hours,
            r.satisfied, r.neutral, r.dissatisfied, r.overdue_now) for r in rows]
    this_month = to_local(db.session.get(CivilRequest, w.requests["E"].id).received_at).strftime("%Y-%m")
    lights = [(w.lights.id, None, "2026-04", 3, 2, 2, 6.5, 1, 1, 0, 1), (w.lights.id, None, this_month, 1, 0, 0, None, 0, 0, 0, 0)]
    trees = [(w.trees.id, None, "2026-04", 2, 2, 1, 33.0, 0, 0, 1, 0)]
    assert sorted(got) == sorted(lights + trees)
    # As the CSV linked from the departments' page: numbers only, nothing a private request says.
    exported = make_client().get("/requests/statistics/export?format=csv").data
    table = list(csv.reader(io.StringIO(exported[3:].decode(), newline="")))
    assert len(table) == 4 and {row[2] for row in table[1:]} == {"2026-04", this_month}
    assert ["3", "2", "2", "6.5", "1", "1", "0", "1"] in [row[3:] for row in table[1:]]
    assert "고쳤습니다" not in exported.decode() and "너무 늦어요" not in exported.decode()
