"""The handler's workspace: every step through its form, the permission of each, stale pages, JSON callers,
and a department the request was transferred away from."""
from __future__ import annotations

from datetime import timedelta

from participation.civil_requests import handling
from participation.civil_requests.models import CivilRequest, EventKind, RequestStatus
from participation.core.db import write_transaction
from participation.core.time import now, to_local
from participation.extensions import db
from tests.civil_requests.handling_helpers import act, make_world
from tests.deliberation.helpers import signed_in, text_of
from tests.factories import make_civil_request, make_user

JSON = {"Accept": "application/json"}


def _handle(client, request):
    return client.get(f"/requests/{request.id}/handle")


def _reload(request) -> CivilRequest:
    db.session.expire_all()
    return db.session.get(CivilRequest, request.id)


def test_the_workspace_shows_the_request_with_its_applicant_to_the_lead_department_only(app, app_ctx, make_client):
    w = make_world(make_client)
    road = w["client"]("road")
    page = _handle(road, w["request"])
    assert page.status_code == 200
    html = text_of(page)
    assert "신청한주민" in html and w["applicant"].email in html
    assert w["request"].tracking_number in html and "Every step" in html
    # One form per allowed step: a new request can be started, not closed as a repeat nor answered as a co-department.
    for step in ("assign", "start", "ask-supplement", "transfer", "ask-cohandling", "extend", "complete", "link"):
        assert f'action="/requests/{w["request"].id}/{step}"' in html, step
    for step in ("close-repeat", "answer-cohandling", "answer-follow-up"):
        assert f'action="/requests/{w["request"].id}/{step}"' not in html, step
    # The answer starts from the category's template.
    assert "안녕하십니까. 문의하신 가로등은" in html
    for name in ("light", "applicant"):
        assert _handle(w["client"](name), w["request"]).status_code == 404
    assert _handle(make_client(), w["request"]).status_code == 302  # a visitor signs in first
    assert _handle(w["client"]("admin"), w["request"]).status_code == 200
    # The request page links handlers here, and nobody else.
    assert f'/requests/{w["request"].id}/handle' in road.get(f"/requests/{w['request'].id}").get_data(as_text=True)
    assert "/handle" not in w["client"]("applicant").get(f"/requests/{w['request'].id}").get_data(as_text=True)


def test_assign_to_an_official_of_the_lead_department_then_start(app, app_ctx, make_client):
    w = make_world(make_client)
    road, r = w["client"]("road"), w["request"]
    refused = act(road, r, "assign", handler_id=w["light"].id)
    assert refused.status_code == 422 and "Choose one of the options." in text_of(refused)
    done = act(road, r, "assign", handler_id=w["road2"].id)
    assert done.status_code == 302 and done.location.endswith(f"/requests/{r.id}/handle")
    assert _reload(r).handler_id == w["road2"].id
    assert act(road, r, "start").status_code == 302
    r = _reload(r)
    assert r.status == RequestStatus.IN_PROGRESS and r.handler_id == w["road2"].id
    # Started already: the page says so once, the form is gone and a post is refused.
    page = _handle(road, r).get_data(as_text=True)
    assert "Handling has started." in page and f'action="/requests/{r.id}/start"' not in page
    assert "Handling has started." not in _handle(road, r).get_data(as_text=True)
    assert act(road, r, "start").status_code == 403


def test_ask_for_a_supplement_says_what_is_missing(app, app_ctx, make_client):
    w = make_world(make_client)
    road, r = w["client"]("road"), w["request"]
    empty = act(road, r, "ask_supplement", note="  ")
    assert empty.status_code == 422 and "Say what the applicant needs to add." in text_of(empty)
    assert act(road, r, "ask_supplement", note="사진을 한 장 더 보내 주세요").status_code == 302
    r = _reload(r)
    assert r.status == RequestStatus.AWAITING_SUPPLEMENT and r.due_at is None
    html = _handle(road, r).get_data(as_text=True)
    assert f'action="/requests/{r.id}/complete"' not in html and f'action="/requests/{r.id}/transfer"' in html


