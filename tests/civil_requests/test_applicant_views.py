"""The applicant's side through the views: the request page as a parcel tracker, supplementing,
consenting to a second extension, reopening, rating, and "my requests"; each refusal in words."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from participation.civil_requests import handling, intake, tracking
from participation.civil_requests.models import EventKind, RequestStatus, RequestSurvey
from participation.core.db import write_transaction
from participation.core.time import now
from participation.extensions import db
from tests.factories import make_civil_request, make_department, make_request_category, make_user

VERSION_RE = re.compile(r'name="version" value="(\d*)"')


@pytest.fixture
def world(app_ctx):
    roads = make_department("도로과", name_en="Roads")
    traffic = make_department("교통과", name_en="Traffic")
    category = make_request_category(roads, name_ko="가로등 고장", name_en="Street light out")
    applicant = make_user(display_name="신청인본인")
    official = make_user(roles={"official"}, department=roads)
    return {"roads": roads, "traffic": traffic, "category": category, "applicant": applicant, "official": official}


def _file(world, *, days_ago: float = 2, **kwargs):
    return make_civil_request(world["category"], world["applicant"], at=now() - timedelta(days=days_ago), **kwargs)


def _do(service, *args, **kwargs):
    """A handling step by someone else, committed (as another person's request would)."""
    with write_transaction():
        result = service(*args, **kwargs)
    db.session.commit()
    return result


def _applicant(world, make_client):
    client = make_client()
    client.login(world["applicant"].email)
    client.use_english()
    return client


def _page(client, request):
    page = client.get(f"/requests/{request.id}")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _completed(world, *, days_ago: float = 2, answered_days_ago: float = 1, **kwargs):
    request = _file(world, days_ago=days_ago, **kwargs)
    _do(handling.complete, world["official"], request, "resolved", "가로등을 교체했습니다.", now() - timedelta(days=answered_days_ago),
        version=request.version)
    return request


# --- the page ---------------------------------------------------------------------------


def test_the_page_reads_like_a_parcel_tracker_without_internal_notes(world, make_client):
    request = _file(world, is_public=True)
    official = world["official"]
    _do(handling.start, official, request, now() - timedelta(days=1), version=request.version)
    _do(handling.ask_cohandling, official, request, world["traffic"], "신호등 쪽 배선을 확인해 주세요 (내부 메모)",
        now() - timedelta(hours=20), version=request.version)
    for _ in range(2):
        _do(intake.support, make_user(), request, now() - timedelta(hours=10))
    _do(handling.extend, official, request, None, "부품 조달에 시간이 걸립니다", now() - timedelta(hours=5), version=request.version)
    client = _applicant(world, make_client)
    html = _page(client, request)
    assert "In progress" in html and "Roads" in html
    assert "2 people reported the same problem." in html
    assert "The handling period was extended" in html and "부품 조달에 시간이 걸립니다" in html
    assert "Another department asked for its part" in html and "Traffic" in html  # co-handling is a step
    assert "내부 메모" not in html  # what departments say to each other stays between them
    assert f'action="/requests/{request.id}/consent-extension"' in html
    # Everyone else reads the public request without the applicant's name.
    visitor = make_client()
    visitor.use_english()
    public = _page(visitor, request)
    assert "신청인본인" not in public and "내부 메모" not in public and "consent-extension" not in public


def test_overdue_says_overdue_and_not_possible_shows_its_reason_and_remedy(world, make_client):
    overdue = _file(world, days_ago=30)
    client = _applicant(world, make_client)
    assert "Overdue: was due" in _page(client, overdue)
    refused = _file(world)
    _do(handling.complete, world["official"], refused, "not_possible", "사유지라 설치할 수 없습니다.", now(),
        reason="사유지 내 시설", remedy="행정심판을 청구할 수 있습니다.", version=refused.version)
    html = _page(client, refused)
    assert "Result: Not possible" in html
    assert "사유지 내 시설" in html and "행정심판을 청구할 수 있습니다." in html


# --- supplement ------------------------------------------------------------------------------


def test_the_applicant_answers_a_supplement_request_and_the_clock_runs_again(world, make_client):
    request = _file(world)
    _do(handling.request_supplement, world["official"], request, "가로등 번호를 알려 주세요", now() - timedelta(days=1), version=request.version)
    client = _applicant(world, make_client)
    html = _page(client, request)
    assert "The department needs more from you" in html and "가로등 번호를 알려 주세요" in html
    response = client.post_form(f"/requests/{request.id}/supplement", {"note": "번호는 12-345입니다", "version": VERSION_RE.search(html).group(1)})
    assert response.status_code == 302
    db.session.refresh(request)
    assert request.status == RequestStatus.IN_PROGRESS and request.due_at is not None
    assert request.events[-1].kind == EventKind.SUPPLEMENTED and request.events[-1].note == "번호는 12-345입니다"
    assert "the handling clock runs again" in client.get(response.location).get_data(as_text=True)


def test_a_supplement_nobody_asked_for_is_refused_and_the_form_is_not_offered(world, make_client):
    request = _file(world)
    client = _applicant(world, make_client)
    html = _page(client, request)
    assert "/supplement" not in html
    response = client.post_form(f"/requests/{request.id}/supplement", {"note": "추가합니다", "version": str(request.version)})
    assert response.status_code == 422
    assert "Nothing has been asked of you on this request." in response.get_data(as_text=True)
    db.session.refresh(request)
    assert [e.kind for e in request.events] == [EventKind.FILED]


def test_a_stale_page_is_refused_and_the_typed_text_is_kept(world, make_client):
    request = _file(world)
    _do(handling.request_supplement, world["official"], request, "사진을 보내 주세요", now() - timedelta(days=1), version=request.version)
    client = _applicant(world, make_client)
    stale = VERSION_RE.search(_page(client, request)).group(1)
    _do(handling.assign, world["official"], request, world["official"], now(), version=request.version)  # meanwhile
    response = client.post_form(f"/requests/{request.id}/supplement", {"note": "제가 쓴 긴 보완 내용", "version": stale})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Someone else acted on this request a moment ago" in html
    assert "제가 쓴 긴 보완 내용" in html  # nothing typed is lost
    fresh = VERSION_RE.search(html).group(1)
    assert fresh == str(request.version) != stale
    assert client.post_form(f"/requests/{request.id}/supplement", {"note": "제가 쓴 긴 보완 내용", "version": fresh}).status_code == 302


def test_a_missing_or_garbled_version_asks_to_reload(world, make_client):
    request = _file(world)
    _do(handling.request_supplement, world["official"], request, "사진을 보내 주세요", now(), version=request.version)
    client = _applicant(world, make_client)
    for version in ("", "abc", "-1"):
        response = client.post_form(f"/requests/{request.id}/supplement", {"note": "보완", "version": version})
        assert response.status_code == 422
        assert "This page is out of date" in response.get_data(as_text=True)
    response = client.post_form(f"/requests/{request.id}/supplement", {"note": "", "version": str(request.version)})
    assert response.status_code == 422 and "Write what you are adding." in response.get_data(as_text=True)


# --- who may act -------------------------------------------------------------------------


def test_only_the_applicant_acts(world, make_client):
    request = _completed(world, is_public=True)
    data = {"satisfaction": "satisfied", "version": str(request.version)}
    visitor = make_client()
    visitor.get("/")
    assert visitor.post_form(f"/requests/{request.id}/rate", data).status_code == 302  # to sign in
    assert "/login" in visitor.post_form(f"/requests/{request.id}/rate", data).location
    for person in (make_user(), world["official"]):
        other = make_client()
        other.login(person.email)
        assert other.post_form(f"/requests/{request.id}/rate", data).status_code == 403
        assert other.post_form(f"/requests/{request.id}/reopen", {"note": "x", **data}).status_code == 403
    private = _completed(world)
    stranger = make_client()
    stranger.login(make_user().email)
    assert stranger.post_form(f"/requests/{private.id}/rate", data).status_code == 404
    assert db.session.scalar(select(RequestSurvey)) is None


def test_a_counter_applicant_following_by_number_reads_but_is_told_to_call(world, make_client):
    counter = make_user(roles={"counter"})
    data = intake.RequestData(category=world["category"], title="보도블록 파손", description="보도블록이 깨졌습니다")
    with write_transaction():
        request = intake.file_request(counter, data, now() - timedelta(days=3), channel=intake.Channel.COUNTER,
                                      on_behalf=intake.OnBehalf(name="김주민", phone="010-1234-5678", email=None, consented=True))
    db.session.commit()
    _do(handling.request_supplement, world["official"], request, "위치를 알려 주세요", now(), version=request.version)
    client = make_client()
    client.use_english()
    with client.session_transaction() as session:
        session[tracking.SESSION_KEY] = [request.id]
    html = _page(client, request)
    assert "call Roads" in html and "Roads is waiting for more information from you" in html
    assert "/supplement" not in html and 'name="version"' not in html
    response = client.post_form(f"/requests/{request.id}/supplement", {"note": "여기입니다", "version": str(request.version)})
    assert response.status_code == 302 and "/login" in response.location
    db.session.refresh(request)
    assert request.status == RequestStatus.AWAITING_SUPPLEMENT


# --- consent to a second extension -------------------------------------------------------------


def test_consent_to_a_second_extension_is_recorded_and_lets_the_department_extend_again(world, make_client):
    request = _file(world)
    official = world["official"]
    _do(handling.extend, official, request, None, "현장 확인 필요", now() - timedelta(hours=3), version=request.version)
    client = _applicant(world, make_client)
    html = _page(client, request)
    assert "The law allows one extension" in html
    version = VERSION_RE.search(html).group(1)
    unticked = client.post_form(f"/requests/{request.id}/consent-extension", {"version": version})
    assert unticked.status_code == 422 and "Tick the box to give your consent." in unticked.get_data(as_text=True)
    ticked = client.post_form(f"/requests/{request.id}/consent-extension", {"consent": "y", "version": version})
    assert ticked.status_code == 302
    db.session.refresh(request)
    assert request.extension_consented_at is not None
    assert "Consent to a further extension was recorded" in _page(client, request)
    _do(handling.extend, official, request, None, "자재 추가 주문", now(), version=request.version)
    assert request.extension_count == 2


def test_consent_is_not_offered_before_the_first_extension(world, make_client):
    request = _file(world)
    assert "consent-extension" not in _page(_applicant(world, make_client), request)


# --- reopen ------------------------------------------------------------------------------------


def test_reopening_within_the_window_sends_it_back_with_a_fresh_clock(world, make_client):
    request = _completed(world)
    client = _applicant(world, make_client)
    html = _page(client, request)
    assert "You can reopen this request until" in html
    response = client.post_form(f"/requests/{request.id}/reopen", {"note": "다시 꺼졌습니다", "version": VERSION_RE.search(html).group(1)})
    assert response.status_code == 302
    db.session.refresh(request)
    assert request.status == RequestStatus.IN_PROGRESS and request.result is None
    assert "The request is reopened and back with Roads" in client.get(response.location).get_data(as_text=True)


def test_reopening_after_the_window_is_refused_in_words(world, make_client):
    request = _completed(world, days_ago=20, answered_days_ago=15)
    client = _applicant(world, make_client)
    assert "/reopen" not in _page(client, request)
    response = client.post_form(f"/requests/{request.id}/reopen", {"note": "아직도 그대로입니다", "version": str(request.version)})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "This request can no longer be reopened: file a new one." in html
    db.session.refresh(request)
    assert request.status == RequestStatus.COMPLETED


# --- rate ---------------------------------------------------------------------------------------


def test_rating_once_and_a_second_answer_is_refused(world, make_client):
    request = _completed(world)
    client = _applicant(world, make_client)
    html = _page(client, request)
    assert "<legend>How satisfied are you with the answer?</legend>" in html
    version = VERSION_RE.findall(html)[0]
    response = client.post_form(f"/requests/{request.id}/rate", {"satisfaction": "satisfied", "comment": "빨리 고쳐 주셨어요", "version": version})
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "Thank you for rating the answer." in page and "You rated this answer: Satisfied." in page
    assert "/rate" not in page
    again = client.post_form(f"/requests/{request.id}/rate", {"satisfaction": "dissatisfied", "version": str(request.version)})
    assert again.status_code == 422
    assert "You have already rated this answer." in again.get_data(as_text=True)
    assert db.session.scalars(select(RequestSurvey.satisfaction)).all() == ["satisfied"]


def test_a_dissatisfied_rating_returns_to_the_department_as_a_follow_up(world, make_client):
    request = _completed(world)
    client = _applicant(world, make_client)
    response = client.post_form(f"/requests/{request.id}/rate", {"satisfaction": "dissatisfied", "comment": "여전히 어둡습니다", "version": str(request.version)})
    assert response.status_code == 302
    db.session.refresh(request)
    assert request.follow_up_since is not None
    assert [e.kind for e in request.events][-2:] == [EventKind.SURVEY_ANSWERED, EventKind.FOLLOW_UP]
    html = client.get(response.location).get_data(as_text=True)
    assert "the request goes back to Roads as a follow-up" in html
    assert "Returned to the department as a follow-up" in html and "여전히 어둡습니다" in html


def test_a_rating_needs_a_choice_and_an_answered_request(world, make_client):
    request = _completed(world)
    client = _applicant(world, make_client)
    for value in ({}, {"satisfaction": "thrilled"}):
        response = client.post_form(f"/requests/{request.id}/rate", {**value, "comment": "의견", "version": str(request.version)})
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert "Choose how satisfied you are." in html and "의견" in html
    stale = client.post_form(f"/requests/{request.id}/rate", {"satisfaction": "neutral", "version": str(request.version - 1)})
    assert stale.status_code == 422 and "Someone else acted on this request" in stale.get_data(as_text=True)
    open_request = _file(world)
    early = client.post_form(f"/requests/{open_request.id}/rate", {"satisfaction": "neutral", "version": str(open_request.version)})
    assert early.status_code == 422 and "Only an answered request can be rated." in early.get_data(as_text=True)
    assert db.session.scalar(select(RequestSurvey)) is None


# --- my requests -----------------------------------------------------------------------------


def test_my_requests_needs_signing_in(world, client):
    response = client.get("/requests/mine")
    assert response.status_code == 302 and "/login" in response.location


def test_my_requests_lists_mine_newest_first_and_those_i_reported_too(world, make_client):
    old = _file(world, days_ago=30, title="오래된 민원")
    new = _file(world, days_ago=1, title="새 민원")
    neighbour = make_user()
    theirs = make_civil_request(world["category"], neighbour, is_public=True, title="이웃의 민원")
    _do(intake.support, world["applicant"], theirs, now())
    make_civil_request(world["category"], neighbour, title="남의 비공개 민원")
    client = _applicant(world, make_client)
    html = client.get("/requests/mine").get_data(as_text=True)
    filed, supported = html.split("Requests where I reported the same problem")
    assert filed.index("새 민원") < filed.index("오래된 민원")
    assert "Overdue: was due" in filed  # the old one is past its due time
    assert "이웃의 민원" in supported and "이웃의 민원" not in filed
    assert "남의 비공개 민원" not in html
    assert f"/requests/{old.id}" in filed and f"/requests/{new.id}" in filed


def test_my_requests_pages_each_list_on_its_own(world, make_client, monkeypatch):
    from participation.civil_requests.views import applicant as views

    monkeypatch.setattr(views, "MINE_PER_PAGE", 2)
    for n in range(5):
        _file(world, days_ago=5 - n, title=f"민원 {n}")
    for n in range(3):
        _do(intake.support, world["applicant"], make_civil_request(world["category"], make_user(), is_public=True, title=f"이웃 {n}"), now())
    client = _applicant(world, make_client)
    first = client.get("/requests/mine").get_data(as_text=True)
    assert "민원 4" in first and "민원 3" in first and "민원 2" not in first
    assert "Page 1 of 3" in first and 'aria-label="Pages of the requests I filed"' in first
    assert 'href="/requests/mine?page=2"' in first and 'href="/requests/mine?same_page=2"' in first
    third = client.get("/requests/mine?page=3&same_page=2").get_data(as_text=True)
    assert "민원 0" in third and "민원 4" not in third
    assert "이웃 0" in third and "이웃 2" not in third  # the second list's own page 2
    assert 'href="/requests/mine?page=3&amp;same_page=1"' in third  # its "previous" keeps the first list's page
    assert 'href="/requests/mine?same_page=2&amp;page=2"' in third


def _statements(client, count_queries, url):
    client.get(url)  # warm: templates compiled
    db.session.expire_all()
    with count_queries() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_my_requests_costs_a_fixed_number_of_statements(world, make_client, count_queries):
    client = _applicant(world, make_client)
    theirs = make_civil_request(world["category"], make_user(), is_public=True)
    _do(intake.support, world["applicant"], theirs, now())
    _file(world)
    few = _statements(client, count_queries, "/requests/mine")
    other = make_department("공원과")
    for n in range(6):
        _file(world, title=f"추가 {n}")
        more = make_civil_request(make_request_category(other), make_user(), is_public=True)
        _do(intake.support, world["applicant"], more, now())
    assert _statements(client, count_queries, "/requests/mine") == few


def test_the_applicant_posting_a_body_a_form_does_not_understand_gets_no_server_error(world, make_client):
    from tests.test_bad_bodies import BAD_BODIES, GARBLED_FORMS

    waiting = _file(world)
    _do(handling.request_supplement, world["official"], waiting, "사진을 보내 주세요", now(), version=waiting.version)
    answered = _completed(world)
    client = _applicant(world, make_client)
    token = client.csrf_token()
    urls = [f"/requests/{waiting.id}/supplement", f"/requests/{waiting.id}/consent-extension",
            f"/requests/{answered.id}/reopen", f"/requests/{answered.id}/rate"]
    for url in urls:
        for content_type, body in BAD_BODIES + GARBLED_FORMS:
            response = client.post(url, data=body, content_type=content_type, headers={"X-CSRFToken": token})
            expected = (400,) if (content_type, body) in BAD_BODIES else (400, 422)
            assert response.status_code in expected, (url, content_type, response.status_code)
    db.session.refresh(answered)
    assert answered.status == RequestStatus.COMPLETED and db.session.scalar(select(RequestSurvey)) is None
