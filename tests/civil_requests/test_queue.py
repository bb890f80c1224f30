"""The department queue: soonest due first, overdue said in words, follow-ups back in it, filters,
co-handling asks in their own section, and a fixed number of statements however many rows."""
from __future__ import annotations

import re
from datetime import timedelta

from participation.civil_requests import handling
from participation.core.db import write_transaction
from participation.core.time import now
from participation.extensions import db
from tests.civil_requests.handling_helpers import make_world
from tests.deliberation.helpers import signed_in, text_of
from tests.factories import make_civil_request, make_request_category

ROW = re.compile(r'<tr class="([^"]*)">\s*<th scope="row"><a href="/requests/(\d+)/handle"')


def _rows(response) -> list[tuple[int, str]]:
    return [(int(request_id), classes) for classes, request_id in ROW.findall(response.get_data(as_text=True))]


def _file(w, days_ago: float = 0, **options):
    return make_civil_request(w["category"], w["applicant"], at=now() - timedelta(days=days_ago), **options)


def test_the_queue_is_sorted_by_due_time_with_overdue_marked_in_words(app, app_ctx, make_client):
    w = make_world(make_client, at=now() - timedelta(days=3))
    overdue = _file(w, days_ago=30)
    newest = _file(w)
    paused = _file(w, days_ago=1)
    with write_transaction():
        handling.request_supplement(w["road"], paused, "사진을 보내 주세요", now(), version=paused.version)
    db.session.commit()
    elsewhere = make_civil_request(make_request_category(w["parks"]), w["applicant"])
    road = w["client"]("road")
    page = road.get("/requests/queue")
    assert page.status_code == 200
    rows = _rows(page)
    assert [request_id for request_id, _ in rows] == [overdue.id, w["request"].id, newest.id, paused.id]
    assert elsewhere.id not in [request_id for request_id, _ in rows]
    assert rows[0][1] == "overdue" and rows[1][1] == ""
    html = text_of(page)
    assert "Overdue: was due" in html and "Waiting for the applicant's supplement" in html


def test_due_soon_and_follow_ups_are_flagged(app, app_ctx, make_client):
    w = make_world(make_client)
    # 기타 (immediate): three working hours, so due within a working day (or already past it, after hours).
    soon = make_civil_request(make_request_category(w["roads"], kind="other"), w["applicant"])  # 3 working hours
    with write_transaction():
        handling.complete(w["road"], w["request"], "resolved", "교체했습니다", now(), version=w["request"].version)
    with write_transaction():
        handling.rate(w["applicant"], w["request"], "dissatisfied", "아직 어둡습니다", now())
    db.session.commit()
    page = w["client"]("road").get("/requests/queue")
    rows = dict(_rows(page))
    assert rows[soon.id] in ("due-today", "overdue")  # three working hours: never more than a working day away
    assert w["request"].id in rows  # answered, but back as a follow-up
    html = text_of(page)
    assert "Follow-up: the applicant was not satisfied" in html
    only = w["client"]("road").get("/requests/queue?status=follow_up")
    assert [request_id for request_id, _ in _rows(only)] == [w["request"].id]


def test_filters_by_status_handler_and_category(app, app_ctx, make_client):
    w = make_world(make_client)
    mine = _file(w)
    with write_transaction():
        handling.assign(w["road"], mine, w["road"], now(), version=mine.version)
        handling.start(w["road"], mine, now(), version=mine.version)
    db.session.commit()
    other_category = make_request_category(w["roads"], name_ko="도로 파손")
    pothole = make_civil_request(other_category, w["applicant"])
    road = w["client"]("road")
    ids = lambda url: {request_id for request_id, _ in _rows(road.get(url))}  # noqa: E731
    assert ids("/requests/queue") == {w["request"].id, mine.id, pothole.id}
    assert ids("/requests/queue?handler=mine") == {mine.id}
    assert ids("/requests/queue?handler=unassigned") == {w["request"].id, pothole.id}
    assert ids("/requests/queue?status=in_progress") == {mine.id}
    assert ids(f"/requests/queue?category={other_category.id}") == {pothole.id}
    # Nonsense in the query is no filter, never an error.
    assert ids("/requests/queue?status=nonsense&handler=x&category=abc&page=-3&section=zzz") == {w["request"].id, mine.id, pothole.id}


def test_cohandling_asks_have_their_own_section(app, app_ctx, make_client):
    w = make_world(make_client)
    with write_transaction():
        handling.ask_cohandling(w["road"], w["request"], w["parks"], "공원 안인지 확인 부탁드립니다", now(), version=w["request"].version)
    db.session.commit()
    park = w["client"]("park")
    assert _rows(park.get("/requests/queue")) == []
    asked = park.get("/requests/queue?section=cohandling")
    assert [request_id for request_id, _ in _rows(asked)] == [w["request"].id]
    assert "Your part is awaited" in text_of(asked)
    assert "Co-handling answered: 0/1" in text_of(w["client"]("road").get("/requests/queue"))
    assert _rows(w["client"]("road").get("/requests/queue?section=cohandling")) == []


def test_admins_see_every_department_or_choose_one_and_residents_none(app, app_ctx, make_client):
    w = make_world(make_client)
    elsewhere = make_civil_request(make_request_category(w["parks"]), w["applicant"])
    admin = w["client"]("admin")
    assert {i for i, _ in _rows(admin.get("/requests/queue"))} == {w["request"].id, elsewhere.id}
    assert {i for i, _ in _rows(admin.get(f"/requests/queue?department={w['parks'].id}"))} == {elsewhere.id}
    # An official's own department only, whatever the query says.
    assert {i for i, _ in _rows(w["client"]("road").get(f"/requests/queue?department={w['parks'].id}"))} == {w["request"].id}
    assert w["client"]("applicant").get("/requests/queue").status_code == 403
    assert make_client().get("/requests/queue").status_code == 302


def test_the_queue_is_paginated(app, app_ctx, make_client):
    w = make_world(make_client)
    for _ in range(26):
        _file(w)
    road = w["client"]("road")
    first, second = road.get("/requests/queue"), road.get("/requests/queue?page=2")
    assert len(_rows(first)) == 25 and len(_rows(second)) == 2
    assert "Page 1 of 2" in text_of(first)


def test_the_queue_runs_the_same_statements_for_5_rows_and_50(app, app_ctx, make_client, count_queries):
    w = make_world(make_client)
    road_client = signed_in(make_client, w["road"])

    filed = [w["request"]]

    def fill(count: int):
        while len(filed) < count:
            request = _file(w)
            filed.append(request)
            with write_transaction():
                handling.assign(w["road"], request, w["road2"], now(), version=request.version)
                handling.ask_cohandling(w["road"], request, w["parks"], "확인 부탁드립니다", now(), version=request.version)
            db.session.commit()

    counts = []
    for size in (5, 50):
        fill(size)
        with count_queries() as statements:
            page = road_client.get("/requests/queue")
        assert page.status_code == 200
        assert len(_rows(page)) == min(size, 25)
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