def test_transfer_refuses_the_same_department_and_leaves_the_old_one_nothing(app, app_ctx, make_client):
    w = make_world(make_client)
    road, light, r = w["client"]("road"), w["client"]("light"), w["request"]
    same = act(road, r, "transfer", department_id=w["roads"].id, reason="같은 부서")
    assert same.status_code == 422 and "already with this department" in text_of(same)
    no_reason = act(road, r, "transfer", department_id=w["lights"].id, reason="")
    assert no_reason.status_code == 422 and "Give the reason for the transfer." in text_of(no_reason)
    version = _reload(r).version
    moved = act(road, r, "transfer", department_id=w["lights"].id, reason="가로등은 가로등관리과 소관")
    assert moved.status_code == 302 and moved.location.endswith("/requests/queue")
    r = _reload(r)
    assert r.lead_department_id == w["lights"].id
    # The old department: 404 on the page and on every step, even with the current version.
    assert _handle(road, r).status_code == 404
    for step in handling_steps():
        assert act(road, r, step, reason="x", answer="x", note="x").status_code == 404, step
    # Its stale page's post is told why, and gets back only what it typed.
    late = act(road, r, "complete", version=version, result="resolved", answer="제가 쓴 답변입니다")
    assert late.status_code == 409
    html = text_of(late)
    assert "transferred to another department" in html and "제가 쓴 답변입니다" in html and "신청한주민" not in html
    assert _handle(light, r).status_code == 200
    assert act(light, r, "start").status_code == 302
    # A closed request cannot be transferred: the form is gone and a post is refused.
    with write_transaction():
        handling.complete(w["light"], r, "resolved", "교체했습니다", now(), version=r.version)
    db.session.commit()
    assert act(light, r, "transfer", department_id=w["parks"].id, reason="늦게").status_code == 403


def handling_steps():
    return ("assign", "start", "ask_supplement", "transfer", "ask_cohandling", "answer_cohandling", "extend",
            "complete", "link", "close_repeat", "answer_follow_up")


def test_cohandling_asked_and_answered_in_the_thread(app, app_ctx, make_client):
    w = make_world(make_client)
    road, park, r = w["client"]("road"), w["client"]("park"), w["request"]
    assert _handle(park, r).status_code == 404
    asked = act(road, r, "ask_cohandling", department_id=w["parks"].id, question="공원 안 가로등인지 확인 부탁드립니다")
    assert asked.status_code == 302
    again = act(road, r, "ask_cohandling", department_id=w["parks"].id, question="다시")
    assert again.status_code == 422 and "already been asked" in text_of(again)
    page = _handle(park, r)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "공원 안 가로등인지 확인 부탁드립니다" in text_of(page)
    assert f'action="/requests/{r.id}/answer-cohandling"' in html and f'action="/requests/{r.id}/complete"' not in html
    assert act(park, r, "complete", result="resolved", answer="x").status_code == 403
    assert act(park, r, "answer_cohandling", answer="").status_code == 422
    assert act(park, r, "answer_cohandling", answer="공원 구역 밖입니다").status_code == 302
    r = _reload(r)
    assert r.cohandlings[0].answer == "공원 구역 밖입니다"
    assert "공원 구역 밖입니다" in text_of(_handle(road, r))
    assert act(park, r, "answer_cohandling", answer="또").status_code == 403


def test_extend_once_then_only_with_consent_and_never_past_the_rule(app, app_ctx, make_client):
    w = make_world(make_client)
    road, r = w["client"]("road"), w["request"]
    page = text_of(_handle(road, r))
    assert "A second extension only with the applicant's recorded consent" in page and "Roads handles the request." in page
    latest = handling.clock.extend(r.due_at, handling.timeline.period_of(r), handling.timeline.city_calendar())
    too_far = (to_local(latest) + timedelta(days=3)).date().isoformat()
    refused = act(road, r, "extend", new_due=too_far, reason="부품 조달")
    assert refused.status_code == 422 and "at most the original period" in text_of(refused)
    bad_date = act(road, r, "extend", new_due="내일", reason="부품 조달")
    assert bad_date.status_code == 422 and "Enter a date as YYYY-MM-DD." in text_of(bad_date)
    first_due = (to_local(r.due_at) + timedelta(days=2)).date()
    assert act(road, r, "extend", new_due=first_due.isoformat(), reason="부품 조달").status_code == 302
    r = _reload(r)
    assert r.extension_count == 1 and to_local(r.due_at).date() == first_due and to_local(r.due_at).hour == 18
    second = act(road, r, "extend", new_due="", reason="또 연장")
    assert second.status_code == 422 and "needs the applicant's consent" in text_of(second)
    assert "has not agreed to a second extension" in text_of(second)
    with write_transaction():
        handling.consent_to_extension(w["applicant"], r, now(), version=r.version)
    db.session.commit()
    assert act(road, r, "extend", new_due="", reason="또 연장").status_code == 302  # empty date: the latest allowed
    r = _reload(r)
    assert r.extension_count == 2
    assert [e.kind for e in r.events].count(EventKind.EXTENDED) == 2


