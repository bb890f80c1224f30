"""Security baseline: CSRF, headers, cookies, escaping, error pages."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from config import ProductionConfig
from participation import create_app
from participation.accounts.models import User
from participation.extensions import db
from tests.factories import PASSWORD, make_department, make_user


def test_post_without_csrf_token_gets_the_400_page_and_changes_nothing(client, app_ctx):
    client.use_english()
    response = client.post(
        "/register",
        data={"email": "a@example.kr", "display_name": "주민", "password": PASSWORD, "consent": "y"},
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "This form has expired or is missing its security token." in body
    assert db.session.scalar(select(User)) is None


def test_post_with_a_forged_csrf_token_is_refused(client, app_ctx):
    user = make_user()
    client.login(user.email)
    response = client.post("/logout", data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert client.get("/account").status_code == 200


def test_csrf_error_page_is_in_korean_by_default(client):
    response = client.post("/language", data={"lang": "en"})
    assert response.status_code == 400
    assert '<html lang="ko">' in response.get_data(as_text=True)


def test_every_response_carries_a_strict_content_security_policy(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script_or_style(client, app_ctx):
    admin = make_user(roles={"admin"})
    client.login(admin.email)
    for url in ("/", "/account", "/admin/", "/admin/users", "/admin/departments/", "/admin/audit", "/login"):
        body = client.get(url).get_data(as_text=True)
        for tag, content in re.findall(r"<script([^>]*)>(.*?)</script>", body, re.S):
            assert "src=" in tag and not content.strip(), url  # external scripts only
        assert len(re.findall(r"<script", body)) == len(re.findall(r"<script[^>]*src=", body)), url
        assert "style=" not in body and "<style" not in body, url
        assert " on" + "click=" not in body, url


def test_session_cookie_is_httponly_and_samesite_lax(client, app_ctx):
    user = make_user()
    response = client.post_form("/login", {"email": user.email, "password": PASSWORD, "remember": "y"})
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("gongron_session="))
    remember_cookie = next(c for c in cookies if c.startswith("gongron_remember="))
    for cookie in (session_cookie, remember_cookie):
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in session_cookie  # development and tests run over plain HTTP


def test_production_cookies_are_secure_and_hsts_is_sent(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("PUBLIC_URL", "https://participate.city.go.kr")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")  # not contacted: /privacy has no limit
    app = create_app(ProductionConfig)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    response = app.test_client().get("/privacy")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_signed_in_pages_are_not_cached_by_shared_caches(client, app_ctx):
    user = make_user()
    client.login(user.email)
    assert client.get("/account").headers["Cache-Control"] == "private, no-store"


def test_user_data_in_messages_is_escaped(client, app_ctx):
    admin = make_user(roles={"admin"})
    sneaky = make_user(display_name="<b>굵게</b>")
    department = make_department()
    client.login(admin.email)
    response = client.post_form(
        f"/admin/users/{sneaky.id}", {"roles": ["official"], "department_id": str(department.id)}, follow_redirects=True
    )
    body = response.get_data(as_text=True)
    assert "<b>굵게</b>" not in body
    assert "&lt;b&gt;굵게&lt;/b&gt;" in body


def test_unknown_url_gets_the_404_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "페이지를 찾을 수 없습니다" in response.get_data(as_text=True)


def test_wrong_method_gets_the_405_page(client):
    client.use_english()
    response = client.get("/language")
    assert response.status_code == 405
    assert "Method not allowed" in response.get_data(as_text=True)


def test_oversized_body_gets_the_413_page(client, app):
    client.use_english()
    token = client.csrf_token("/register")
    big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post("/register", data={"csrf_token": token, "display_name": big})
    assert response.status_code == 413
    assert "What you sent is larger than we accept." in response.get_data(as_text=True)


def test_403_page_for_a_signed_in_person_without_permission(client, app_ctx):
    user = make_user()
    client.login(user.email)
    response = client.get("/admin/")
    assert response.status_code == 403
    assert "접근 권한 없음" in response.get_data(as_text=True)


def test_json_clients_get_json_errors(client):
    response = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.is_json and response.json["error"]["status"] == 404


@pytest.fixture
def failing_app(tmp_path):
    app = create_app(
        "testing",
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}", "HANDLE_UNEXPECTED_ERRORS": True, "PROPAGATE_EXCEPTIONS": False},
    )

    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    return app


def test_unexpected_errors_get_the_500_page_in_both_languages(failing_app):
    client = failing_app.test_client()
    response = client.get("/boom")
    assert response.status_code == 500
    assert "문제가 발생했습니다" in response.get_data(as_text=True)
    with client.session_transaction() as session:
        session["lang"] = "en"
    response = client.get("/boom")
    assert "Something went wrong" in response.get_data(as_text=True)
    assert "RuntimeError" not in response.get_data(as_text=True)


def test_form_fields_carry_accessible_error_links(client):
    client.use_english()
    body = client.post_form("/register", {"email": "bad", "display_name": "ok이름", "password": "x", "consent": ""}, token_from="/register").get_data(as_text=True)
    assert 'aria-invalid="true"' in body and 'aria-describedby="email-error"' in body
    assert 'href="#email"' in body
    assert '="None"' not in body


def test_huge_ids_in_urls_are_404_not_a_database_error(client, app_ctx):
    admin = make_user(roles={"admin"})
    client.login(admin.email)
    for url in ("/users/99999999999999999999", "/admin/users/2147483648", "/admin/departments/99999999999999999999"):
        assert client.get(url).status_code == 404, url


def test_nul_characters_are_refused_before_they_reach_the_database(client, app_ctx):
    admin = make_user(roles={"admin"})
    client.login(admin.email)
    client.use_english()
    for url in ("/admin/audit?action=a%00b", "/admin/users?q=%00"):
        response = client.get(url)
        assert response.status_code == 400
        assert "The request contained a character that is not allowed." in response.get_data(as_text=True)
    response = client.post_form("/admin/departments/", {"name_ko": "부서\x00", "name_en": ""})
    assert response.status_code == 400
