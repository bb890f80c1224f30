"""A resident who filed at a counter has no account: the lead department records, in their stead,
the supplement and the consent to a second extension they gave by phone, in person or by post."""
from __future__ import annotations

from participation.civil_requests import intake, permissions
from participation.civil_requests.models import Channel, EventKind, RequestStatus
from participation.core.db import write_transaction
from participation.core.time import now
from participation.extensions import db
from tests.civil_requests.handling_helpers import act, make_world
from tests.factories import make_user


def _counter_filing(world):
    counter = make_user(roles={"counter"})
    with write_transaction():
        request = intake.file_request(
            counter, intake.RequestData(category=world["category"], title="보도블록이 깨졌어요", description="시장 앞입니다."), now(),
            channel=Channel.COUNTER, on_behalf=intake.OnBehalf(name="창구주민", phone="010-2345-6789", email=None, consented=True),
        )
    db.session.commit()
    return request


def test_the_department_records_a_supplement_given_by_phone(app, app_ctx, make_client):
    world = make_world(make_client)
    request = _counter_filing(world)
    road = world["client"]("road")
    assert act(road, request, "ask_supplement", note="정확한 위치를 알려 주세요.").status_code == 302
    db.session.refresh(request)
    assert request.status == RequestStatus.AWAITING_SUPPLEMENT and request.due_at is None
    page = road.get(f"/requests/{request.id}/handle").get_data(as_text=True)
    assert "/record-supplement" in page
    # Not for another department, and not for an online applicant's request (they answer themselves).
    assert act(world["client"]("light"), request, "record_supplement", note="x").status_code == 404
    assert act(road, request, "record_supplement", note="").status_code == 422
    assert act(road, request, "record_supplement", note="전화로: 시장 정문 앞 세 번째 블록").status_code == 302
    db.session.refresh(request)
    assert request.status == RequestStatus.IN_PROGRESS and request.due_at is not None
    assert request.events[-1].kind == EventKind.SUPPLEMENTED and "시장 정문" in request.events[-1].note
    online = world["request"]
    assert not permissions.can_record_supplement(world["road"], online, now())


def test_the_department_records_consent_to_a_second_extension_and_then_extends(app, app_ctx, make_client):
    world = make_world(make_client)
    request = _counter_filing(world)
    road = world["client"]("road")
    assert act(road, request, "extend", reason="부품 조달").status_code == 302
    second = act(road, request, "extend", reason="추가 공사")
    assert second.status_code == 422 and "consent" in second.get_data(as_text=True)
    assert act(road, request, "record_consent", note="").status_code == 422
    assert act(road, request, "record_consent", note="12월 3일 전화로 동의").status_code == 302
    db.session.refresh(request)
    assert request.extension_consented_at is not None
    assert not permissions.can_record_consent(world["road"], request, now())  # once
    assert act(road, request, "extend", reason="추가 공사").status_code == 302
    db.session.refresh(request)
    assert request.extension_count == 2
