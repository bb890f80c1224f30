"""Admin screens for civil requests' reference data: request categories, local holidays, 동 boundaries.

Same shape and permission as the other reference screens (admin.reference_list): admins only.
"""
from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from participation.accounts import permissions
from participation.accounts import reference as accounts_reference
from participation.accounts.models import Department, District
from participation.civil_requests import attributes, geo
from participation.civil_requests import reference as services
from participation.civil_requests.forms import (
    DATATYPE_LABELS,
    KIND_LABELS,
    UNIT_LABELS,
    BoundaryImportForm,
    LocalHolidayForm,
    LocationCheckForm,
    RequestAttributeForm,
    RequestCategoryForm,
)
from participation.civil_requests.models import RequestAttribute, RequestCategory
from participation.civil_requests.views import bp
from participation.core import reference as reference_services
from participation.core.forms import form_status, options, perform, perform_and_flash
from participation.core.i18n import lazy_gettext as _l
from participation.core.permissions import permission_required
from participation.core.time import now, to_local
from participation.extensions import db

# --- request categories ---------------------------------------------------------


def _department_choices(form, category: RequestCategory | None) -> None:
    locale = str(get_locale())
    departments = accounts_reference.active_departments()
    if category is not None and category.department not in departments:
        departments.append(category.department)
    form.department_id.choices = options([("", _l("Choose a department"))] + [(d.id, d.name_for(locale)) for d in departments])


def _save_category(form, category: RequestCategory | None):
    department = db.session.get(Department, form.department_id.data) if form.department_id.data else None
    return services.save_request_category(
        current_user,
        category,
        name_ko=form.name_ko.data,
        name_en=form.name_en.data,
        kind=form.kind.data,
        department=department,
        period_amount=form.period_amount.data,
        period_unit=form.period_unit.data or None,
        answer_template_ko=form.answer_template_ko.data or "",
        answer_template_en=form.answer_template_en.data or "",
        now=now(),
    )


def _page_data():
    return {"kind_labels": KIND_LABELS, "unit_labels": UNIT_LABELS}


@bp.route("/admin/categories/", methods=["GET", "POST"])
@permission_required(permissions.can_manage_reference_data)
def admin_categories():
    form = RequestCategoryForm()
    _department_choices(form, None)
    if form.validate_on_submit():
        done, category = perform(form, lambda: _save_category(form, None))
        if done:
            flash(_("Created %(name)s.", name=category.name_for(str(get_locale()))), "success")
            return redirect(url_for("civil_requests.admin_categories"))
    rows = services.request_categories()
    return render_template("civil_requests/admin/categories.html", form=form, rows=rows, **_page_data()), form_status(form)


@bp.route("/admin/categories/<int:category_id>", methods=["GET", "POST"])
@permission_required(permissions.can_manage_reference_data)
def admin_category_edit(category_id: int):
    category = db.session.get(RequestCategory, category_id) or abort(404)
    form = RequestCategoryForm(obj=category)
    _department_choices(form, category)
    if form.validate_on_submit():
        done, _result = perform(form, lambda: _save_category(form, category))
        if done:
            flash(_("Saved %(name)s.", name=category.name_for(str(get_locale()))), "success")
            return redirect(url_for("civil_requests.admin_categories"))
    return render_template("civil_requests/admin/category_edit.html", form=form, obj=category), form_status(form)


@bp.route("/admin/categories/<int:category_id>/<any(retire, restore):action>", methods=["POST"])
@permission_required(permissions.can_manage_reference_data)
def admin_category_retire(category_id: int, action: str):
    category = db.session.get(RequestCategory, category_id) or abort(404)
    change = reference_services.retire if action == "retire" else reference_services.restore
    if perform_and_flash(lambda: change(current_user, category, now())):
        name = category.name_for(str(get_locale()))
        flash(_("Retired %(name)s.", name=name) if action == "retire" else _("Restored %(name)s.", name=name), "success")
    return redirect(url_for("civil_requests.admin_categories"))


# --- extra questions of a category (Open311's service attributes) -----------------------------


def _save_attribute(form, category: RequestCategory, attribute: RequestAttribute | None):
    return attributes.save_attribute(
        current_user,
        category,
        attribute,
        code=form.code.data,
        datatype=form.datatype.data,
        required=bool(form.required.data),
        order=form.order.data,
        description_ko=form.description_ko.data,
        description_en=form.description_en.data or "",
        values=attributes.parse_values(form.values.data or ""),
        now=now(),
    )


def _category_attribute(category_id: int, attribute_id: int) -> tuple[RequestCategory, RequestAttribute]:
    category = db.session.get(RequestCategory, category_id) or abort(404)
    attribute = db.session.get(RequestAttribute, attribute_id)
    if attribute is None or attribute.category_id != category.id:
        abort(404)
    return category, attribute


