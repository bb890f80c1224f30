"""Admin screens. Each view asks its permission function, validates, calls one service, commits once."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from participation.accounts import permissions, reference, services
from participation.accounts.models import Category, Department, District, DistrictKind, User, UserRole
from participation.accounts.reference import save_category
from participation.admin.forms import ROLE_LABELS, CategoryForm, DepartmentForm, DistrictForm, SearchForm, UserRolesForm
from participation.core import reference as reference_services
from participation.core.audit import AuditEvent
from participation.core.errors import ServiceError
from participation.core.forms import form_status, options, perform, perform_and_flash
from participation.core.i18n import lazy_gettext as _l
from participation.core.permissions import permission_required
from participation.core.time import now
from participation.core.web import requested_page
from participation.extensions import db

bp = Blueprint("admin", __name__)
PAGE_SIZE = 50







@bp.route("/")
@permission_required(permissions.can_use_admin)
def index():
    counts = {
        "users": db.session.scalar(select(func.count()).select_from(User).where(User.deleted_at.is_(None))),
        "departments": db.session.scalar(select(func.count()).select_from(Department).where(Department.retired_at.is_(None))),
        "districts": db.session.scalar(select(func.count()).select_from(District).where(District.retired_at.is_(None))),
        "categories": db.session.scalar(select(func.count()).select_from(Category).where(Category.retired_at.is_(None))),
    }
    return render_template("admin/index.html", counts=counts)


# --- users and roles -------------------------------------------------------


@bp.route("/users")
@permission_required(permissions.can_manage_users)
def users():
    form = SearchForm(request.args)
    stmt = select(User).where(User.deleted_at.is_(None)).order_by(User.id.desc())
    if form.validate():
        if form.q.data:
            pattern = f"%{form.q.data.strip().lower()}%"
            stmt = stmt.where(or_(func.lower(User.email).like(pattern), func.lower(User.display_name).like(pattern)))
        if form.role.data:
            stmt = stmt.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == form.role.data)))
    page = db.paginate(stmt, page=requested_page(), per_page=PAGE_SIZE, error_out=False)
    return render_template("admin/users.html", form=form, page=page, role_labels=ROLE_LABELS)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@permission_required(permissions.can_manage_users)
def user_roles(user_id: int):
    user = db.session.get(User, user_id)
    if user is None or user.is_deleted:
        abort(404)
    form = UserRolesForm(data={"roles": sorted(user.roles), "department_id": user.department_id})
    locale = str(get_locale())
    departments = reference.active_departments()
    if user.department is not None and user.department not in departments:
        departments.append(user.department)
    form.department_id.choices = options([("", _l("None"))] + [(d.id, d.name_for(locale)) for d in departments])
    if form.validate_on_submit():
        department = db.session.get(Department, form.department_id.data) if form.department_id.data else None
        done, _result = perform(
            form, lambda: services.set_roles(current_user, user, roles=set(form.roles.data), department=department, now=now())
        )
        if done:
            flash(_("Roles saved for %(name)s.", name=user.display_name), "success")
            return redirect(url_for("admin.user_roles", user_id=user.id))
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.subject_type == User.__tablename__, AuditEvent.subject_id == user.id)
        .order_by(AuditEvent.occurred_at.desc())
        .limit(20)
    ).all()
    return render_template(
        "admin/user_roles.html", user=user, form=form, events=events, people=_actors(events)
    ), form_status(form)


# --- reference data: departments, districts, categories ---------------------


@dataclass(frozen=True)
class ReferenceKind:
    model: type
    form: type
    title: object
    singular: object
    save: Callable  # (actor, obj | None, form, now) -> obj
    fill_choices: Callable[[object, object | None], None] = lambda form, obj: None
    columns: tuple = ()


def _save_department(actor, obj, form, when):
    return reference.save_department(actor, obj, name_ko=form.name_ko.data, name_en=form.name_en.data, now=when)


def _save_district(actor, obj, form, when):
    parent = db.session.get(District, form.parent_id.data) if form.parent_id.data else None
    return reference.save_district(actor, obj, name_ko=form.name_ko.data, name_en=form.name_en.data, parent=parent, now=when)


def _save_category(actor, obj, form, when):
    department = db.session.get(Department, form.department_id.data)
    if department is None:
        raise ServiceError(_l("Choose a department."), field="department_id", code="department_required")
    return save_category(actor, obj, name_ko=form.name_ko.data, name_en=form.name_en.data, department=department, now=when)


def _district_choices(form, obj):
    locale = str(get_locale())
    gus = [d for d in reference.active_districts() if d.kind == DistrictKind.GU]
    if obj is not None and obj.parent is not None and obj.parent not in gus:
        gus.append(obj.parent)
    form.parent_id.choices = options([("", _l("None (this is a gu)"))] + [(g.id, g.name_for(locale)) for g in gus])


def _category_choices(form, obj):
    locale = str(get_locale())
    departments = reference.active_departments()
    if obj is not None and obj.department not in departments:
        departments.append(obj.department)
    form.department_id.choices = options([("", _l("Choose a department"))] + [(d.id, d.name_for(locale)) for d in departments])


REFERENCE_KINDS = {
    "departments": ReferenceKind(Department, DepartmentForm, _l("Departments"), _l("department"), _save_department),
    "districts": ReferenceKind(
        District, DistrictForm, _l("Districts"), _l("district"), _save_district, _district_choices, ("parent",)
    ),
    "categories": ReferenceKind(
        Category, CategoryForm, _l("Categories"), _l("category"), _save_category, _category_choices, ("department",)
    ),
}


def _kind(kind: str) -> ReferenceKind:
    return REFERENCE_KINDS.get(kind) or abort(404)


def _reference_rows(spec: ReferenceKind) -> list:
    model = spec.model
    if model is District:
        return reference.districts_in_tree_order(include_retired=True)
    return list(db.session.scalars(select(model).order_by(model.retired_at.is_not(None), model.name_ko)))


@bp.route("/<kind>/", methods=["GET", "POST"])
@permission_required(permissions.can_manage_reference_data)
def reference_list(kind: str):
    spec = _kind(kind)
    form = spec.form()
    spec.fill_choices(form, None)
    if form.validate_on_submit():
        done, obj = perform(form, lambda: spec.save(current_user, None, form, now()))
        if done:
            flash(_("Created %(name)s.", name=_shown_name(obj)), "success")
            return redirect(url_for("admin.reference_list", kind=kind))
    status = form_status(form)
    return render_template("admin/reference_list.html", kind=kind, spec=spec, form=form, rows=_reference_rows(spec)), status


def _shown_name(obj) -> str:
    """The name in the page's language: English pages show the English name when there is one."""
    return obj.name_for(str(get_locale()))


