"""The demo's civil requests: `flask demo seed` files about 200 through the services, at every
step of their handling, with one counter filing whose receipt it prints, and the README tour's
requests in the states the tour describes."""
from __future__ import annotations

import random
import re
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from participation.accounts.models import User
from participation.civil_requests import clock, geo, intake, permissions
from participation.civil_requests.models import (
    Channel,
    CivilRequest,
    EventKind,
    RequestResult,
    RequestStatus,
    RequestSurvey,
    Satisfaction,
)
from participation.core.time import SEOUL, now
from participation.demo import civil_requests as demo
from participation.demo.people import DEMO_PASSWORD
from participation.extensions import db

RECEIPT = re.compile(r"Counter receipt: tracking number (\d{4}-\d{4}-\d{4}), phone (010-\d{4}-\d{4})")


def _seed(runner):
    result = runner.invoke(args=["demo", "seed", "--if-empty"])
    assert result.exit_code == 0, result.output
    return result.output


def _user(email):
    return db.session.scalar(select(User).where(User.email == email))


def _request(title):
    return db.session.scalar(select(CivilRequest).where(CivilRequest.title == title).order_by(CivilRequest.id.desc()))


def test_demo_seed_files_about_200_requests_at_every_status_result_and_rating(runner, app_ctx):
    output = _seed(runner)
    moment = now()
    requests = db.session.scalars(select(CivilRequest)).all()
    assert len(requests) == demo.TOTAL == 200
    assert f"{demo.TOTAL} civil requests" in output
    assert {r.status for r in requests} == set(RequestStatus)
    assert {r.result for r in requests if r.status == RequestStatus.COMPLETED} == set(RequestResult)
    assert set(db.session.scalars(select(RequestSurvey.satisfaction))) == set(Satisfaction)
    assert sum(r.status == RequestStatus.CLOSED_AS_REPEAT for r in requests) == 1
    overdue = [r for r in requests if r.is_overdue(moment)]
    assert len(overdue) >= 10 and all(r.is_open for r in overdue)
    assert any(r.is_open and not r.is_overdue(moment) and r.due_at is not None for r in requests)  # some on time, too
    events = Counter(kind for r in requests for kind in (e.kind for e in r.events))
    for kind, least in [(EventKind.TRANSFERRED, 10), (EventKind.COHANDLING_ASKED, 5), (EventKind.COHANDLING_ANSWERED, 5),
                        (EventKind.EXTENDED, 5), (EventKind.SUPPLEMENT_REQUESTED, 5), (EventKind.SUPPLEMENTED, 3),
                        (EventKind.REOPENED, 3), (EventKind.FOLLOW_UP, 3), (EventKind.FOLLOW_UP_ANSWERED, 1),
                        (EventKind.SUPPORTED, 5), (EventKind.EXTENSION_CONSENTED, 1), (EventKind.LINKED, 2)]:
        assert events[kind] >= least, kind
    assert any(r.completion_count == 2 for r in requests)  # reopened and answered again
    # Spread over the last 60 days, every category and 동, and every department leads some.
    assert min(r.received_at for r in requests) > moment - timedelta(days=demo.DAYS + 1)
    assert len({r.category_id for r in requests}) == len(demo.texts.CATEGORIES)
    assert len({r.district_id for r in requests}) == 8
    assert len({r.lead_department_id for r in requests}) == 6
    # Field reports come from the field staff account; web filings from residents.
    field = _user("field@demo.gongron.kr")
    reports = [r for r in requests if r.channel == Channel.FIELD]
    assert len(reports) >= 3 and all(r.applicant_id == field.id and r.is_public and r.latitude is not None for r in reports)
    assert sum(r.channel == Channel.COUNTER for r in requests) == 1
    _timelines_run_forward_in_the_past_with_officials_in_working_hours(requests, moment)
    _public_requests_are_pinned_inside_the_city_and_their_dong(requests)


def _timelines_run_forward_in_the_past_with_officials_in_working_hours(requests, moment):
    calendar = clock.Calendar()
    working = Counter()
    for request in requests:
        times = [e.at for e in request.events]
        assert request.events[0].kind == EventKind.FILED and times[0] == request.received_at
        assert times == sorted(times) and times[-1] <= moment, request.title
        for event in request.events:
            if event.actor is not None and event.actor.has_role("official"):
                local = event.at.astimezone(SEOUL)
                working[calendar.is_working_day(local.date()) and 9 <= local.hour < 18] += 1
    assert working[True] > 10 * working[False]


