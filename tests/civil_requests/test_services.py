"""Filing and handling services: the whole path of one request, and the refusals the statute names."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from participation.civil_requests import handling, intake, permissions
from participation.civil_requests.models import EventKind, RequestCategory, RequestStatus
from participation.civil_requests.timeline import StaleRequest
from participation.core.db import write_transaction
from participation.core.errors import ServiceError
from participation.extensions import db
from tests.factories import make_department, make_user

# Tuesday 2026-12-08 10:00 Seoul = 01:00 UTC.
FILED = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)


@pytest.fixture
def world(app_ctx):
    roads = make_department("도로과", name_en="Roads")
    lights = make_department("가로등관리과", name_en="Street Lights")
    category = RequestCategory(name_ko="가로등 고장", kind="grievance", department_id=roads.id, created_at=FILED)
    db.session.add(category)
    resident = make_user()
    road_official = make_user(roles={"official"}, department=roads)
    light_official = make_user(roles={"official"}, department=lights)
    db.session.commit()
    return {"roads": roads, "lights": lights, "category": category, "resident": resident,
            "road": road_official, "light": light_official}


def _file(world, **overrides):
    data = intake.RequestData(category=world["category"], title="가로등이 꺼졌어요", description="골목 가로등이 사흘째 꺼져 있습니다.",
                              latitude=35.16, longitude=126.85, **overrides)
    with write_transaction():
        request = intake.file_request(world["resident"], data, FILED)
    db.session.commit()
    return request


def at(day: int, hour: int) -> datetime:
    """December 2026, Seoul local hour."""
    return datetime(2026, 12, day, hour - 9, 0, tzinfo=UTC)


def test_filing_routes_to_the_category_department_and_starts_the_clock(world):
    request = _file(world)
    assert request.lead_department_id == world["roads"].id
    assert request.status == RequestStatus.RECEIVED
    # 고충 7 days, counted in days (6 or more), the day of receipt included: Tue 8 .. Wed 16 Dec, 18:00.
    assert request.due_at == at(16, 18)
    assert [e.kind for e in request.events] == [EventKind.FILED]
    assert len(request.tracking_number) == 14
    assert not request.is_public


def test_filing_refuses_a_pin_outside_the_city_and_a_retired_category(world):
    data = intake.RequestData(category=world["category"], title="t", description="d", latitude=37.5, longitude=127.0)
    with pytest.raises(ServiceError) as refused:
        intake.file_request(world["resident"], data, FILED)
    assert refused.value.code == "outside_city"
    world["category"].retired_at = FILED
    with pytest.raises(ServiceError) as refused:
        intake.file_request(world["resident"], intake.RequestData(category=world["category"], title="t", description="d"), FILED)
    assert refused.value.code == "category_retired"
    db.session.rollback()


def test_transfer_extend_answer_and_rate(world):
    request = _file(world)
    road, light = world["road"], world["light"]
    with write_transaction():
        handling.start(road, request, at(8, 11), version=request.version)
    with write_transaction():
        with pytest.raises(ServiceError) as refused:
            handling.transfer(road, request, world["roads"], "같은 부서", at(8, 12))
        assert refused.value.code == "same_department"
    with write_transaction():
        handling.transfer(road, request, world["lights"], "가로등은 가로등관리과 소관", at(8, 12), version=request.version)
    db.session.commit()
    assert request.lead_department_id == world["lights"].id
    assert request.due_at == at(16, 18)  # within the city the clock keeps its receipt time
    assert not permissions.can_handle(road, request, at(8, 13))
    with write_transaction():
        with pytest.raises(ServiceError) as refused:
            handling.complete(road, request, "resolved", "고쳤습니다", at(8, 13))
        assert refused.value.code == "not_lead_department"
    with write_transaction():
        handling.start(light, request, at(8, 14), version=request.version)
        new_due = handling.extend(light, request, None, "부품 조달", at(9, 10), version=request.version)
    db.session.commit()
    assert new_due > at(16, 18)
    with write_transaction():
        with pytest.raises(ServiceError) as refused:
            handling.extend(light, request, None, "또 연장", at(9, 11), version=request.version)
        assert refused.value.code == "consent_required"
    with write_transaction():
        with pytest.raises(ServiceError) as refused:
            handling.complete(light, request, "not_possible", "불가", at(9, 12), version=request.version)
        assert refused.value.field == "reason"
    version = request.version
    with write_transaction():
        handling.complete(light, request, "resolved", "교체했습니다", at(9, 12), version=version)
    db.session.commit()
    with write_transaction():
        with pytest.raises(StaleRequest):
            handling.complete(light, request, "resolved", "두 번째 답", at(9, 12), version=version)
    with write_transaction():
        handling.rate(world["resident"], request, "dissatisfied", "아직 어둡습니다", at(10, 9))
    db.session.commit()
    assert request.follow_up_since is not None
    with write_transaction():
        with pytest.raises(ServiceError) as refused:
            handling.rate(world["resident"], request, "satisfied", "", at(10, 10))
        assert refused.value.code == "already_rated"
    kinds = [e.kind for e in request.events]
    assert kinds[:3] == [EventKind.FILED, EventKind.STARTED, EventKind.TRANSFERRED]
    assert EventKind.EXTENDED in kinds and EventKind.COMPLETED in kinds and EventKind.FOLLOW_UP in kinds


def test_supplement_stops_the_clock_and_moves_it_on(world):
    request = _file(world)
    road = world["road"]
    with write_transaction():
        handling.request_supplement(road, request, "사진을 한 장 더 보내 주세요", at(9, 10), version=request.version)
    db.session.commit()
    assert request.status == RequestStatus.AWAITING_SUPPLEMENT and request.due_at is None
    assert not request.is_overdue(at(30, 10))
    with write_transaction():
        handling.supplement(world["resident"], request, "사진 보냅니다", at(10, 10), version=request.version)
    db.session.commit()
    # The pause touched Wed 9 and Thu 10 (both counted out on a days-period): due two working days later.
    assert request.due_at == at(18, 18)


def test_same_problem_counts_each_person_once(world):
    request = _file(world, is_public=True)
    neighbour = make_user()
    with write_transaction():
        assert intake.support(neighbour, request, at(8, 12)) is True
    with write_transaction():
        assert intake.support(neighbour, request, at(8, 13)) is False
        with pytest.raises(ServiceError) as refused:
            intake.support(world["resident"], request, at(8, 13))
        assert refused.value.code == "own_request"
    db.session.commit()
    db.session.refresh(request)
    assert request.supporter_count == 1


def test_a_reopened_request_gets_a_fresh_period_and_progress_notices(world):
    request = _file(world)
    light = world["road"]
    with write_transaction():
        handling.complete(light, request, "resolved", "고쳤습니다", at(9, 10), version=request.version)
    with write_transaction():
        handling.reopen(world["resident"], request, "다시 꺼졌어요", at(14, 10), version=request.version)
    db.session.commit()
    assert request.status == RequestStatus.IN_PROGRESS and request.result is None
    assert request.received_at == FILED  # the receipt is kept; the clock counts from the reopening
    # 7 days from Mon 14 Dec, the day itself included: 14..18, 21, 22 -> Tue 22 Dec 18:00.
    assert request.due_at == at(22, 18)
    assert request.next_progress_notice_at is not None
    assert intake.normalise_phone("010-1234-5678") == "01012345678"
    with pytest.raises(ServiceError):
        intake.normalise_phone("02-123-4567")
