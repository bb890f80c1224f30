"""Defects found reading the filing and handling services, each with the case that showed it."""
from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text

from participation.accounts.models import User
from participation.civil_requests import handling, intake
from participation.civil_requests.models import CivilRequest, CoHandling, RequestStatus, RequestSupporter
from participation.core.db import write_transaction
from participation.core.errors import ServiceError
from participation.extensions import db
from tests.factories import make_civil_request, make_department, make_request_category, make_user

# Tuesday 2026-12-08 10:00 Seoul = 01:00 UTC.
FILED = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)


def at(day: int, hour: int) -> datetime:
    """December 2026, Seoul local hour."""
    return datetime(2026, 12, day, hour - 9, 0, tzinfo=UTC)


@pytest.fixture
def world(app_ctx):
    roads, lights = make_department("도로과"), make_department("가로등관리과")
    category = make_request_category(roads)
    return {
        "roads": roads, "lights": lights, "category": category, "resident": make_user(),
        "road": make_user(roles={"official"}, department=roads), "light": make_user(roles={"official"}, department=lights),
    }


def act(step, user, request, *args, moment, **kwargs):
    with write_transaction():
        result = step(user, request, *args, moment, version=request.version, **kwargs)
    db.session.commit()
    return result


def test_a_repeat_linked_to_an_earlier_repeat_counts_the_original_answer_too(world):
    """The official links the third complaint to the latest one it repeats, not to the first: the
    same complaint was still answered twice (the original and the first repeat), so it may be closed."""
    road, resident = world["road"], world["resident"]
    original = make_civil_request(world["category"], resident, at=FILED)
    act(handling.complete, road, original, "resolved", "교체했습니다.", moment=at(8, 12))
    second = make_civil_request(world["category"], resident, at=at(9, 10))
    act(handling.link_original, road, second, original, moment=at(9, 11))
    act(handling.complete, road, second, "resolved", "다시 교체했습니다.", moment=at(9, 12))
    third = make_civil_request(world["category"], resident, at=at(10, 10))
    act(handling.link_original, road, third, second, moment=at(10, 11))
    assert third.original_id == original.id  # the complaint's first filing, whichever repeat was picked
    act(handling.close_as_repeat, road, third, "같은 민원에 두 번 답변드렸습니다.", moment=at(10, 12))
    assert third.status == RequestStatus.CLOSED_AS_REPEAT


def test_a_request_cannot_become_the_original_of_its_own_original(world):
    road, resident = world["road"], world["resident"]
    first = make_civil_request(world["category"], resident, at=FILED)
    second = make_civil_request(world["category"], resident, at=FILED)  # the same moment: order alone cannot tell
    act(handling.link_original, road, second, first, moment=at(8, 11))
    with write_transaction():
        with pytest.raises(ServiceError) as refused:
            handling.link_original(road, first, second, at(8, 12), version=first.version)
    assert refused.value.code == "original_invalid"
    assert first.original_id is None


def test_closing_a_repeat_that_waited_for_a_supplement_ends_the_wait(world):
    road, resident = world["road"], world["resident"]
    original = make_civil_request(world["category"], resident, at=FILED)
    act(handling.complete, road, original, "resolved", "교체했습니다.", moment=at(8, 12))
    second = make_civil_request(world["category"], resident, at=FILED)
    act(handling.link_original, road, second, original, moment=at(8, 11))
    act(handling.complete, road, second, "resolved", "교체했습니다.", moment=at(8, 12))
    third = make_civil_request(world["category"], resident, at=FILED)
    act(handling.request_supplement, road, third, "위치를 알려 주세요.", moment=at(8, 13))
    act(handling.link_original, road, third, original, moment=at(8, 14))
    act(handling.close_as_repeat, road, third, "같은 민원에 두 번 답변드렸습니다.", moment=at(8, 15))
    assert [p.ended_at for p in third.pauses] == [at(8, 15)]


