"""The administrators' API key screens: list, issue (the secret shown once), revoke with confirmation."""
from __future__ import annotations

import re

from sqlalchemy import select

from participation.api.models import ApiKey
from participation.core.audit import AuditEvent
from participation.extensions import db
from tests.api.test_keys import issue, use
from tests.factories import make_department, make_user


def _secret_on(page: str) -> str:
    return re.search(r'value="(gk_[A-Za-z0-9_-]+)"', page).group(1)


def test_an_admin_issues_a_key_and_sees_its_secret_once(admin_client):
    response = admin_client.post_form("/admin/api-keys/new", {"name": "새봄 민원 앱", "scopes": ["read", "open311_submit"]}, token_from="/admin/api-keys/new")
    assert response.status_code == 201
    page = response.get_data(as_text=True)
    secret = _secret_on(page)
    assert "It is shown only this once" in page
    assert response.headers["Cache-Control"] == "private, no-store"
    key = db.session.scalar(select(ApiKey))
    assert key.name == "새봄 민원 앱" and key.scopes == ["open311_submit", "read"] and key.created_by_id == admin_client.user.id
    assert use(secret, "open311_submit").id == key.id
    listing = admin_client.get("/admin/api-keys/").get_data(as_text=True)
    assert "새봄 민원 앱" in listing and key.prefix in listing and secret not in listing
    assert secret not in admin_client.get(f"/admin/api-keys/{key.id}/revoke").get_data(as_text=True)
    assert secret not in admin_client.get("/admin/audit").get_data(as_text=True)


def test_the_list_shows_uses_and_revocations(admin_client):
    key, secret, _admin = issue(("read",), name="데이터 저널리즘 팀")
    use(secret)
    use(secret)
    page = admin_client.get("/admin/api-keys/").get_data(as_text=True)
    row = page[page.index("데이터 저널리즘 팀"):]
    row = row[: row.index("</tr>")]
    assert "<td>2</td>" in row and "Read open data" in row and "Active" in row and "Never" not in row


def test_issuing_without_a_name_or_a_scope_is_a_form_error(admin_client):
    response = admin_client.post_form("/admin/api-keys/new", {"name": "", "scopes": []}, token_from="/admin/api-keys/new")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Give the key a name." in page and "Choose at least one scope." in page
    response = admin_client.post_form("/admin/api-keys/new", {"name": "앱", "scopes": ["everything"]}, token_from="/admin/api-keys/new")
    assert response.status_code == 422 and "Choose one of the options." in response.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(ApiKey)) == 0


def test_revoking_needs_the_confirmation_and_then_refuses_the_key(admin_client):
    key, secret, _ = issue()
    url = f"/admin/api-keys/{key.id}/revoke"
    response = admin_client.post_form(url, {}, token_from=url)
    assert response.status_code == 422 and "Tick the box to confirm." in response.get_data(as_text=True)
    assert not db.session.get(ApiKey, key.id).is_revoked
    response = admin_client.post_form(url, {"confirm": "y"}, token_from=url, follow_redirects=True)
    assert "Revoked the key" in response.get_data(as_text=True)
    stored = db.session.get(ApiKey, key.id)
    assert stored.is_revoked and stored.revoked_by_id == admin_client.user.id
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api_key.revoked")).subject_id == key.id
    again = admin_client.get(url).get_data(as_text=True)
    assert "This key was revoked on" in again and 'name="confirm"' not in again


def test_revoking_without_a_csrf_token_changes_nothing(admin_client):
    key, _secret, _ = issue()
    response = admin_client.post(f"/admin/api-keys/{key.id}/revoke", data={"confirm": "y"})
    assert response.status_code == 400
    assert not db.session.get(ApiKey, key.id).is_revoked


def test_only_administrators_reach_the_key_screens(app_ctx, make_client):
    key, _secret, _ = issue()
    db.session.commit()
    paths = ["/admin/api-keys/", "/admin/api-keys/new", f"/admin/api-keys/{key.id}/revoke"]
    department = make_department()
    for roles in ({"official"}, {"moderator"}, set(), {"counter"}):
        client = make_client()
        client.login(make_user(roles=roles, department=department if "official" in roles else None).email)
        for path in paths:
            assert client.get(path).status_code == 403, (roles, path)
        token = client.csrf_token()
        assert client.post(paths[2], data={"csrf_token": token, "confirm": "y"}).status_code == 403
        assert client.post(paths[1], data={"csrf_token": token, "name": "x", "scopes": "read"}).status_code == 403
    visitor = make_client()
    assert all(visitor.get(path).status_code == 302 for path in paths)
    assert not db.session.get(ApiKey, key.id).is_revoked
    assert db.session.scalar(select(db.func.count()).select_from(ApiKey)) == 1


def test_an_unknown_key_is_404(admin_client):
    assert admin_client.get("/admin/api-keys/999999/revoke").status_code == 404


def test_the_admin_index_links_to_the_key_screens(admin_client):
    assert 'href="/admin/api-keys/"' in admin_client.get("/admin/").get_data(as_text=True)


def test_the_screens_read_in_korean(admin_client):
    admin_client.post_form("/language", {"lang": "ko"})
    key, _secret, _ = issue()
    assert "API 키 발급" in admin_client.get("/admin/api-keys/new").get_data(as_text=True)
    assert "폐기" in admin_client.get(f"/admin/api-keys/{key.id}/revoke").get_data(as_text=True)
