"""Finding one's way as a resident: the home page and the request pages lead to filing, to one's own
requests and to tracking by number; the request page says how to get text messages; the map's own
controls are in the page's language."""
from __future__ import annotations

from participation.accounts.models import User
from participation.core.db import write_transaction
from participation.extensions import db
from tests.factories import make_civil_request, make_department, make_request_category, make_user


def test_the_home_page_leads_to_filing_the_public_requests_and_tracking(client, app_ctx):
    body = client.get("/").get_data(as_text=True)
    for path in ('href="/requests/new"', 'href="/requests/"', 'href="/requests/track"'):
        assert path in body
    assert "우리 동네에 불편한 점이 있나요?" in body


def test_the_public_list_leads_to_filing_tracking_and_my_requests(client, app_ctx):
    visitor = client.get("/requests/").get_data(as_text=True)
    assert 'href="/requests/new"' in visitor and 'href="/requests/track"' in visitor
    assert 'href="/requests/mine"' not in visitor  # a visitor has none
    client.login(make_user().email)
    assert 'href="/requests/mine"' in client.get("/requests/").get_data(as_text=True)


def test_my_requests_leads_to_filing_another(client, app_ctx):
    client.login(make_user().email)
    body = client.get("/requests/mine").get_data(as_text=True)
    assert 'href="/requests/new"' in body and 'href="/requests/"' in body


def _with_phone(user, phone):
    with write_transaction():
        db.session.get(User, user.id).phone = phone


def test_the_request_page_tells_an_applicant_without_a_number_how_to_get_text_messages(client, app_ctx):
    roads = make_department("도로과")
    applicant = make_user()
    official = make_user(roles={"official"}, department=roads)
    request = make_civil_request(make_request_category(roads), applicant)
    hint = "문자(SMS)로도 받으시려면 내 계정에서 휴대전화 번호를 등록하세요."
    client.login(applicant.email)
    body = client.get(f"/requests/{request.id}").get_data(as_text=True)
    assert hint in body and 'href="/account"' in body.split(hint, 1)[1][:80]
    _with_phone(applicant, "01012345678")
    assert hint not in client.get(f"/requests/{request.id}").get_data(as_text=True)
    client.login(official.email)
    assert hint not in client.get(f"/requests/{request.id}").get_data(as_text=True)  # the department's view


def test_the_maps_own_controls_are_in_the_pages_language(client, app_ctx):
    client.login(make_user().email)
    form = client.get("/requests/new").get_data(as_text=True)
    assert 'data-map-zoom-in="확대"' in form and 'data-map-zoom-out="축소"' in form
    assert 'data-map-marker="핀으로 표시한 위치"' in form
    public_map = client.get("/requests/?view=map").get_data(as_text=True)
    assert 'data-map-zoom-in="확대"' in public_map and 'data-map-zoom-out="축소"' in public_map
    client.use_english()
    assert 'data-map-zoom-in="Zoom in"' in client.get("/requests/new").get_data(as_text=True)


def test_the_header_leads_each_role_to_its_civil_request_pages(app, app_ctx, make_client):
    from tests.deliberation.helpers import signed_in, visitor
    from tests.factories import make_department, make_user

    roads = make_department("도로과")
    people = {
        "visitor": None, "resident": make_user(), "official": make_user(roles={"official"}, department=roads),
        "field": make_user(roles={"field"}), "counter": make_user(roles={"counter"}), "admin": make_user(roles={"admin"}),
    }
    links = {"/requests/": "민원", "/requests/queue": "민원 처리 목록", "/requests/field": "현장 신고",
             "/requests/counter": "창구 민원 접수", "/requests/mine": "내 민원"}
    expected = {
        "visitor": {"/requests/"},
        "resident": {"/requests/", "/requests/mine"},
        "official": {"/requests/", "/requests/queue", "/requests/mine"},
        "field": {"/requests/", "/requests/field", "/requests/mine"},
        "counter": {"/requests/", "/requests/counter", "/requests/mine"},
        "admin": {"/requests/", "/requests/queue", "/requests/counter", "/requests/mine"},
    }
    for role, user in people.items():
        client = visitor(make_client) if user is None else signed_in(make_client, user)
        header = client.get("/", headers={"Accept-Language": "ko"}).get_data(as_text=True).split("</header>")[0]
        shown = {path for path in links if f'href="{path}"' in header}
        assert shown == expected[role], role
