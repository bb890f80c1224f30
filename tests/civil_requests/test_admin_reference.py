"""Admin screens for civil requests: request categories, local holidays, the permission matrix."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from participation.civil_requests.models import LocalHoliday, RequestCategory
from participation.core.audit import AuditEvent
from participation.core.time import now, to_local
from participation.extensions import db
from tests.factories import make_department
from tests.permissions import Route, check_matrix, people_by_role

ADMIN = frozenset({"admin"})


def _category(department, **overrides):
    data = {
        "name_ko": "도로 파손",
        "name_en": "Damaged road",
        "kind": "grievance",
        "department_id": str(department.id),
        "period_amount": "",
        "period_unit": "",
        "answer_template_ko": "안녕하십니까.",
        "answer_template_en": "",
    }
    data.update(overrides)
    return data


def _actions():
    return db.session.scalars(select(AuditEvent.action)).all()


def test_admin_creates_edits_retires_and_restores_a_request_category(admin_client):
    department = make_department("도로과")
    response = admin_client.post_form("/requests/admin/categories/", _category(department))
    assert response.status_code == 302
    category = db.session.scalar(select(RequestCategory))
    assert (category.kind, category.department_id, category.period_amount, category.period_unit) == ("grievance", department.id, None, None)
    assert category.answer_template_ko == "안녕하십니까."
    page = admin_client.get("/requests/admin/categories/").get_data(as_text=True)
    assert "도로 파손" in page and "Grievance, 7 days" in page and "Statutory period" in page

    response = admin_client.post_form(
        f"/requests/admin/categories/{category.id}", _category(department, kind="question_law", period_amount="10", period_unit="days")
    )
    assert response.status_code == 302
    db.session.expire_all()
    category = db.session.get(RequestCategory, category.id)
    assert (category.kind, category.period_amount, category.period_unit) == ("question_law", 10, "days")
    assert "10 days" in admin_client.get("/requests/admin/categories/").get_data(as_text=True)

    assert admin_client.post_form(f"/requests/admin/categories/{category.id}/retire").status_code == 302
    assert db.session.get(RequestCategory, category.id).is_retired
    assert admin_client.post_form(f"/requests/admin/categories/{category.id}/restore").status_code == 302
    db.session.expire_all()
    assert not db.session.get(RequestCategory, category.id).is_retired
    actions = _actions()
    for action in ("request_categories.created", "request_categories.updated", "request_categories.retired", "request_categories.restored"):
        assert action in actions


def test_request_category_validation(admin_client):
    department = make_department()
    retired = make_department("폐지과")
    retired.retired_at = now()
    db.session.commit()
    cases = [
        ({"name_ko": ""}, "Enter the Korean name."),
        ({"kind": ""}, "Choose a kind."),
        ({"kind": "bogus"}, "Choose one of the options."),
        ({"department_id": ""}, "Choose a department."),
        ({"department_id": str(retired.id)}, "Choose one of the options."),
        ({"period_amount": "5"}, "Choose the unit of the period"),
        ({"period_unit": "days"}, "Enter the number of the period"),
        ({"period_amount": "61", "period_unit": "days"}, "A period in days runs from one day to 60 days."),
        ({"period_amount": "0", "period_unit": "days"}, "A period in days runs from one day to 60 days."),
        ({"period_amount": "41", "period_unit": "hours"}, "A period in working hours runs from one hour to 40 hours."),
        ({"period_amount": "abc", "period_unit": "hours"}, "Not a valid integer value."),
        ({"period_amount": "3", "period_unit": "weeks"}, "Choose one of the options."),
        ({"answer_template_ko": "가" * 4001}, "Use at most 4000 characters."),
    ]
    for overrides, message in cases:
        response = admin_client.post_form("/requests/admin/categories/", _category(department, **overrides))
        assert response.status_code == 422, overrides
        assert message in response.get_data(as_text=True), (overrides, message)
    assert db.session.scalar(select(func.count()).select_from(RequestCategory)) == 0
    # Limits are inclusive; names are unique.
    assert admin_client.post_form("/requests/admin/categories/", _category(department, period_amount="40", period_unit="hours")).status_code == 302
    response = admin_client.post_form("/requests/admin/categories/", _category(department, name_en="Again"))
    assert response.status_code == 422 and "This name is already in use." in response.get_data(as_text=True)


def test_only_active_departments_are_offered_and_a_department_in_use_stays(admin_client):
    department = make_department("도로과")
    admin_client.post_form("/requests/admin/categories/", _category(department))
    category = db.session.scalar(select(RequestCategory))
    response = admin_client.post_form(f"/admin/departments/{department.id}/retire", follow_redirects=True)
    assert "active request category goes to this department" in response.get_data(as_text=True)
    assert not db.session.get(type(department), department.id).is_retired
    # Retire the category, then the department: restoring the category is refused.
    admin_client.post_form(f"/requests/admin/categories/{category.id}/retire")
    admin_client.post_form(f"/admin/departments/{department.id}/retire")
    response = admin_client.post_form(f"/requests/admin/categories/{category.id}/restore", follow_redirects=True)
    assert "Its department is retired." in response.get_data(as_text=True)
    # The retired department is still shown on the category it keeps, and not offered for a new one.
    assert department.name_en in admin_client.get(f"/requests/admin/categories/{category.id}").get_data(as_text=True)
    new_form = admin_client.get("/requests/admin/categories/").get_data(as_text=True).split('id="new-title"')[1]
    assert department.name_en not in new_form


def test_admin_adds_and_deletes_local_holidays(admin_client):
    today = to_local(now()).date()
    day = today + timedelta(days=30)
    response = admin_client.post_form("/requests/admin/holidays/", {"day": day.isoformat(), "name_ko": "시민의 날", "name_en": "Citizens' Day"})
    assert response.status_code == 302
    holiday = db.session.get(LocalHoliday, day)
    assert holiday.name_ko == "시민의 날"
    assert "시민의 날" in admin_client.get("/requests/admin/holidays/").get_data(as_text=True)

    response = admin_client.post_form("/requests/admin/holidays/", {"day": day.isoformat(), "name_ko": "또", "name_en": ""})
    assert response.status_code == 422 and "This date is already a local holiday." in response.get_data(as_text=True)
    for far in (today + timedelta(days=2 * 366 + 1), today - timedelta(days=2 * 366 + 1)):
        response = admin_client.post_form("/requests/admin/holidays/", {"day": far.isoformat(), "name_ko": "먼 날", "name_en": ""})
        assert response.status_code == 422 and "Choose a date within two years of today." in response.get_data(as_text=True)
    for bad in ("", "2026-13-40", "tomorrow"):
        response = admin_client.post_form("/requests/admin/holidays/", {"day": bad, "name_ko": "날", "name_en": ""})
        assert response.status_code == 422, bad
    response = admin_client.post_form("/requests/admin/holidays/", {"day": day.isoformat(), "name_ko": "", "name_en": ""})
    assert "Enter the Korean name." in response.get_data(as_text=True)

    # Deleting is a POST with the CSRF token; a GET does nothing.
    assert admin_client.get(f"/requests/admin/holidays/{day.isoformat()}/delete").status_code == 405
    assert admin_client.post(f"/requests/admin/holidays/{day.isoformat()}/delete").status_code == 400
    assert db.session.get(LocalHoliday, day) is not None
    assert admin_client.post_form(f"/requests/admin/holidays/{day.isoformat()}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(LocalHoliday, day) is None
    response = admin_client.post_form(f"/requests/admin/holidays/{day.isoformat()}/delete", follow_redirects=True)
    assert "This local holiday no longer exists." in response.get_data(as_text=True)
    assert admin_client.post_form("/requests/admin/holidays/not-a-date/delete").status_code == 404
    actions = _actions()
    assert "local_holidays.created" in actions and "local_holidays.deleted" in actions


def test_admin_pages_link_the_new_screens(admin_client):
    page = admin_client.get("/admin/").get_data(as_text=True)
    for path in ("/requests/admin/categories/", "/requests/admin/holidays/", "/requests/admin/boundaries/"):
        assert path in page


def test_permission_matrix(make_client, app_ctx):
    department = make_department()
    category = RequestCategory(name_ko="기존", kind="other", department=department, created_at=now())
    db.session.add(category)
    db.session.add(LocalHoliday(day=to_local(now()).date() + timedelta(days=3), name_ko="휴일", created_at=now()))
    db.session.commit()
    day = (to_local(now()).date() + timedelta(days=3)).isoformat()
    routes = [
        Route("GET", "/requests/admin/categories/", ADMIN),
        Route("POST", "/requests/admin/categories/", ADMIN, {"name_ko": ""}),
        Route("GET", f"/requests/admin/categories/{category.id}", ADMIN),
        Route("POST", f"/requests/admin/categories/{category.id}/retire", ADMIN),
        Route("GET", "/requests/admin/holidays/", ADMIN),
        Route("POST", "/requests/admin/holidays/", ADMIN, {"day": ""}),
        Route("POST", f"/requests/admin/holidays/{day}/delete", ADMIN),
        Route("GET", "/requests/admin/boundaries/", ADMIN),
        Route("POST", "/requests/admin/boundaries/", ADMIN, {"name_property": ""}),
        Route("GET", "/requests/location?latitude=35.1&longitude=126.8", frozenset({"visitor", "resident", "official", "moderator", "admin"})),
    ]
    check_matrix(people_by_role(make_client), routes)
