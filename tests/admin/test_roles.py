"""Admins assign roles and departments; every change is audited; nobody acts beyond their role."""
from __future__ import annotations

from sqlalchemy import select

from participation.accounts.models import User
from participation.core.audit import AuditEvent
from participation.extensions import db
from tests.factories import make_department, make_user


def test_admin_makes_someone_an_official_of_a_department_and_the_audit_log_shows_it(client, app_ctx):
    admin = make_user(roles={"admin"}, display_name="시스템관리자")
    resident = make_user(display_name="박주무관")
    department = make_department("교통정책과", "Transport Policy Division")
    client.login(admin.email)
    response = client.post_form(
        f"/admin/users/{resident.id}",
        {"roles": ["official"], "department_id": str(department.id)},
        token_from=f"/admin/users/{resident.id}",
    )
    assert response.status_code == 302
    resident = db.session.get(User, resident.id)
    assert resident.roles == {"resident", "official"}
    assert resident.department == department

    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "user.roles_changed", AuditEvent.subject_id == resident.id)
    )
    assert event.actor_id == admin.id and event.subject_id == resident.id
    assert event.data["added"] == ["official"] and event.data["department_id"] == department.id

    log = client.get("/admin/audit").get_data(as_text=True)
    assert "user.roles_changed" in log and "시스템관리자" in log and "added=[&#39;official&#39;]" in log
    # The person's own page in the admin shows the history too.
    history = client.get(f"/admin/users/{resident.id}").get_data(as_text=True)
    assert "user.roles_changed" in history and "시스템관리자" in history
    # The official's badge names the department.
    assert "교통정책과" in client.get(f"/users/{resident.id}").get_data(as_text=True)


def test_an_official_needs_a_department(client, app_ctx):
    admin = make_user(roles={"admin"})
    resident = make_user()
    client.login(admin.email)
    client.use_english()
    response = client.post_form(f"/admin/users/{resident.id}", {"roles": ["official"], "department_id": ""})
    assert response.status_code == 422
    assert "An official must belong to a department." in response.get_data(as_text=True)
    assert db.session.get(User, resident.id).roles == {"resident"}


def test_one_person_may_hold_several_roles(client, app_ctx):
    admin = make_user(roles={"admin"})
    person = make_user()
    department = make_department()
    client.login(admin.email)
    client.post_form(f"/admin/users/{person.id}", {"roles": ["official", "moderator"], "department_id": str(department.id)})
    assert db.session.get(User, person.id).roles == {"resident", "official", "moderator"}


def test_removing_the_official_role_clears_the_department(client, app_ctx):
    admin = make_user(roles={"admin"})
    department = make_department()
    official = make_user(roles={"official"}, department=department)
    client.login(admin.email)
    client.post_form(f"/admin/users/{official.id}", {"roles": [], "department_id": str(department.id)})
    official = db.session.get(User, official.id)
    assert official.roles == {"resident"} and official.department is None


def test_the_last_admin_cannot_remove_their_own_admin_role(client, app_ctx):
    admin = make_user(roles={"admin"})
    client.login(admin.email)
    client.use_english()
    response = client.post_form(f"/admin/users/{admin.id}", {"roles": [], "department_id": ""})
    assert response.status_code == 422
    assert "This is the only administrator." in response.get_data(as_text=True)
    assert db.session.get(User, admin.id).has_role("admin")


def test_unknown_role_is_refused(client, app_ctx):
    admin = make_user(roles={"admin"})
    person = make_user()
    client.login(admin.email)
    client.use_english()
    response = client.post_form(f"/admin/users/{person.id}", {"roles": ["superuser"], "department_id": ""})
    assert response.status_code == 422
    assert db.session.get(User, person.id).roles == {"resident"}


def test_user_list_searches_by_name_email_and_role(client, app_ctx):
    admin = make_user(roles={"admin"}, email="boss@example.kr")
    make_user(email="findme@example.kr", display_name="찾는사람")
    make_user(email="other@example.kr", display_name="다른사람")
    client.login(admin.email)
    body = client.get("/admin/users?q=찾는").get_data(as_text=True)
    assert "findme@example.kr" in body and "other@example.kr" not in body
    body = client.get("/admin/users?role=admin").get_data(as_text=True)
    assert "boss@example.kr" in body and "findme@example.kr" not in body
    assert client.get("/admin/users?role=nonsense").status_code == 200


def test_roles_page_of_a_missing_user_is_404(client, app_ctx):
    admin = make_user(roles={"admin"})
    client.login(admin.email)
    assert client.get("/admin/users/999999").status_code == 404
