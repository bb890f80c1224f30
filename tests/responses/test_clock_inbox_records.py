"""Response clocks in Seoul days, the department inbox, and each department's public record."""
from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

import pytest
from babel.dates import format_date

from participation.core.time import SEOUL, now
from participation.extensions import db
from participation.responses import clock, services
from participation.responses.models import ResponseDue
from tests.core.test_accessibility import assert_well_structured
from tests.deliberation.helpers import plain, signed_in, text_of, visitor
from tests.factories import make_category, make_department, make_idea, make_round, make_user
from tests.responses.helpers import answer, closed_round, official_of, set_due


def seoul(y, m, d, hh=0, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SEOUL).astimezone(UTC)


def seoul_day(days_from_today: int, hh: int = 18) -> datetime:
    """hh:00 Seoul time, some days from today in Seoul."""
    today = now().astimezone(SEOUL).date()
    return datetime.combine(today + timedelta(days=days_from_today), time(hh), tzinfo=SEOUL).astimezone(UTC)


def english_day(moment: datetime) -> str:
    return format_date(clock.seoul_date(moment), "MMM d, yyyy", locale="en")


# --- the clock, counted in Seoul calendar days ------------------------------------------------------------


DUE = seoul(2026, 12, 1, 0, 30)  # 2026-11-30 15:30 UTC: already 1 December in Seoul


@pytest.mark.parametrize(
    ("at", "state", "days"),
    [
        (seoul(2026, 11, 26, 9), "open", 5),
        (seoul(2026, 11, 30, 23), "open", 1),  # the same UTC date as the deadline, but the day before in Seoul
        (seoul(2026, 12, 1, 0, 10), "today", 0),
        (seoul(2026, 12, 1, 0, 30), "today", 0),  # at the due minute itself an answer is still on time
        (seoul(2026, 12, 1, 0, 31), "overdue", 0),  # a minute later: overdue, "since today"
        (seoul(2026, 12, 3, 23, 30), "overdue", 2),  # 3 days after in UTC dates, 2 in Seoul
        (seoul(2026, 12, 4, 1), "overdue", 3),
    ],
)
def test_the_countdown_counts_seoul_days(at, state, days):
    c = clock.countdown(ResponseDue(due_at=DUE, answered_at=None), at)
    assert (c.state, c.days, c.due_date.isoformat()) == (state, days, "2026-12-01")


def test_an_answered_clock_says_whether_it_was_on_time():
    on_time = clock.countdown(ResponseDue(due_at=DUE, answered_at=DUE - timedelta(days=2)), DUE + timedelta(days=30))
    late = clock.countdown(ResponseDue(due_at=DUE, answered_at=seoul(2026, 12, 4, 10)), DUE + timedelta(days=30))
    assert (on_time.state, on_time.late) == ("answered", False)
    assert (late.state, late.late, late.days) == ("answered", True, 3)


def test_the_idea_page_counts_down_and_then_shows_overdue(app_ctx, make_client):
    setting = closed_round(publish=True)
    client = visitor(make_client)
    due = set_due(setting.selected, seoul_day(5))
    page = plain(client.get(f"/ideas/{setting.selected.id}").get_data(as_text=True))
    assert f"D-5: answer due {english_day(due.due_at)}" in page
    assert "response-clock-overdue" not in page

    due = set_due(setting.selected, seoul_day(-3))
    response = client.get(f"/ideas/{setting.selected.id}")
    assert 'class="response-clock response-clock-overdue"' in response.get_data(as_text=True)
    page = plain(response.get_data(as_text=True))
    assert "Overdue by 3 days" in page
    assert f"(answer was due {english_day(due.due_at)} )" in page
    assert_well_structured(response.get_data(as_text=True), "idea page")


# --- the inbox -------------------------------------------------------------------------------------------------


def owe(department, due_at, *, round_=None, title=None):
    """An idea whose answer `department` owes by `due_at` (a clock opened through the service)."""
    round_ = round_ or make_round("closed", categories=[make_category(department)])
    idea = make_idea(round_, title=title or f"제안 {due_at:%m%d%H}")
    due = services.open_clock(
        idea, tier=round_.tiers[0], department_id=department.id, reason="selected", started_at=round_.voting_closes_at, due_at=due_at
    )
    db.session.commit()
    return idea, due


def test_an_official_s_inbox_lists_their_department_s_open_clocks_soonest_first(app_ctx, make_client):
    mine, theirs = make_department(), make_department()
    later, _ = owe(mine, seoul_day(9), title="늦게 마감")
    overdue, _ = owe(mine, seoul_day(-3), title="이미 지남")
    sooner, _ = owe(mine, seoul_day(2), title="곧 마감")
    other, _ = owe(theirs, seoul_day(1), title="다른 부서")
    answered, due = owe(mine, seoul_day(1), title="답변 완료")
    due.answered_at = now()
    db.session.commit()

    response = signed_in(make_client, official_of(mine)).get("/responses/inbox")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert_well_structured(body, "inbox")
    titles = re.findall(r'<th scope="row"><a href="/ideas/\d+"[^>]*>([^<]+)</a>', body)
    assert titles == ["이미 지남", "곧 마감", "늦게 마감"]
    page = plain(body)
    assert "Overdue by 3 days" in page and "D-2: answer due" in page and "D-9: answer due" in page
    assert '<tr class="overdue">' in body and body.count('<tr class="overdue">') == 1
    assert "1 is overdue." in page
    assert f'href="/ideas/{overdue.id}/response"' in body


