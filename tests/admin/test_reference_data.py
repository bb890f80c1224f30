"""Departments, districts (구 and 동) and categories: create, edit, retire, restore."""
from __future__ import annotations

from sqlalchemy import select

from participation.accounts.models import Category, Department, District
from participation.core.audit import AuditEvent
from participation.extensions import db
from tests.factories import make_category, make_department, make_district, make_user


def test_admin_creates_and_renames_a_department(admin_client):
    response = admin_client.post_form("/admin/departments/", {"name_ko": "도시재생과", "name_en": "Urban Regeneration"})
    assert response.status_code == 302
    department = db.session.scalar(select(Department))
    assert (department.name_ko, department.name_en) == ("도시재생과", "Urban Regeneration")
    response = admin_client.post_form(f"/admin/departments/{department.id}", {"name_ko": "도시재생정책과", "name_en": ""})
    assert response.status_code == 302
    assert db.session.get(Department, department.id).name_ko == "도시재생정책과"
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "departments.created" in actions and "departments.updated" in actions
    assert "도시재생정책과" in admin_client.get("/admin/departments/").get_data(as_text=True)


def test_department_names_must_be_unique_and_present(admin_client):
    make_department("교통정책과")
    response = admin_client.post_form("/admin/departments/", {"name_ko": "교통정책과", "name_en": ""})
    assert response.status_code == 422
    assert "This name is already in use." in response.get_data(as_text=True)
    response = admin_client.post_form("/admin/departments/", {"name_ko": "", "name_en": "x"})
    assert "Enter the Korean name." in response.get_data(as_text=True)
    response = admin_client.post_form("/admin/departments/", {"name_ko": "가" * 101, "name_en": ""})
    assert "Use at most 100 characters." in response.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(Department)) == 1


def test_districts_form_a_tree_of_gu_and_dong(admin_client):
    admin_client.post_form("/admin/districts/", {"name_ko": "새봄구", "name_en": "Saebom-gu", "parent_id": ""})
    gu = db.session.scalar(select(District))
    assert gu.kind == "gu" and gu.parent is None
    admin_client.post_form("/admin/districts/", {"name_ko": "햇살동", "name_en": "Haetsal-dong", "parent_id": str(gu.id)})
    dong = db.session.scalar(select(District).where(District.name_ko == "햇살동"))
    assert dong.kind == "dong" and dong.parent == gu
    assert dong.full_name_for("ko") == "새봄구 햇살동"
    # A dong cannot contain another dong.
    response = admin_client.post_form("/admin/districts/", {"name_ko": "안쪽동", "name_en": "", "parent_id": str(dong.id)})
    assert response.status_code == 422
    # The same dong name may exist in two gu, but not twice in one.
    other_gu = make_district("푸른구")
    assert admin_client.post_form("/admin/districts/", {"name_ko": "햇살동", "name_en": "", "parent_id": str(other_gu.id)}).status_code == 302
    response = admin_client.post_form("/admin/districts/", {"name_ko": "햇살동", "name_en": "", "parent_id": str(gu.id)})
    assert "This name is already in use." in response.get_data(as_text=True)


def test_a_gu_with_active_dongs_cannot_be_retired(admin_client):
    gu = make_district("새봄구")
    dong = make_district("햇살동", parent=gu)
    response = admin_client.post_form(f"/admin/districts/{gu.id}/retire", follow_redirects=True)
    assert "Retire this gu&#39;s dongs first." in response.get_data(as_text=True)
    assert not db.session.get(District, gu.id).is_retired
    admin_client.post_form(f"/admin/districts/{dong.id}/retire")
    admin_client.post_form(f"/admin/districts/{gu.id}/retire")
    assert db.session.get(District, gu.id).is_retired
    # Restoring a dong of a retired gu is refused until the gu is back.
    response = admin_client.post_form(f"/admin/districts/{dong.id}/restore", follow_redirects=True)
    assert "Restore its gu first." in response.get_data(as_text=True)
    admin_client.post_form(f"/admin/districts/{gu.id}/restore")
    admin_client.post_form(f"/admin/districts/{dong.id}/restore")
    assert not db.session.get(District, dong.id).is_retired


def test_retired_districts_are_not_offered_at_registration(client, app_ctx):
    gu = make_district("새봄구")
    make_district("햇살동", parent=gu)
    retired = make_district("옛날동", parent=gu)
    retired.retired_at = retired.created_at
    db.session.commit()
    body = client.get("/register").get_data(as_text=True)
    assert "새봄구 햇살동" in body and "옛날동" not in body


def test_categories_are_routed_to_a_department(admin_client):
    department = make_department("공원녹지과")
    response = admin_client.post_form(
        "/admin/categories/", {"name_ko": "공원·녹지", "name_en": "Parks", "department_id": str(department.id)}
    )
    assert response.status_code == 302
    category = db.session.scalar(select(Category))
    assert category.department == department
    response = admin_client.post_form("/admin/categories/", {"name_ko": "교통", "name_en": "", "department_id": ""})
    assert response.status_code == 422
    assert "Choose a department." in response.get_data(as_text=True)
    response = admin_client.post_form("/admin/categories/", {"name_ko": "교통", "name_en": "", "department_id": "424242"})
    assert "Choose one of the options." in response.get_data(as_text=True)