def _get_reference(spec: ReferenceKind, item_id: int):
    return db.session.get(spec.model, item_id) or abort(404)


@bp.route("/<kind>/<int:item_id>", methods=["GET", "POST"])
@permission_required(permissions.can_manage_reference_data)
def reference_edit(kind: str, item_id: int):
    spec = _kind(kind)
    obj = _get_reference(spec, item_id)
    form = spec.form(obj=obj)
    spec.fill_choices(form, obj)
    if form.validate_on_submit():
        done, _result = perform(form, lambda: spec.save(current_user, obj, form, now()))
        if done:
            flash(_("Saved %(name)s.", name=_shown_name(obj)), "success")
            return redirect(url_for("admin.reference_list", kind=kind))
    status = form_status(form)
    return render_template("admin/reference_edit.html", kind=kind, spec=spec, form=form, obj=obj), status


@bp.route("/<kind>/<int:item_id>/<any(retire, restore):action>", methods=["POST"])
@permission_required(permissions.can_manage_reference_data)
def reference_retire(kind: str, item_id: int, action: str):
    spec = _kind(kind)
    obj = _get_reference(spec, item_id)
    change = reference_services.retire if action == "retire" else reference_services.restore
    if perform_and_flash(lambda: change(current_user, obj, now())):
        message = _("Retired %(name)s.", name=_shown_name(obj)) if action == "retire" else _("Restored %(name)s.", name=_shown_name(obj))
        flash(message, "success")
    return redirect(url_for("admin.reference_list", kind=kind))


# --- audit log ------------------------------------------------------------------


@bp.route("/audit")
@permission_required(permissions.can_view_audit_log)
def audit_log():
    action = request.args.get("action", "").strip()[:64]
    stmt = select(AuditEvent).order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    if action:
        stmt = stmt.where(AuditEvent.action.like(f"{action}%"))
    page = db.paginate(stmt, page=requested_page(), per_page=PAGE_SIZE, error_out=False)
    return render_template("admin/audit.html", page=page, people=_actors(page.items), action=action)


def _actors(events) -> dict[int, User]:
    """The people who acted in `events`, in one query."""
    ids = {e.actor_id for e in events if e.actor_id}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
