"""Signing in and out: fresh sessions, real logout, remember-me, brute-force limits, audit."""
from __future__ import annotations

from datetime import timedelta

from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from participation.accounts.models import LoginSession
from participation.core.audit import AuditEvent
from participation.core.time import now
from participation.extensions import db
from tests.factories import PASSWORD, make_user


def session_cookie(client):
    cookie = client.get_cookie("gongron_session")
    return cookie.value if cookie else None


def test_login_with_correct_password_signs_in(client, app_ctx):
    user = make_user(email="kim@example.kr")
    response = client.login("KIM@example.kr")
    assert response.location == "/account"
    assert client.get("/account").status_code == 200
    assert db.session.scalar(select(LoginSession).where(LoginSession.user_id == user.id)).ended_at is None


def test_wrong_password_and_unknown_email_get_the_same_message(client, app_ctx):
    make_user(email="kim@example.kr")
    client.use_english()
    for email, password in (("kim@example.kr", "wrong-password-1"), ("nobody@example.kr", PASSWORD)):
        response = client.post_form("/login", {"email": email, "password": password})
        assert response.status_code == 422
        assert "The email or password is not correct." in response.get_data(as_text=True)
    reasons = db.session.scalars(select(AuditEvent.data).where(AuditEvent.action == "auth.login_failed").order_by(AuditEvent.id)).all()
    assert [r["reason"] for r in reasons] == ["wrong_password", "unknown_account"]


def test_login_issues_a_fresh_session_so_a_planted_one_is_useless(client, make_client, app_ctx):
    user = make_user()
    client.get("/login")
    planted = session_cookie(client)
    client.login(user.email)
    assert session_cookie(client) != planted
    # An attacker holding the pre-login cookie is not signed in.
    attacker = make_client()
    attacker.set_cookie("gongron_session", planted)
    assert attacker.get("/account").status_code == 302


def test_logout_ends_the_session_even_for_a_copied_cookie(client, make_client, app_ctx):
    user = make_user()
    client.login(user.email)
    stolen = session_cookie(client)
    assert client.logout().status_code == 302
    assert client.get("/account").status_code == 302
    thief = make_client()
    thief.set_cookie("gongron_session", stolen)
    assert thief.get("/account").status_code == 302
    assert db.session.scalar(select(LoginSession)).ended_at is not None


def test_logout_is_not_possible_with_get(client, app_ctx):
    user = make_user()
    client.login(user.email)
    assert client.get("/logout").status_code == 405
    assert client.get("/account").status_code == 200


def test_remember_me_is_off_by_default(client, app_ctx):
    user = make_user()
    body = client.get("/login").get_data(as_text=True)
    assert 'name="remember"' in body and 'name="remember" type="checkbox" value="y" checked' not in body
    client.login(user.email)
    assert client.get_cookie("gongron_remember") is None
    login_session = db.session.scalar(select(LoginSession))
    assert login_session.expires_at - login_session.created_at == timedelta(hours=12)


def test_remember_me_keeps_a_revocable_sign_in(client, app_ctx):
    user = make_user()
    client.login(user.email, remember="y")
    assert client.get_cookie("gongron_remember") is not None
    login_session = db.session.scalar(select(LoginSession))
    assert login_session.expires_at - login_session.created_at == timedelta(days=14)


def test_an_expired_session_no_longer_signs_in(client, app_ctx):
    user = make_user()
    client.login(user.email)
    login_session = db.session.scalar(select(LoginSession))
    login_session.expires_at = now() - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/account").status_code == 302


def test_next_parameter_is_followed_only_within_the_site(client, app_ctx):
    user = make_user()
    response = client.post_form("/login", {"email": user.email, "password": PASSWORD, "next": "https://evil.example/"})
    assert response.location == "/account"
    client.logout()
    response = client.post_form("/login", {"email": user.email, "password": PASSWORD, "next": "//evil.example/x"})
    assert response.location == "/account"
    client.logout()
    response = client.post_form("/login", {"email": user.email, "password": PASSWORD, "next": "/privacy"})
    assert response.location == "/privacy"


