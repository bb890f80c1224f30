"""API keys (issue 15 item 4): issued once and stored hashed, scoped, counted, refused at once when revoked."""
from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from flask import g
from sqlalchemy import select

from participation.api import keys
from participation.api.guard import check_api_key, require_api_key
from participation.api.keys import ApiKeyRefused
from participation.api.models import ApiKey
from participation.core.audit import AuditEvent
from participation.core.db import write_transaction
from participation.core.errors import ServiceError
from participation.core.time import now
from participation.extensions import db
from tests.conftest import PARALLEL_CONNECTIONS
from tests.factories import make_user
from tests.voting.test_concurrency import run_in_parallel


def issue(scopes=("read",), name="새봄 민원 앱"):
    admin = make_user(roles={"admin"})
    with write_transaction():
        key, secret = keys.issue_key(admin, name, scopes, now())
    return key, secret, admin


def use(secret, scope="read"):
    with write_transaction():
        return keys.authenticate(secret, scope, now())


def refusal(secret, scope="read") -> str:
    with pytest.raises(ApiKeyRefused) as caught:
        use(secret, scope)
    return caught.value.code


def test_an_issued_secret_works_and_only_its_hash_is_stored(app_ctx):
    key, secret, _admin = issue()
    assert secret.startswith("gk_") and len(secret) >= 40
    stored = db.session.get(ApiKey, key.id)
    assert stored.hash == hashlib.sha256(secret.encode()).hexdigest()
    assert stored.prefix == secret[:8]
    row = db.session.execute(select(ApiKey.__table__)).one()
    assert secret not in json.dumps([str(value) for value in row])
    assert use(secret).id == key.id


def test_two_keys_never_share_a_secret(app_ctx):
    _first, one, _ = issue()
    _second, two, _ = issue()
    assert one != two


def test_issuing_and_revoking_are_in_the_audit_log_without_the_secret(app_ctx):
    key, secret, admin = issue(("read", "open311_submit"))
    with write_transaction():
        keys.revoke_key(admin, key, now())
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.subject_type == "api_keys").order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["api_key.issued", "api_key.revoked"]
    assert all(e.actor_id == admin.id and e.subject_id == key.id for e in events)
    assert events[0].data["scopes"] == ["open311_submit", "read"] and events[0].data["name"] == "새봄 민원 앱"
    logged = json.dumps([e.data for e in events])
    assert secret not in logged and key.hash not in logged and secret[8:20] not in logged


def test_a_key_is_refused_outside_its_scopes(app_ctx):
    _key, reader, _ = issue(("read",))
    _key, filer, _ = issue(("open311_submit",))
    assert refusal(reader, "open311_submit") == "wrong_scope"
    assert refusal(filer, "read") == "wrong_scope"
    assert use(filer, "open311_submit") is not None


def test_a_revoked_key_is_refused_at_once_and_cannot_be_revoked_twice(app_ctx):
    key, secret, admin = issue()
    use(secret)
    with write_transaction():
        keys.revoke_key(admin, key, now())
    assert refusal(secret) == "revoked"
    stored = db.session.get(ApiKey, key.id)
    assert stored.revoked_by_id == admin.id and stored.use_count == 1
    with pytest.raises(ServiceError) as caught, write_transaction():
        keys.revoke_key(admin, key, now())
    assert caught.value.code == "already_revoked"


@pytest.mark.parametrize("secret", ["", "gk_", "gk_nope", "not-a-key", "gk_" + "x" * 43, "gk_" + "가" * 300, "\x00\udcff"])
def test_a_wrong_secret_is_a_bad_key(app_ctx, secret):
    key, real, _ = issue()
    assert refusal(secret) == "bad_key"
    # One character off, with the right prefix: still refused, and nothing counted.
    assert refusal(real[:-1] + ("A" if real[-1] != "A" else "B")) == "bad_key"
    assert db.session.get(ApiKey, key.id).use_count == 0


def test_each_use_is_counted_with_its_time(app_ctx):
    key, secret, _ = issue()
    for _ in range(3):
        use(secret)
    refusal(secret, "open311_submit")  # a refused use is not a use
    stored = db.session.get(ApiKey, key.id)
    assert stored.use_count == 3 and stored.last_used_at is not None


def test_eight_parallel_uses_are_all_counted(app, app_ctx):
    assert PARALLEL_CONNECTIONS >= 8
    key, secret, _ = issue()
    key_id = key.id
    db.session.commit()

    def one_use():
        with write_transaction():
            return keys.authenticate(secret, "read", now()).id

    assert run_in_parallel(app, [one_use] * 8) == [key_id] * 8
    db.session.expire_all()
    assert db.session.get(ApiKey, key_id).use_count == 8