def test_complete_not_possible_needs_reason_and_remedy(app, app_ctx, make_client):
    w = make_world(make_client)
    road, r = w["client"]("road"), w["request"]
    refused = act(road, r, "complete", result="not_possible", answer="사유지입니다")
    assert refused.status_code == 422
    html = text_of(refused)
    assert "Say why it is not possible." in html and "Say how the applicant can appeal" in html
    assert "사유지입니다" in html  # what was typed is kept
    assert act(road, r, "complete", result="maybe", answer="x").status_code == 422
    done = act(road, r, "complete", result="not_possible", answer="사유지입니다", reason="사유지", remedy="행정심판 청구 가능")
    assert done.status_code == 302
    r = _reload(r)
    assert r.status == RequestStatus.COMPLETED and r.result == "not_possible" and r.result_remedy == "행정심판 청구 가능"


def _answered(w, at, original=None):
    request = make_civil_request(w["category"], w["applicant"], at=at)
    if original is not None:
        with write_transaction():
            handling.link_original(w["road"], request, original, at, version=request.version)
    with write_transaction():
        handling.complete(w["road"], request, "resolved", "답변", at + timedelta(hours=1), version=request.version)
    db.session.commit()
    return request


def test_link_to_an_original_and_close_a_third_repeat(app, app_ctx, make_client):
    first = now() - timedelta(days=20)
    w = make_world(make_client, at=now() - timedelta(days=1))
    road, r = w["client"]("road"), w["request"]
    original = _answered(w, first)
    unknown = act(road, r, "link", original="2020-0000-0000")
    assert unknown.status_code == 422 and "Choose an earlier request as the original." in text_of(unknown)
    assert act(road, r, "link", original=original.tracking_number.replace("-", "")).status_code == 302
    r = _reload(r)
    assert r.original_id == original.id
    # Answered once so far: the closing form waits for a second answer.
    html = _handle(road, r).get_data(as_text=True)
    assert f'action="/requests/{r.id}/close-repeat"' not in html and "answered so far: 1" in text_of(_handle(road, r))
    assert act(road, r, "close_repeat", reason="동일 민원").status_code == 422
    _answered(w, first + timedelta(days=1), original)
    assert f'action="/requests/{r.id}/close-repeat"' in _handle(road, r).get_data(as_text=True)
    assert act(road, r, "close_repeat", reason="").status_code == 422
    assert act(road, r, "close_repeat", reason="같은 민원에 두 번 답변했습니다").status_code == 302
    assert _reload(r).status == RequestStatus.CLOSED_AS_REPEAT


def test_a_dissatisfied_follow_up_is_answered(app, app_ctx, make_client):
    w = make_world(make_client)
    road, r = w["client"]("road"), w["request"]
    assert act(road, r, "answer_follow_up", answer="x").status_code == 403
    with write_transaction():
        handling.complete(w["road"], r, "resolved", "교체했습니다", now(), version=r.version)
    with write_transaction():
        handling.rate(w["applicant"], r, "dissatisfied", "아직 어둡습니다", now())
    db.session.commit()
    html = text_of(_handle(road, r))
    assert "Follow-up: the applicant was not satisfied" in html
    assert act(road, r, "answer_follow_up", answer="").status_code == 422
    assert act(road, r, "answer_follow_up", answer="다시 점검하겠습니다").status_code == 302
    r = _reload(r)
    assert r.follow_up_since is None and r.events[-1].kind == EventKind.FOLLOW_UP_ANSWERED