def test_login_is_limited_per_account_with_a_clear_message(client, make_client, app, app_ctx):
    user = make_user(email="target@example.kr")
    client.use_english()
    for _ in range(5):
        assert client.post_form("/login", {"email": user.email, "password": "not-the-password"}).status_code == 422
    response = client.post_form("/login", {"email": "Target@Example.kr", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-in attempts. For your security, wait 15 minutes and try again." in response.get_data(as_text=True)
    # Another account from the same address is not affected.
    other = make_user(email="other@example.kr")
    assert make_client().post_form("/login", {"email": other.email, "password": PASSWORD}).status_code == 302


def test_login_is_limited_per_ip_across_accounts(client, app, app_ctx):
    app.config["LOGIN_LIMIT_PER_IP"] = "3 per 5 minutes"
    try:
        for n in range(3):
            client.post_form("/login", {"email": f"guess{n}@example.kr", "password": "not-the-password"})
        user = make_user()
        response = client.post_form("/login", {"email": user.email, "password": PASSWORD})
        assert response.status_code == 429
        assert "로그인 실패가 너무 많습니다. 계정 보호를 위해 5분 뒤에 다시 시도하세요." in response.get_data(as_text=True)
        assert int(response.headers["Retry-After"]) > 0
    finally:
        app.config["LOGIN_LIMIT_PER_IP"] = "20 per 5 minutes"


def test_successful_logins_do_not_count_towards_the_limit(client, app_ctx):
    user = make_user()
    for _ in range(7):
        client.login(user.email)
        client.logout()


def test_login_and_logout_are_audited_without_passwords_or_addresses(client, app_ctx):
    user = make_user()
    client.post_form("/login", {"email": user.email, "password": "wrong-password-9"})
    client.login(user.email)
    client.logout()
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    actions = [e.action for e in events]
    assert actions[-3:] == ["auth.login_failed", "auth.login", "auth.logout"]
    for event in events:
        serialised = repr(event.data) + (event.client_hash or "")
        assert PASSWORD not in serialised and "wrong-password-9" not in serialised
        assert "127.0.0.1" not in serialised
    assert events[-1].client_hash and len(events[-1].client_hash) == 16


def test_a_signed_in_page_costs_one_query_for_the_person(client, count_queries, app_ctx):
    user = make_user(roles={"admin"})
    client.login(user.email)
    with count_queries() as statements:
        assert client.get("/privacy").status_code == 200
    # Session, person and roles in one statement; nothing per link or badge.
    assert len(statements) == 1, statements


def test_empty_sign_in_does_not_use_the_account_budget(client, make_client, app_ctx):
    """Every empty form once shared one key: five of them, from anyone, gave everyone a 429."""
    for _ in range(8):
        visitor = make_client()
        visitor.use_english()
        response = visitor.post_form("/login", {"email": "", "password": ""})
        assert response.status_code == 422
        body = response.get_data(as_text=True)
        assert "Enter your email address." in body and "Enter your password." in body
        assert 'aria-invalid="true"' in body


def test_a_form_without_a_password_does_not_use_that_accounts_budget(client, make_client, app_ctx):
    user = make_user(email="kim@example.kr")
    client.use_english()
    for _ in range(8):
        response = client.post_form("/login", {"email": user.email, "password": ""})
        assert response.status_code == 422
        assert "Enter your password." in response.get_data(as_text=True)
    assert make_client().post_form("/login", {"email": user.email, "password": PASSWORD}).status_code == 302


def test_invalid_forms_do_not_use_the_address_budget(client, app, app_ctx):
    app.config["LOGIN_LIMIT_PER_IP"] = "3 per 5 minutes"
    try:
        for n in range(6):
            # No password, an overlong email, no CSRF token: none of them checked a password.
            client.post_form("/login", {"email": f"guess{n}@example.kr", "password": ""})
            client.post_form("/login", {"email": "x" * 300 + "@example.kr", "password": "not-the-password"})
            client.post("/login", data={"email": f"guess{n}@example.kr", "password": "not-the-password"})
        user = make_user()
        assert client.post_form("/login", {"email": user.email, "password": PASSWORD}).status_code == 302
    finally:
        app.config["LOGIN_LIMIT_PER_IP"] = "20 per 5 minutes"


def _attack(attacker, email, times=5):
    for _ in range(times):
        assert attacker.post_form("/login", {"email": email, "password": "not-the-password"}).status_code == 422


def test_the_owner_on_a_known_device_signs_in_during_an_attack(client, make_client, app_ctx):
    owner = make_user(email="owner@example.kr")
    client.login(owner.email)
    assert client.get_cookie("gongron_device") is not None
    client.logout()
    attacker = make_client()
    _attack(attacker, owner.email)
    # The attacker is still throttled, even with the right password...
    assert attacker.post_form("/login", {"email": owner.email, "password": PASSWORD}).status_code == 429
    # ...and a fresh browser without history is treated like the attacker.
    assert make_client().post_form("/login", {"email": owner.email, "password": PASSWORD}).status_code == 429
    # The owner's browser, which signed in before, is not locked out.
    assert client.login(owner.email).location == "/account"


def test_a_known_device_has_a_budget_of_its_own(client, make_client, app_ctx):
    owner = make_user(email="owner@example.kr")
    client.login(owner.email)
    client.logout()
    _attack(client, owner.email)
    assert client.post_form("/login", {"email": owner.email, "password": PASSWORD}).status_code == 429
    # Its failures were its own: the account's budget is untouched for other browsers.
    assert make_client().post_form("/login", {"email": owner.email, "password": PASSWORD}).status_code == 302


def test_a_device_cookie_vouches_only_for_the_accounts_signed_in_there(client, make_client, app_ctx):
    owner = make_user(email="owner@example.kr")
    attacker_account = make_user(email="attacker@example.kr")
    attacker = make_client()
    attacker.login(attacker_account.email)
    attacker.logout()
    _attack(attacker, owner.email)
    assert attacker.post_form("/login", {"email": owner.email, "password": PASSWORD}).status_code == 429



def test_an_edited_device_cookie_vouches_for_nobody(client, make_client, app_ctx):
    owner = make_user(email="owner@example.kr")
    client.login(owner.email)
    client.logout()
    _attack(make_client(), owner.email)
    genuine = client.get_cookie("gongron_device").value
    payload, timestamp, signature = genuine.rsplit(".", 2)
    for edited in (f"{payload}.{timestamp}.{signature[::-1]}", f"{payload[:-2]}xx.{timestamp}.{signature}"):
        forged = make_client()
        forged.set_cookie("gongron_device", edited)
        assert forged.post_form("/login", {"email": owner.email, "password": PASSWORD}).status_code == 429


def test_a_password_change_keeps_only_the_browser_it_was_made_on_trusted(client, make_client, app_ctx):
    owner = make_user(email="owner@example.kr")
    other_device = make_client()
    other_device.login(owner.email)
    other_device.logout()
    client.login(owner.email)
    new_password = "a-fresh-river-lantern-42"
    changed = client.post_form("/account/password", {"current_password": PASSWORD, "new_password": new_password})
    assert changed.status_code == 302
    client.logout()
    _attack(make_client(), owner.email)
    # A device that signed in with the old password (perhaps a thief's) no longer skips the lockout...
    assert other_device.post_form("/login", {"email": owner.email, "password": new_password}).status_code == 429
    # ...and the browser where the password was changed still does.
    assert client.login(owner.email, new_password).location == "/account"


def test_the_device_cookie_is_http_only_and_long_lived(client, app, app_ctx):
    user = make_user()
    response = client.login(user.email)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("gongron_device="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=31536000" in cookie
    # It names the account by id and the browser by a random id: no email address.
    data = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="gongron-known-device").loads(client.get_cookie("gongron_device").value)
    assert set(data) == {"d", "a"} and data["a"] == {str(user.id): data["a"][str(user.id)]}