def _public_requests_are_pinned_inside_the_city_and_their_dong(requests):
    public = [r for r in requests if r.is_public]
    private = [r for r in requests if not r.is_public]
    assert len(public) >= 60 and len(private) >= 60
    pinned = [r for r in requests if r.latitude is not None]
    assert sum(r.is_public for r in pinned) >= 50
    for request in pinned:
        assert geo.within_city(request.latitude, request.longitude)
        assert geo.district_at(request.latitude, request.longitude) == request.district_id


def test_the_printed_counter_receipt_follows_its_request_and_the_tour_finds_each_request_as_described(runner, make_client, app_ctx):
    output = _seed(runner)
    number, phone = RECEIPT.search(output).groups()
    request = intake.find_by_tracking(number, phone)
    assert request is not None and request.title == demo.TOUR_COUNTER
    assert request.channel == Channel.COUNTER and request.applicant_id is None
    assert request.applicant_name == demo.COUNTER_RESIDENT[0] and request.contact_consented_at is not None
    assert request.filed_by.email == "counter@demo.gongron.kr" and not request.is_public
    assert intake.find_by_tracking(number, "010-9999-9999") is None
    moment = now()
    resident, roads, traffic, parks = (
        _user(f"{name}@demo.gongron.kr") for name in ("resident", "roads", "official", "parks")
    )
    transfer = _request(demo.TOUR_TRANSFER)
    assert transfer.status == RequestStatus.RECEIVED and transfer.lead_department.name_ko == "도로과" and transfer.is_public
    assert permissions.can_transfer(roads, transfer, moment) and not permissions.can_transfer(parks, transfer, moment)
    pothole = _request(demo.TOUR_COHANDLING)
    [asked] = pothole.cohandlings
    assert asked.department.name_ko == "교통정책과" and asked.answered_at is None
    assert permissions.can_answer_cohandling(traffic, pothole, moment)
    assert permissions.can_rate(resident, _request(demo.TOUR_RATE), moment)
    assert permissions.can_reopen(resident, _request(demo.TOUR_REOPEN), moment)
    assert permissions.can_supplement(resident, _request(demo.TOUR_SUPPLEMENT), moment)
    overdue = _request(demo.TOUR_OVERDUE)
    assert overdue.applicant_id == resident.id and overdue.is_overdue(moment)
    assert _request(demo.TOUR_EXTENDED).extension_count == 1
    twice = _request(demo.TOUR_EXTENDED_TWICE)
    assert twice.extension_count == 2 and twice.extension_consented_at is not None
    assert _request(demo.TOUR_FOLLOW_UP).follow_up_since is not None
    repeats = db.session.scalars(select(CivilRequest).where(CivilRequest.title == demo.TOUR_REPEAT).order_by(CivilRequest.id)).all()
    assert [r.status for r in repeats] == ["completed", "completed", "closed_as_repeat"]
    assert repeats[1].original_id == repeats[2].original_id == repeats[0].id
    # The staff accounts the tour signs in with reach their ways in.
    assert permissions.can_file_in_field(_user("field@demo.gongron.kr"), moment)
    assert permissions.can_file_at_counter(_user("counter@demo.gongron.kr"), moment)
    assert not permissions.can_file_at_counter(resident, moment)
    assert permissions.can_view_queue(roads)
    make_client().login("roads@demo.gongron.kr", password=DEMO_PASSWORD)


def test_seeding_again_changes_nothing_and_the_plans_are_the_same_every_time(runner, app_ctx):
    _seed(runner)
    before = db.session.scalar(select(func.count()).select_from(CivilRequest))
    result = runner.invoke(args=["demo", "seed", "--if-empty"])
    assert result.exit_code == 0 and "skipped" in result.output
    assert db.session.scalar(select(func.count()).select_from(CivilRequest)) == before
    stored = Counter(db.session.scalars(select(CivilRequest.title)))
    scripted = sum(stored[getattr(demo, name)] for name in dir(demo) if name.startswith("TOUR_"))
    dongs = ["햇살동", "은행나무동", "시장동", "강변동", "솔숲동", "학교동", "역전동", "공원동"]
    plans = demo._plans(random.Random(demo.SEED), dongs, demo.TOTAL - scripted)
    assert plans == demo._plans(random.Random(demo.SEED), dongs, demo.TOTAL - scripted)
    expected = Counter(p["title"].format(dong=p["dong"], spot=p["spot"]) for p in plans)
    assert expected - stored == Counter()  # every planned request was filed with its planned title