def test_two_officials_at_once_one_wins_and_the_other_keeps_what_they_typed(app, app_ctx, make_client):
    w = make_world(make_client)
    road, road2, r = w["client"]("road"), w["client"]("road2"), w["request"]
    seen = _reload(r).version  # both pages show this version
    assert act(road, r, "complete", version=seen, result="resolved", answer="제가 먼저 답합니다").status_code == 302
    late = act(road2, r, "complete", version=seen, result="partly_resolved", answer="제가 쓴 긴 답변입니다")
    assert late.status_code == 409
    html = text_of(late)
    assert "Someone else acted on this request a moment ago" in html
    assert "제가 쓴 긴 답변입니다" in html  # nothing typed is lost
    assert "제가 먼저 답합니다" in html and "Completed" in html  # the current state
    r = _reload(r)
    assert r.answer == "제가 먼저 답합니다" and r.result == "resolved"
    # A stale page for a step still possible: the form comes back with the current version, so the next try counts.
    other = make_civil_request(w["category"], w["applicant"])
    seen = _reload(other).version
    assert act(road, other, "assign", version=seen, handler_id=w["road"].id).status_code == 302
    stale = act(road2, other, "ask_supplement", version=seen, note="주소를 알려 주세요")
    assert stale.status_code == 409 and "주소를 알려 주세요" in text_of(stale)
    assert f'name="ask_supplement-version" type="hidden" value="{_reload(other).version}"' in stale.get_data(as_text=True)
    assert act(road2, other, "ask_supplement", note="주소를 알려 주세요").status_code == 302


def test_json_callers_get_json_answers_and_errors(app, app_ctx, make_client):
    w = make_world(make_client)
    road, r = w["client"]("road"), w["request"]
    seen = _reload(r).version
    done = act(road, r, "start", version=seen, headers=JSON)
    assert done.status_code == 200 and done.get_json()["ok"] is True and done.get_json()["status"] == "in_progress"
    stale = act(road, r, "assign", version=seen, handler_id=w["road2"].id, headers=JSON)
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "stale"
    assert stale.get_json()["version"] == _reload(r).version
    invalid = act(road, r, "transfer", department_id=w["roads"].id, reason="x", headers=JSON)
    assert invalid.status_code == 422
    body = invalid.get_json()["error"]
    assert body["code"] == "same_department" and "department_id" in body["fields"]
    missing = road.post_form(f"/requests/{r.id}/assign", {"assign-handler_id": str(w["road2"].id)}, headers=JSON)
    assert missing.status_code == 422 and "Reload the page" in missing.get_json()["error"]["message"]
    assert act(w["client"]("light"), r, "start", headers=JSON).get_json()["error"]["status"] == 404
    assert act(road, r, "answer_follow_up", answer="x", headers=JSON).status_code == 403


def test_a_counter_filing_shows_its_contact_to_the_department(app, app_ctx, make_client):
    from participation.civil_requests import intake

    w = make_world(make_client)
    counter = make_user(roles={"counter"})
    data = intake.RequestData(category=w["category"], title="보도블록 파손", description="인도 보도블록이 깨졌습니다.")
    with write_transaction():
        filed = intake.file_request(counter, data, now(), channel=intake.Channel.COUNTER, on_behalf=intake.OnBehalf("김민원", "010-2222-3333", None, True))
    db.session.commit()
    html = text_of(signed_in(make_client, w["road"]).get(f"/requests/{filed.id}/handle"))
    assert "김민원" in html and "01022223333" in html


def test_two_officials_answering_at_the_same_moment_one_wins(app, app_ctx, make_client):
    import threading

    w = make_world(make_client)
    r = w["request"]
    clients = {"road": w["client"]("road"), "road2": w["client"]("road2")}
    version = _reload(r).version
    request_id = r.id
    db.session.commit()
    barrier = threading.Barrier(2)
    answers: dict[str, object] = {}

    def answer(name: str) -> None:
        barrier.wait()
        answers[name] = clients[name].post_form(f"/requests/{request_id}/complete", {
            "complete-version": str(version), "complete-result": "resolved", "complete-answer": f"{name}의 답변입니다",
        })

    threads = [threading.Thread(target=answer, args=(name,)) for name in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    codes = sorted(response.status_code for response in answers.values())
    assert codes == [302, 409], codes
    loser = next(name for name, response in answers.items() if response.status_code == 409)
    winner = next(name for name in clients if name != loser)
    assert f"{loser}의 답변입니다" in text_of(answers[loser])
    r = _reload(r)
    assert r.answer == f"{winner}의 답변입니다" and r.version == version + 1
    assert [e.kind for e in r.events].count(EventKind.COMPLETED) == 1
