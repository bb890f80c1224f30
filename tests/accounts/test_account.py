"""The account pages: profile, password change, deletion, public profile."""
from __future__ import annotations

from sqlalchemy import select

from participation.accounts.models import LoginSession, User
from participation.core.audit import AuditEvent
from participation.extensions import db
from tests.factories import PASSWORD, make_district, make_user

NEW_PASSWORD = "another-long-passphrase"


def test_profile_page_shows_and_saves_the_persons_details(client, app_ctx):
    gu = make_district("푸른구")
    dong = make_district("강변동", parent=gu)
    user = make_user(email="lee@example.kr", display_name="이웃")
    client.login(user.email)
    body = client.get("/account").get_data(as_text=True)
    assert "lee@example.kr" in body and "이웃" in body
    response = client.post_form("/account", {"display_name": "강변 이웃", "district_id": str(dong.id)}, token_from="/account")
    assert response.status_code == 302
    user = db.session.get(User, user.id)
    assert (user.display_name, user.district) == ("강변 이웃", dong)
    assert "user.profile_updated" in db.session.scalars(select(AuditEvent.action)).all()


def test_profile_refuses_an_over_long_display_name(client, app_ctx):
    user = make_user(display_name="이웃")
    client.login(user.email)
    client.use_english()
    response = client.post_form("/account", {"display_name": "가" * 31, "district_id": ""})
    assert response.status_code == 422
    assert "Use 2 to 30 characters." in response.get_data(as_text=True)
    assert db.session.get(User, user.id).display_name == "이웃"


def test_change_password_needs_the_current_one(client, app_ctx):
    user = make_user()
    client.login(user.email)
    client.use_english()
    response = client.post_form("/account/password", {"current_password": "wrong-password-1", "new_password": NEW_PASSWORD})
    assert response.status_code == 422
    assert "Your current password is not correct." in response.get_data(as_text=True)
    response = client.post_form("/account/password", {"current_password": PASSWORD, "new_password": "short"})
    assert "Use at least 10 characters." in response.get_data(as_text=True)
    response = client.post_form("/account/password", {"current_password": PASSWORD, "new_password": PASSWORD})
    assert "Choose a password different from the current one." in response.get_data(as_text=True)


def test_change_password_signs_out_other_devices_but_not_this_one(client, make_client, app_ctx):
    user = make_user()
    phone = make_client()
    phone.login(user.email)
    client.login(user.email)
    response = client.post_form("/account/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert phone.get("/account").status_code == 302
    client.logout()
    client.login(user.email, password=NEW_PASSWORD)
    assert "user.password_changed" in db.session.scalars(select(AuditEvent.action)).all()


def test_delete_account_anonymises_and_signs_out_everywhere(client, make_client, app_ctx):
    dong = make_district("햇살동", parent=make_district("새봄구"))
    user = make_user(email="gone@example.kr", display_name="떠나는이", district=dong)
    other_device = make_client()
    other_device.login(user.email)
    client.login(user.email)
    response = client.post_form("/account/delete", {"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    user = db.session.get(User, user.id)
    assert user.is_deleted
    assert "gone@example.kr" not in user.email and user.display_name == "" and user.district is None
    assert user.roles == frozenset()
    assert all(s.ended_at is not None for s in db.session.scalars(select(LoginSession)))
    assert other_device.get("/account").status_code == 302
    # The address can be used again, and the old password opens nothing.
    assert client.post_form("/login", {"email": "gone@example.kr", "password": PASSWORD}).status_code == 422
    make_user(email="gone@example.kr")


def test_delete_account_needs_password_and_confirmation(client, app_ctx):
    user = make_user()
    client.login(user.email)
    client.use_english()
    body = client.post_form("/account/delete", {"password": "wrong-password-1", "confirm": "y"}).get_data(as_text=True)
    assert "Your password is not correct." in body
    body = client.post_form("/account/delete", {"password": PASSWORD}).get_data(as_text=True)
    assert "Tick the box to confirm." in body
    assert not db.session.get(User, user.id).is_deleted


def test_the_only_admin_cannot_delete_their_account(client, app_ctx):
    admin = make_user(roles={"admin"})
    client.login(admin.email)
    client.use_english()
    response = client.post_form("/account/delete", {"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 422
    assert "You are the only administrator." in response.get_data(as_text=True)


def test_public_profile_shows_pseudonymous_facts_only(client, app_ctx):
    user = make_user(email="secret@example.kr", display_name="공개이름")
    body = client.get(f"/users/{user.id}").get_data(as_text=True)
    assert "공개이름" in body
    assert "secret@example.kr" not in body


def test_public_profile_of_a_deleted_account_is_gone(client, app_ctx):
    user = make_user()
    client.login(user.email)
    client.post_form("/account/delete", {"password": PASSWORD, "confirm": "y"})
    assert client.get(f"/users/{user.id}").status_code == 404
    assert client.get("/users/999999").status_code == 404


def test_account_pages_need_sign_in(client):
    for url in ("/account", "/account/password", "/account/delete"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.location.startswith("/login?next=")


def test_the_account_page_leads_to_the_notification_settings(client, app_ctx):
    """The mobile number is there 'for the text messages chosen in the notification settings': so is the way to them."""
    client.login(make_user().email)
    assert 'href="/account/notifications"' in client.get("/account").get_data(as_text=True)
