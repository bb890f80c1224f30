"""What every /api/v1 response shares (issue 15 item 1): cursor paging, conditional requests,
CORS for reading, JSON errors in Korean or English, rate limits per address and per key, and the
visitor's view whatever cookie comes along."""
from __future__ import annotations

import pytest

from participation.api import keys, paging
from participation.core.db import write_transaction
from participation.core.time import now
from participation.extensions import db, limiter
from tests.factories import make_round, make_user


def _issue(scopes=("read",)):
    admin = make_user(roles={"admin"})
    with write_transaction():
        key, secret = keys.issue_key(admin, "지도 앱", scopes, now())
    return key, secret


def test_a_list_pages_by_cursor_without_repeating_or_skipping(client, app_ctx):
    made = {make_round("submission", title=f"회차 {n}").id for n in range(7)}
    seen, url, pages = [], "/api/v1/rounds?limit=3", 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        body = response.get_json()
        assert len(body["data"]) <= 3
        seen += [item["id"] for item in body["data"]]
        url = body["next"]
        if url:
            assert response.headers["Link"] == f'<{url}>; rel="next"'
            assert "limit=3" in url
        pages += 1
    assert pages == 3
    assert sorted(seen) == sorted(made) and len(seen) == len(set(seen))


def test_rows_added_between_pages_do_not_shift_the_next_page(client, app_ctx):
    for n in range(4):
        make_round("submission", title=f"회차 {n}")
    first = client.get("/api/v1/rounds?limit=2").get_json()
    make_round("submission", title="나중에 생긴 회차")  # sorts before the first page: must not push rows into page two
    second = client.get(first["next"]).get_json()
    ids = [r["id"] for r in first["data"]] + [r["id"] for r in second["data"]]
    assert len(set(ids)) == 4


@pytest.mark.parametrize("limit", ["0", "101", "-1", "abc", "1.5", "١"])
def test_a_bad_limit_is_a_400_naming_it(client, app_ctx, limit):
    response = client.get(f"/api/v1/rounds?limit={limit}", headers={"Accept-Language": "en"})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_parameter" and "100" in error["fields"]["limit"][0]


@pytest.mark.parametrize("cursor", ["x", "!!!", "W10", paging.encode_cursor(["a", 1]), paging.encode_cursor([1]),
                                    paging.encode_cursor([{"t": "not a time"}, 1]), paging.encode_cursor([True, 1]),
                                    paging.encode_cursor([{"t": "2026-01-01T00:00:00"}, 1]), paging.encode_cursor([{"t": "2026-01-01T00:00:00+00:00"}, 2**70])])
def test_a_forged_cursor_is_a_400_not_a_500(client, app_ctx, cursor):
    make_round("submission")
    response = client.get(f"/api/v1/rounds?cursor={cursor}")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_cursor"


def test_errors_speak_the_language_asked_for(client, app_ctx):
    korean = client.get("/api/v1/rounds/999", headers={"Accept-Language": "ko-KR,ko;q=0.9"}).get_json()["error"]
    english = client.get("/api/v1/rounds/999", headers={"Accept-Language": "en-GB"}).get_json()["error"]
    assert korean["code"] == english["code"] == "not_found"
    assert korean["message"] != english["message"]
    assert any("\uac00" <= ch <= "\ud7a3" for ch in korean["message"])
    assert english["message"].isascii()
    assert client.get("/api/v1/rounds?phase=nope", headers={"Accept-Language": "ko"}).get_json()["error"]["code"] == "invalid_parameter"
    # With no preference, Korean.
    assert client.get("/api/v1/rounds/999").get_json()["error"]["message"] == korean["message"]