def test_a_department_with_routed_categories_or_officials_cannot_be_retired(admin_client):
    department = make_department("교통정책과")
    category = make_category(department, "교통")
    response = admin_client.post_form(f"/admin/departments/{department.id}/retire", follow_redirects=True)
    assert "1 active category is routed to this department." in response.get_data(as_text=True)
    admin_client.post_form(f"/admin/categories/{category.id}/retire")
    official = make_user(roles={"official"}, department=department)
    response = admin_client.post_form(f"/admin/departments/{department.id}/retire", follow_redirects=True)
    assert "1 official still belongs to this department." in response.get_data(as_text=True)
    assert official.department == department
    assert not db.session.get(Department, department.id).is_retired


def test_retired_department_is_not_offered_and_its_category_cannot_be_restored(admin_client):
    department = make_department("옛부서")
    category = make_category(department, "옛분야")
    admin_client.post_form(f"/admin/categories/{category.id}/retire")
    admin_client.post_form(f"/admin/departments/{department.id}/retire")
    assert db.session.get(Department, department.id).is_retired
    form_page = admin_client.get("/admin/categories/").get_data(as_text=True)
    assert f'<option value="{department.id}">' not in form_page
    response = admin_client.post_form(f"/admin/categories/{category.id}/restore", follow_redirects=True)
    assert "Its department is retired." in response.get_data(as_text=True)
    assert db.session.get(Category, category.id).is_retired
    # Editing the category keeps its (retired) department as a choice, so nothing is lost.
    edit = admin_client.get(f"/admin/categories/{category.id}").get_data(as_text=True)
    assert f'<option selected value="{department.id}">' in edit or f'value="{department.id}" selected' in edit


def test_retire_and_restore_only_by_post_and_only_known_kinds(admin_client):
    department = make_department()
    assert admin_client.get(f"/admin/departments/{department.id}/retire").status_code == 405
    assert admin_client.get("/admin/planets/").status_code == 404
    assert admin_client.get("/admin/departments/999999").status_code == 404


def _edit_page_parts(body: str) -> tuple[str, str]:
    import re

    title = re.search(r"<title>(.*?)</title>", body, re.S).group(1)
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", body, re.S).group(1)
    return title, heading


def test_reference_edit_pages_are_headed_in_the_page_s_language(admin_client):
    department = make_department("도시재생과", "Urban Regeneration")
    items = {
        "departments": department,
        "categories": make_category(department, name_ko="교통"),
        "districts": make_district("중앙동", name_en="Jungang-dong"),
    }
    for kind, obj in items.items():
        title, heading = _edit_page_parts(admin_client.get(f"/admin/{kind}/{obj.id}").get_data(as_text=True))
        assert obj.name_en in title and obj.name_en in heading, kind
        assert obj.name_ko not in title and obj.name_ko not in heading, kind
        # The edit link's hidden name, and the saved message, are English too.
        listing = admin_client.get(f"/admin/{kind}/").get_data(as_text=True)
        assert f'<span class="visually-hidden"> {obj.name_en}</span>' in listing, kind
    response = admin_client.post_form(f"/admin/districts/{items['districts'].id}/retire", follow_redirects=True)
    assert "Retired Jungang-dong." in response.get_data(as_text=True)

    with admin_client.session_transaction() as session:
        session["lang"] = "ko"
    for kind, obj in items.items():
        title, heading = _edit_page_parts(admin_client.get(f"/admin/{kind}/{obj.id}").get_data(as_text=True))
        assert obj.name_ko in title and obj.name_ko in heading, kind


def test_a_reference_name_a_spreadsheet_would_run_as_a_formula_is_refused(admin_client, app_ctx):
    department = make_department()
    attempts = [("/admin/departments/", {"name_ko": "=HYPERLINK(\"http://evil.example\")", "name_en": ""}),
                ("/admin/districts/", {"name_ko": "+새봄구", "name_en": "", "parent_id": ""}),
                ("/admin/districts/", {"name_ko": "새봄구", "name_en": " @Saebom", "parent_id": ""}),
                ("/admin/categories/", {"name_ko": "-교통", "name_en": "", "department_id": str(department.id)}),
                (f"/admin/departments/{department.id}", {"name_ko": "\t=1+1", "name_en": ""})]
    for url, data in attempts:
        response = admin_client.post_form(url, data)
        assert response.status_code == 422, url
        assert "A name cannot begin with =, +, - or @." in response.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(District)) == 0
    assert db.session.scalar(select(db.func.count()).select_from(Category)) == 0
    assert db.session.get(Department, department.id).name_ko == department.name_ko
    # A sign inside a name is ordinary text.
    assert admin_client.post_form("/admin/districts/", {"name_ko": "새봄-1구", "name_en": "Saebom-1", "parent_id": ""}).status_code == 302