@pytest.mark.parametrize(
    ("name", "scopes", "code"),
    [("", ["read"], "name_required"), ("   ", ["read"], "name_required"), ("가" * 101, ["read"], "name_too_long"),
     ("앱", [], "scopes_required"), ("앱", ["admin"], "unknown_scope")],
)
def test_issuing_needs_a_name_and_known_scopes(app_ctx, name, scopes, code):
    with pytest.raises(ServiceError) as caught, write_transaction():
        keys.issue_key(make_user(roles={"admin"}), name, scopes, now())
    assert caught.value.code == code
    assert db.session.scalar(select(db.func.count()).select_from(ApiKey)) == 0


# --- require_api_key: how the /api/v1 and /open311/v2 endpoints will read a key ---------------------


def _guarded(app, scope="read", required=False, **request):
    """Call a view decorated with require_api_key inside a request like the one a client app sends."""

    @require_api_key(scope, required=required)
    def view():
        return {"key_id": g.api_key.id if g.api_key is not None else None}

    with app.test_request_context(**request):
        result = view()
        return result if isinstance(result, dict) else (result[0].get_json(), result[1])


def test_no_key_is_a_public_read(app, app_ctx):
    assert _guarded(app, path="/api/v1/rounds") == {"key_id": None}


def test_a_key_needed_but_absent_is_refused(app, app_ctx):
    body, status = _guarded(app, "open311_submit", required=True, path="/open311/v2/requests.json", method="POST")
    assert status == 403 and body["error"]["code"] == "key_required"


def test_the_key_is_read_from_the_header_the_query_or_the_form(app, app_ctx):
    key, secret, _ = issue(("read", "open311_submit"))
    assert _guarded(app, path="/api/v1/rounds", headers={"X-API-Key": secret}) == {"key_id": key.id}
    assert _guarded(app, path="/api/v1/rounds", query_string={"api_key": secret}) == {"key_id": key.id}
    assert _guarded(app, "open311_submit", path="/open311/v2/requests.json", method="POST", data={"api_key": secret}) == {"key_id": key.id}
    assert db.session.get(ApiKey, key.id).use_count == 3


@pytest.mark.parametrize(("language", "message"), [("en", "This API key is not valid."), ("ko-KR,ko;q=0.9", "올바른 API 키가 아닙니다.")])
def test_a_wrong_key_gets_403_json_in_the_requested_language(app, app_ctx, language, message):
    body, status = _guarded(app, path="/api/v1/rounds", headers={"X-API-Key": "gk_wrong", "Accept-Language": language})
    assert status == 403
    assert body == {"error": {"status": 403, "code": "bad_key", "message": message}}


def test_a_revoked_or_out_of_scope_key_gets_403_with_its_code(app, app_ctx):
    key, secret, admin = issue(("read",))
    body, status = _guarded(app, "open311_submit", path="/open311/v2/requests.json", headers={"X-API-Key": secret, "Accept-Language": "en"})
    assert (status, body["error"]["code"], body["error"]["message"]) == (403, "wrong_scope", "This API key may not be used for this.")
    with write_transaction():
        keys.revoke_key(admin, key, now())
    body, status = _guarded(app, path="/api/v1/rounds", headers={"X-API-Key": secret, "Accept-Language": "en"})
    assert (status, body["error"]["code"]) == (403, "revoked")


def test_check_api_key_raises_for_callers_that_answer_in_their_own_format(app, app_ctx):
    """Open311 answers errors as <errors><error>…; it calls check_api_key and renders the refusal itself."""
    with app.test_request_context("/open311/v2/requests.xml", headers={"X-API-Key": "gk_wrong"}):
        with pytest.raises(ApiKeyRefused) as caught:
            check_api_key("open311_submit")
    assert caught.value.code == "bad_key"


def test_a_use_that_started_earlier_does_not_move_the_last_use_back(app_ctx):
    key, secret, _ = issue()
    later = now()
    with write_transaction():
        keys.authenticate(secret, "read", later)
    with write_transaction():
        keys.authenticate(secret, "read", later - timedelta(seconds=5))
    stored = db.session.get(ApiKey, key.id)
    assert stored.last_used_at == later and stored.use_count == 2


def test_the_audit_log_drops_a_secret_whatever_a_caller_passes(app_ctx):
    from participation.core import audit

    event = audit.record("api_key.issued", now(), secret="gk_leak", api_key="gk_leak", name="앱")
    assert event.data == {"name": "앱"}