def test_an_unchanged_response_is_a_304_and_a_change_makes_a_new_etag(client, app_ctx):
    round_ = make_round("submission")
    first = client.get(f"/api/v1/rounds/{round_.id}")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag and modified
    assert client.get(f"/api/v1/rounds/{round_.id}", headers={"If-None-Match": etag}).status_code == 304
    assert client.get(f"/api/v1/rounds/{round_.id}", headers={"If-Modified-Since": modified}).status_code == 304
    round_.title = "새 이름"
    round_.updated_at = now()
    db.session.commit()
    again = client.get(f"/api/v1/rounds/{round_.id}", headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag
    assert again.get_json()["title"] == "새 이름"


def test_every_response_and_a_preflight_carry_cors_for_reading(client, app_ctx):
    response = client.get("/api/v1/rounds", headers={"Origin": "https://app.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    preflight = client.options("/api/v1/rounds", headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET",
                                                          "Access-Control-Request-Headers": "X-API-Key"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert "X-API-Key" in preflight.headers["Access-Control-Allow-Headers"]
    assert "POST" not in preflight.headers["Allow"]
    assert client.get("/api/v1/rounds/999").headers["Access-Control-Allow-Origin"] == "*"


def test_the_api_answers_as_a_visitor_even_with_an_admins_cookie(admin_client):
    draft = make_round("draft", title="아직 비공개")
    shown = make_round("submission", title="공개 회차")
    assert admin_client.get(f"/rounds/{draft.id}").status_code == 200  # the admin's page shows the draft
    ids = [r["id"] for r in admin_client.get("/api/v1/rounds").get_json()["data"]]
    assert ids == [shown.id]
    assert admin_client.get(f"/api/v1/rounds/{draft.id}").status_code == 404
    response = admin_client.get("/api/v1/rounds")
    assert "no-store" not in response.headers["Cache-Control"] and "Set-Cookie" not in response.headers


def test_state_changing_methods_are_refused(client, app_ctx):
    for method in ("post", "put", "delete", "patch"):
        assert getattr(client, method)("/api/v1/rounds", json={}).status_code == 405


def test_a_key_is_checked_and_counted_and_a_bad_one_refused(client, app_ctx):
    key, secret = _issue()
    assert client.get("/api/v1/rounds", headers={"X-API-Key": secret}).status_code == 200
    assert client.get(f"/api/v1/rounds?api_key={secret}").status_code == 200
    db.session.refresh(key)
    assert key.use_count == 2
    wrong = client.get("/api/v1/rounds", headers={"X-API-Key": "gk_nothing", "Accept-Language": "en"})
    assert wrong.status_code == 403 and wrong.get_json()["error"]["code"] == "bad_key"
    assert wrong.headers["Access-Control-Allow-Origin"] == "*"
    with write_transaction():
        keys.revoke_key(make_user(roles={"admin"}), key, now())
    assert client.get("/api/v1/rounds", headers={"X-API-Key": secret}).status_code == 403
    _submit_only, submit_secret = _issue(("open311_submit",))
    assert client.get("/api/v1/rounds", headers={"X-API-Key": submit_secret}).get_json()["error"]["code"] == "wrong_scope"


@pytest.fixture
def tight_limits(app):
    saved = {name: app.config[name] for name in ("API_RATE_LIMIT", "API_KEY_RATE_LIMIT")}
    app.config.update(API_RATE_LIMIT="3 per minute", API_KEY_RATE_LIMIT="5 per minute")
    limiter.reset()
    yield
    app.config.update(saved)
    limiter.reset()


def test_rate_limits_count_per_address_and_per_key(client, app_ctx, tight_limits):
    _key, secret = _issue()
    other_key, other = _issue()
    for _ in range(3):
        assert client.get("/api/v1/rounds").status_code == 200
    refused = client.get("/api/v1/rounds", headers={"Accept-Language": "en"})
    assert refused.status_code == 429 and refused.get_json()["error"]["code"] == "rate_limited"
    assert refused.headers["Retry-After"]
    # Another address is not held up by the first one's requests.
    assert client.get("/api/v1/rounds", environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 200
    # A key has its own, wider budget, whatever address it comes from.
    for _ in range(5):
        assert client.get("/api/v1/rounds", headers={"X-API-Key": secret}).status_code == 200
    assert client.get("/api/v1/rounds", headers={"X-API-Key": secret}, environ_base={"REMOTE_ADDR": "10.0.0.7"}).status_code == 429
    assert client.get("/api/v1/rounds", headers={"X-API-Key": other}).status_code == 200
    assert other_key.id


def test_the_openapi_document_lists_every_api_endpoint(client, app_ctx):
    document = client.get("/api/v1/openapi.json", headers={"Accept-Language": "en"}).get_json()
    assert document["openapi"] == "3.1.0"
    paths = set(document["paths"])
    import re

    from flask import current_app
    routes = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule) for rule in current_app.url_map.iter_rules()
              if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi"}
    assert routes and routes == paths
    korean = client.get("/api/v1/openapi.json", headers={"Accept-Language": "ko"}).get_json()
    assert korean["info"]["title"] != document["info"]["title"]