@bp.route("/admin/categories/<int:category_id>/questions/", methods=["GET", "POST"])
@permission_required(permissions.can_manage_reference_data)
def admin_attributes(category_id: int):
    category = db.session.get(RequestCategory, category_id) or abort(404)
    form = RequestAttributeForm()
    if form.validate_on_submit():
        done, attribute = perform(form, lambda: _save_attribute(form, category, None))
        if done:
            flash(_("Added the question %(code)s.", code=attribute.code), "success")
            return redirect(url_for("civil_requests.admin_attributes", category_id=category.id))
    rows = attributes.attributes_of(category, include_retired=True)
    return render_template(
        "civil_requests/admin/attributes.html", category=category, form=form, rows=rows, datatype_labels=DATATYPE_LABELS
    ), form_status(form)


@bp.route("/admin/categories/<int:category_id>/questions/<int:attribute_id>", methods=["GET", "POST"])
@permission_required(permissions.can_manage_reference_data)
def admin_attribute_edit(category_id: int, attribute_id: int):
    category, attribute = _category_attribute(category_id, attribute_id)
    form = RequestAttributeForm(data={
        "code": attribute.code, "description_ko": attribute.description_ko, "description_en": attribute.description_en,
        "datatype": attribute.datatype, "required": attribute.required, "order": attribute.position,
        "values": attributes.values_text(attribute.values),
    })
    if form.validate_on_submit():
        done, _result = perform(form, lambda: _save_attribute(form, category, attribute))
        if done:
            flash(_("Saved the question %(code)s.", code=attribute.code), "success")
            return redirect(url_for("civil_requests.admin_attributes", category_id=category.id))
    return render_template("civil_requests/admin/attribute_edit.html", category=category, obj=attribute, form=form), form_status(form)


@bp.route("/admin/categories/<int:category_id>/questions/<int:attribute_id>/<any(retire, restore):action>", methods=["POST"])
@permission_required(permissions.can_manage_reference_data)
def admin_attribute_retire(category_id: int, attribute_id: int, action: str):
    category, attribute = _category_attribute(category_id, attribute_id)
    change = reference_services.retire if action == "retire" else reference_services.restore
    if perform_and_flash(lambda: change(current_user, attribute, now())):
        flash(_("Retired the question %(code)s.", code=attribute.code) if action == "retire" else _("Restored the question %(code)s.", code=attribute.code), "success")
    return redirect(url_for("civil_requests.admin_attributes", category_id=category.id))


# --- local holidays ----------------------------------------------------------------


@bp.route("/admin/holidays/", methods=["GET", "POST"])
@permission_required(permissions.can_manage_reference_data)
def admin_holidays():
    form = LocalHolidayForm()
    if form.validate_on_submit():
        today = to_local(now()).date()
        done, _result = perform(
            form,
            lambda: services.add_local_holiday(
                current_user, day=form.day.data, name_ko=form.name_ko.data, name_en=form.name_en.data, today=today, now=now()
            ),
        )
        if done:
            flash(_("Added the local holiday."), "success")
            return redirect(url_for("civil_requests.admin_holidays"))
    return render_template("civil_requests/admin/holidays.html", form=form, rows=services.local_holidays()), form_status(form)


@bp.route("/admin/holidays/<day>/delete", methods=["POST"])
@permission_required(permissions.can_manage_reference_data)
def admin_holiday_delete(day: str):
    try:
        when = date.fromisoformat(day)
    except ValueError:
        abort(404)
    if perform_and_flash(lambda: services.delete_local_holiday(current_user, when, now())):
        flash(_("Deleted the local holiday."), "success")
    return redirect(url_for("civil_requests.admin_holidays"))


# --- 동 boundaries -----------------------------------------------------------------


@bp.route("/admin/boundaries/", methods=["GET", "POST"])
@permission_required(permissions.can_manage_reference_data)
def admin_boundaries():
    form = BoundaryImportForm()
    report = None
    if form.validate_on_submit():
        raw = form.file.data.stream.read(services.BOUNDARY_FILE_MAX + 1)
        done, report = perform(
            form, lambda: services.import_boundaries(current_user, raw, name_property=form.name_property.data, now=now())
        )
        if done:
            flash(_("Imported the boundaries: %(matched)d matched, %(unmatched)d unmatched.", matched=report.matched, unmatched=report.unmatched), "success")
    check = LocationCheckForm(request.args)
    found = _check_location(check) if request.args else None
    return render_template(
        "civil_requests/admin/boundaries.html",
        form=form,
        report=report,
        check=check,
        found=found,
        count=services.boundary_count(),
        dongs=_dongs_with_boundary(),
    ), form_status(form)


def _check_location(form) -> dict | None:
    if not form.validate() or not geo.is_coordinate(form.latitude.data, form.longitude.data):
        form.latitude.errors = list(form.latitude.errors) + [_l("Enter a latitude from -90 to 90 and a longitude from -180 to 180.")]
        return None
    lat, lon = float(form.latitude.data), float(form.longitude.data)
    district_id = geo.district_at(lat, lon)
    return {"within_city": geo.within_city(lat, lon), "district": db.session.get(District, district_id) if district_id else None}


def _dongs_with_boundary():
    boundaries = services.boundaries_by_district()
    return [(d, boundaries.get(d.id)) for d in accounts_reference.active_districts() if d.parent is not None]
