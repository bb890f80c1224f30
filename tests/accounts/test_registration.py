"""Registration: what is asked, what is refused, and how each mistake is told."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from wtforms import HiddenField

from participation.accounts.forms import RegisterForm
from participation.accounts.models import User
from participation.core.audit import AuditEvent
from participation.extensions import db
from tests.factories import PASSWORD, make_district, make_user


def register(client, **overrides):
    data = {
        "email": "new.person@example.kr",
        "display_name": "새주민",
        "password": PASSWORD,
        "consent": "y",
        "district_id": "",
    }
    data.update(overrides)
    return client.post_form("/register", data, token_from="/register")


def test_register_creates_a_resident_and_signs_them_in(client, app_ctx):
    dong = make_district("햇살동", parent=make_district("새봄구"))
    response = register(client, email="  New.Person@Example.KR ", district_id=str(dong.id))
    assert response.status_code == 302
    user = db.session.scalar(select(User))
    assert user.email == "new.person@example.kr"
    assert user.roles == {"resident"}
    assert user.district == dong
    assert user.privacy_consented_at is not None
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert client.get("/account").status_code == 200


def test_registration_asks_for_nothing_beyond_what_the_platform_needs():
    fields = set(RegisterForm.__dict__) & {"email", "display_name", "password", "district_id", "consent"}
    # The hidden "next" (where the person was going) is no personal data.
    declared = {name for name, value in vars(RegisterForm).items() if hasattr(value, "field_class") and value.field_class is not HiddenField}
    assert declared == fields == {"email", "display_name", "password", "district_id", "consent"}
    assert not any("resident" in name or "rrn" in name or "birth" in name for name in declared)


def test_duplicate_email_is_refused_whatever_its_case(client, app_ctx):
    client.use_english()
    make_user(email="taken@example.kr")
    response = register(client, email="TAKEN@example.kr")
    assert response.status_code == 422
    assert "An account with this email already exists." in response.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(User)) == 1


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1!", "Use at least 10 characters."),
        ("1q2w3e4r5t", "This password is too common or too simple."),
        ("aaaaaaaaaaaa", "This password is too common or too simple."),
        ("new.person-2026", "Do not use your email address or display name as your password."),
        ("x" * 129 + "abcd", "Use at most 128 characters."),
    ],
)
def test_weak_password_is_refused_with_a_reason(client, app_ctx, password, message):
    client.use_english()
    response = register(client, password=password)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(User)) is None


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"display_name": "가" * 31}, "Use 2 to 30 characters."),
        ({"display_name": "가"}, "Use 2 to 30 characters."),
        ({"display_name": "  "}, "Enter a display name."),
        ({"display_name": "bad\u0007name"}, "Use letters, numbers and ordinary punctuation only."),
        ({"email": "not-an-email"}, "Enter a valid email address, like name@example.kr."),
        ({"email": ""}, "Enter your email address."),
        ({"email": "a" * 250 + "@example.kr"}, "Use at most 254 characters."),
        ({"consent": ""}, "You need to agree to the privacy notice to create an account."),
        ({"district_id": "999999"}, "Choose one of the options."),
    ],
)
def test_each_field_error_is_shown_next_to_its_field_and_in_the_summary(client, app_ctx, overrides, message):
    client.use_english()
    response = register(client, **overrides)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'class="error-summary"' in body
    assert body.count(message) >= 2  # in the summary and next to the field
    assert db.session.scalar(select(User)) is None


def test_errors_appear_in_korean_by_default_and_in_english_when_chosen(client, app_ctx):
    body = register(client, display_name="가" * 31).get_data(as_text=True)
    assert "2~30자로 입력하세요." in body
    client.post_form("/language", {"lang": "en", "next": "/register"})
    body = register(client, display_name="가" * 31).get_data(as_text=True)
    assert "Use 2 to 30 characters." in body


def test_register_is_audited(client, app_ctx):
    register(client)
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "user.registered" in actions
    assert "auth.login" in actions


def test_signed_in_person_opening_register_is_sent_to_their_account(client, app_ctx):
    user = make_user()
    client.login(user.email)
    client.use_english()
    response = client.get("/register")
    assert response.status_code == 302 and response.location == "/account"
    body = client.get("/account").get_data(as_text=True)
    assert "You already have an account and are signed in with it." in body


def test_signed_in_person_posting_register_creates_nothing(client, app_ctx):
    user = make_user()
    client.login(user.email)
    data = {"email": "second@example.kr", "display_name": "둘째계정", "password": PASSWORD, "consent": "y"}
    response = client.post_form("/register", data, token_from="/account")
    assert response.status_code == 302 and response.location == "/account"
    assert db.session.scalar(select(User.id).where(User.email == "second@example.kr")) is None


def test_registration_is_rate_limited_per_ip(client, app, app_ctx):
    app.config["REGISTER_LIMIT_PER_IP"] = "2 per hour"
    client.use_english()
    try:
        assert register(client, email="one@example.kr").status_code == 302
        client.logout()
        assert register(client, email="two@example.kr").status_code == 302
        client.logout()
        response = register(client, email="three@example.kr")
        assert response.status_code == 429
        assert "Too many accounts were created from this connection. Please try again in 60 minutes." in response.get_data(as_text=True)
    finally:
        app.config["REGISTER_LIMIT_PER_IP"] = "10 per hour"


def test_a_newcomer_sent_to_sign_in_lands_where_they_were_going_after_registering(client, app_ctx):
    login_page = client.get("/login?next=/requests/new").get_data(as_text=True)
    assert 'href="/register?next=/requests/new"' in login_page  # "create an account" keeps the way
    form = client.get("/register?next=/requests/new").get_data(as_text=True)
    assert '<input id="next" name="next" type="hidden" value="/requests/new">' in form
    assert 'href="/login?next=/requests/new"' in form
    response = register(client, next="/requests/new")
    assert response.status_code == 302 and response.headers["Location"] == "/requests/new"


def test_registering_with_a_next_elsewhere_lands_on_the_account_page(client, app_ctx):
    response = register(client, next="https://elsewhere.example/phish")
    assert response.status_code == 302 and response.headers["Location"] == "/account"
