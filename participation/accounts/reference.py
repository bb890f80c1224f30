"""Services for the city's reference data: departments, districts (구 and 동) and categories."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from participation.accounts.models import Category, Department, District, DistrictKind, Role, User, UserRole
from participation.core import reference, signals
from participation.core.errors import ServiceError
from participation.core.i18n import lazy_gettext as _l
from participation.core.i18n import lazy_ngettext
from participation.extensions import db


def active_departments() -> list[Department]:
    return list(db.session.scalars(select(Department).where(Department.retired_at.is_(None)).order_by(Department.name_ko)))


def districts_in_tree_order(*, include_retired: bool = False) -> list[District]:
    """Every gu followed by its dongs, in name order (one query)."""
    stmt = select(District).order_by(District.name_ko)
    if not include_retired:
        stmt = stmt.where(District.retired_at.is_(None))
    rows = db.session.scalars(stmt).all()
    ordered = []
    for gu in (d for d in rows if d.kind == DistrictKind.GU):
        ordered.append(gu)
        ordered.extend(d for d in rows if d.parent_id == gu.id)
    return ordered


def active_districts() -> list[District]:
    return districts_in_tree_order()


def save_department(actor: User, department: Department | None, *, name_ko: str, name_en: str, now: datetime) -> Department:
    return reference.save(actor, Department, department, name_ko=name_ko, name_en=name_en, now=now)


def save_district(
    actor: User,
    district: District | None,
    *,
    name_ko: str,
    name_en: str,
    parent: District | None,
    now: datetime,
) -> District:
    """Create or rename a district. A gu has no parent; a dong belongs to an active gu."""
    if parent is not None:
        if parent.kind != DistrictKind.GU:
            raise ServiceError(_l("A dong must belong to a gu."), field="parent_id", code="parent_not_gu")
        if parent.is_retired and (district is None or district.parent != parent):
            raise ServiceError(_l("This gu is retired."), field="parent_id", code="parent_retired")
        if district is not None and district.kind == DistrictKind.GU:
            raise ServiceError(_l("A gu cannot be moved under another gu."), field="parent_id", code="gu_has_no_parent")
    elif district is not None and district.kind == DistrictKind.DONG:
        raise ServiceError(_l("A dong must belong to a gu."), field="parent_id", code="parent_required")
    return reference.save(
        actor,
        District,
        district,
        name_ko=name_ko,
        name_en=name_en,
        now=now,
        fields={"parent": parent},
        new={"kind": DistrictKind.DONG if parent else DistrictKind.GU},
        unique_within={"parent_id": parent.id if parent else None},
    )


@signals.reference_retiring.connect
def _guard_retiring(obj, **_):
    if isinstance(obj, District) and any(not child.is_retired for child in obj.children):
        return _l("Retire this gu's dongs first.")
    if isinstance(obj, Department):
        routed = db.session.scalar(
            select(func.count()).select_from(Category).where(Category.department_id == obj.id, Category.retired_at.is_(None))
        )
        if routed:
            return lazy_ngettext("%(count)d active category is routed to this department. Route it elsewhere first.", "%(count)d active categories are routed to this department. Route them elsewhere first.", routed, count=routed)
        officials = db.session.scalar(
            select(func.count())
            .select_from(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(User.department_id == obj.id, UserRole.role == Role.OFFICIAL.value)
        )
        if officials:
            return lazy_ngettext("%(count)d official still belongs to this department. Move them first.", "%(count)d officials still belong to this department. Move them first.", officials, count=officials)
    return None


@signals.reference_restoring.connect
def _guard_restoring(obj, **_):
    if isinstance(obj, District) and obj.parent is not None and obj.parent.is_retired:
        return _l("Restore its gu first.")
    if isinstance(obj, Category) and obj.department.is_retired:
        return _l("Its department is retired. Route the category to an active department first.")
    return None


def active_categories() -> list[Category]:
    return list(db.session.scalars(
        select(Category).where(Category.retired_at.is_(None)).options(selectinload(Category.department)).order_by(Category.name_ko)
    ))


def save_category(
    actor: User, category: Category | None, *, name_ko: str, name_en: str, department: Department, now: datetime
) -> Category:
    if department.is_retired and (category is None or category.department != department):
        raise ServiceError(_l("This department is retired."), field="department_id", code="department_retired")
    return reference.save(
        actor, Category, category, name_ko=name_ko, name_en=name_en, now=now, fields={"department": department}
    )

