"""The shared status, clock and timeline macros: every step named, overdue said in words, names kept for the departments."""
from __future__ import annotations

from datetime import timedelta

from flask import render_template_string

from participation.civil_requests import handling, labels
from participation.civil_requests.models import EventKind, RequestStatus
from participation.core.db import write_transaction
from participation.core.time import now
from participation.extensions import db
from tests.factories import make_civil_request, make_department, make_request_category, make_user

MACROS = '{% from "_macros/civil_requests.html" import status_badge, request_clock, timeline %}'


def test_every_status_and_step_has_a_label():
    assert set(labels.STATUS_LABELS) == {s.value for s in RequestStatus}
    assert set(labels.EVENT_LABELS) == {k.value for k in EventKind}


def test_timeline_shows_each_step_and_keeps_names_for_handlers(app, app_ctx):
    roads, lights = make_department("도로과"), make_department("가로등관리과")
    official = make_user(roles={"official"}, department=roads)
    request = make_civil_request(make_request_category(roads))
    with write_transaction():
        handling.ask_cohandling(official, request, lights, "전기 점검 일정을 알려 주세요.", now())
    db.session.commit()
    with app.test_request_context("/", headers={"Accept-Language": "ko"}):
        public = render_template_string(MACROS + "{{ timeline(r.events) }}", r=request)
        internal = render_template_string(MACROS + "{{ timeline(r.events, internal=True) }}", r=request)
    assert "접수됨" in public and "협조 요청" in public and "가로등관리과" in public
    assert official.display_name not in public  # officials' names are for the departments
    assert official.display_name in internal


def test_overdue_is_said_in_words(app, app_ctx):
    request = make_civil_request()
    later = request.due_at + timedelta(minutes=1)
    assert labels.is_overdue(request, later) and not labels.is_overdue(request, request.due_at)
    with app.test_request_context("/", headers={"Accept-Language": "ko"}):
        html = render_template_string(MACROS + "{{ status_badge(r) }} {{ request_clock(r, later) }}", r=request, later=later)
    assert "기한 경과" in html and "countdown-overdue" in html and "접수" in html


def test_a_public_requests_timeline_keeps_the_applicants_comment_to_them(app, app_ctx):
    from participation.civil_requests.models import RequestResult

    roads = make_department("도로과")
    official = make_user(roles={"official"}, department=roads)
    applicant = make_user()
    request = make_civil_request(make_request_category(roads), applicant, is_public=True)
    with write_transaction():
        handling.complete(official, request, RequestResult.RESOLVED.value, "교체했습니다.", now())
    db.session.commit()
    handling.rate(applicant, request, "dissatisfied", "여전히 어둡습니다", now())
    db.session.commit()
    with app.test_request_context("/", headers={"Accept-Language": "ko"}):
        public = render_template_string(MACROS + "{{ timeline(r.events) }}", r=request)
        own = render_template_string(MACROS + "{{ timeline(r.events, applicant=True) }}", r=request)
    assert "여전히 어둡습니다" not in public and "여전히 어둡습니다" in own