def test_an_extension_due_time_moves_with_a_later_supplement_wait(world):
    """영 제20조: the wait for a supplement is not counted, after an extension as before it."""
    road, resident = world["road"], world["resident"]
    request = make_civil_request(world["category"], resident, at=FILED)  # 고충 7 days: due Wed 16 Dec 18:00
    new_due = act(handling.extend, road, request, None, "부품 조달", moment=at(9, 10))
    assert new_due == at(28, 18)  # seven more working days: Thu 17 .. Thu 24, then Mon 28 (Fri 25 is 성탄절)
    act(handling.request_supplement, road, request, "사진을 보내 주세요.", moment=at(14, 10))
    act(handling.supplement, resident, request, "사진 보냅니다.", moment=at(15, 10))
    # The wait touched Mon 14 and Tue 15: two working days not counted, so two more at the end.
    assert request.due_at == at(30, 18)


def test_an_extension_given_as_a_naive_moment_is_taken_as_utc(world):
    request = make_civil_request(world["category"], world["resident"], at=FILED)
    latest = act(handling.extend, world["road"], request, at(17, 18).replace(tzinfo=None), "부품 조달", moment=at(9, 10))
    assert latest == at(17, 18)


def _stale_copy_answered_elsewhere(request: CivilRequest, cohandling_id: int, answer: str, moment) -> None:
    """Another process answers the co-handling while this session still holds the row it read."""
    with db.engine.begin() as connection:
        connection.execute(
            text("UPDATE request_cohandlings SET answer = :answer, answered_at = :at WHERE id = :id"),
            {"answer": answer, "at": moment, "id": cohandling_id},
        )
        connection.execute(text("UPDATE civil_requests SET version = version + 1 WHERE id = :id"), {"id": request.id})


def test_an_answer_given_meanwhile_is_not_overwritten_by_a_second_one(world):
    road, light = world["road"], world["light"]
    request = make_civil_request(world["category"], world["resident"], at=FILED)
    asked = act(handling.ask_cohandling, road, request, world["lights"], "현장 확인 부탁드립니다.", moment=at(8, 11))
    assert asked.answered_at is None  # this session has read it unanswered
    _stale_copy_answered_elsewhere(request, asked.id, "첫 번째 답", at(8, 12))
    with write_transaction():
        with pytest.raises(ServiceError) as refused:
            handling.answer_cohandling(light, request, "두 번째 답", at(8, 13))  # a caller that sent no version
    assert refused.value.code == "already_answered"
    db.session.rollback()
    assert db.session.scalar(select(CoHandling.answer).where(CoHandling.id == asked.id)) == "첫 번째 답"


def test_a_transfer_keeps_a_part_answered_meanwhile(world):
    road = world["road"]
    request = make_civil_request(world["category"], world["resident"], at=FILED)
    asked = act(handling.ask_cohandling, road, request, world["lights"], "현장 확인 부탁드립니다.", moment=at(8, 11))
    _stale_copy_answered_elsewhere(request, asked.id, "가로등 교체 예정입니다.", at(8, 12))
    with write_transaction():
        handling.transfer(road, request, world["lights"], "가로등은 가로등관리과 소관", at(8, 13))
    db.session.commit()
    assert db.session.scalar(select(CoHandling.answer).where(CoHandling.id == asked.id)) == "가로등 교체 예정입니다."


def test_same_problem_clicked_twice_at_once_counts_once(app, world):
    """Two requests of one browser (a double click): the second waits for the first and is told it
    was already counted, not answered with a database error."""
    request = make_civil_request(world["category"], world["resident"], is_public=True, at=FILED)
    neighbour = make_user()
    request_id, neighbour_id = request.id, neighbour.id
    db.session.commit()
    first_added, results, errors = threading.Event(), {}, []

    def click(name, hold):
        try:
            with app.app_context():
                with write_transaction():
                    results[name] = intake.support(db.session.get(User, neighbour_id), db.session.get(CivilRequest, request_id), at(8, 12))
                    if hold:
                        first_added.set()
                        time.sleep(0.5)  # the second click arrives while this one is not yet committed
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - the test reports whatever the second click met
            errors.append(exc)
            first_added.set()

    first = threading.Thread(target=click, args=("first", True))
    first.start()
    first_added.wait(10)
    second = threading.Thread(target=click, args=("second", False))
    second.start()
    first.join(10)
    second.join(10)
    assert not errors, errors
    assert results == {"first": True, "second": False}
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(RequestSupporter)) == 1
    assert db.session.get(CivilRequest, request_id).supporter_count == 1