def test_admins_see_every_department_and_can_choose_one(app_ctx, make_client):
    first, second = make_department(name_en="Parks"), make_department(name_en="Roads")
    owe(first, seoul_day(4), title="공원 제안")
    owe(second, seoul_day(3), title="도로 제안")
    admin = signed_in(make_client, make_user(roles={"admin"}))
    everything = text_of(admin.get("/responses/inbox"))
    assert everything.index("도로 제안") < everything.index("공원 제안")
    assert "Parks" in everything and "Roads" in everything
    only_parks = text_of(admin.get(f"/responses/inbox?department_id={first.id}"))
    assert "공원 제안" in only_parks and "도로 제안" not in only_parks
    # A department that does not exist is ignored, not an error.
    assert "도로 제안" in text_of(admin.get("/responses/inbox?department_id=999999"))


def test_the_inbox_costs_the_same_queries_for_few_or_many_rows(app_ctx, make_client, count_queries):
    department = make_department()
    round_ = make_round("closed", categories=[make_category(department)])
    client = signed_in(make_client, official_of(department))
    counts = []
    for n in (2, 7):
        while db.session.scalar(db.select(db.func.count()).select_from(ResponseDue)) < n:
            owe(department, seoul_day(n), round_=round_)
        with count_queries() as statements:
            assert client.get("/responses/inbox").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


# --- each department's public record -------------------------------------------------------------------------


def test_department_records_are_counted_from_published_rounds(app_ctx, make_client):
    """By hand: Parks answered in 3 days and 8 days (on time) and 20 days (late), owes one
    overdue and one not yet due answer: median 8.0. Roads answered once in 1.5 days.
    An unpublished round's overdue clock (Roads) is not counted."""
    parks, roads = make_department(name_ko="공원녹지과", name_en="Parks"), make_department(name_ko="도로과", name_en="Roads")
    published = make_round("closed", at=now() - timedelta(days=30), categories=[make_category(parks), make_category(roads)])
    start = published.voting_closes_at
    day = timedelta(days=1)
    for department, due_at, answered_at in [
        (parks, start + 14 * day, start + 3 * day),  # on time, 3 days
        (parks, start + 14 * day, start + 20 * day),  # late, 20 days
        (parks, start + 14 * day, start + 8 * day),  # on time, 8 days
        (parks, now() - 2 * day, None),  # overdue
        (parks, now() + 5 * day, None),  # waiting
        (roads, start + 14 * day, start + 1.5 * day),  # on time, 1.5 days
    ]:
        _idea, due = owe(department, due_at, round_=published)
        due.answered_at = answered_at
    published.closed_at = published.published_at = start
    unpublished = make_round("closed", categories=[make_category(roads)])
    owe(roads, now() - 4 * day, round_=unpublished)
    db.session.commit()

    records = services.department_records(now())
    assert [(r.department.name_en, r.on_time, r.late, r.overdue, r.waiting, r.median_days) for r in records] == [
        ("Parks", 2, 1, 1, 1, 8.0),
        ("Roads", 1, 0, 0, 0, 1.5),
    ]
    response = visitor(make_client).get("/responses/departments")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert_well_structured(body, "departments")
    assert "<caption id=\"records-caption\">" in body and '<th scope="row">' in body
    rows = [re.sub(r"<[^>]+>", " ", row).split() for row in re.findall(r"<tr[^>]*>\s*<th scope=\"row\">(.*?)</tr>", body, re.S)]
    assert rows == [["Parks", "2", "1", "1", "1", "8.0"], ["Roads", "1", "0", "0", "0", "1.5"]]
    # The same record as CSV and Excel, linked from the page: numbers as numbers in Excel.
    import csv
    import io

    from openpyxl import load_workbook

    assert "/responses/departments/export?format=xlsx" in body and "Download Excel" in body
    exported = visitor(make_client).get("/responses/departments/export?format=csv").data
    assert exported.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(exported[3:].decode(), newline="")))
    assert table[0][0] == "Department" and table[1:] == rows
    sheet = load_workbook(io.BytesIO(visitor(make_client).get("/responses/departments/export?format=xlsx").data)).active
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=2)] == [["Parks", 2, 1, 1, 1, 8.0], ["Roads", 1, 0, 0, 0, 1.5]]


def test_the_departments_page_is_linked_from_every_page_and_the_inbox_from_the_header(app_ctx, make_client):
    assert 'href="/responses/departments"' in visitor(make_client).get("/").get_data(as_text=True)
    assert 'href="/responses/inbox"' not in signed_in(make_client, make_user()).get("/").get_data(as_text=True)
    assert 'href="/responses/inbox"' in signed_in(make_client, official_of(make_department())).get("/").get_data(as_text=True)
    assert 'href="/responses/inbox"' in signed_in(make_client, make_user(roles={"admin"})).get("/").get_data(as_text=True)


def test_a_published_round_s_answered_idea_counts_through_the_real_services(app_ctx):
    setting = closed_round(publish=True)
    answer(official_of(setting.answering), setting.selected)
    record = {r.department.id: r for r in services.department_records(now())}[setting.answering.id]
    assert (record.on_time, record.late, record.overdue, record.waiting) == (1, 0, 0, 0)
    assert record.median_days is not None and record.median_days >= 0
