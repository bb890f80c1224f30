"""Services shared by every kind of reference data: naming, retiring and restoring."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from participation.core import audit, signals
from participation.core.errors import ServiceError
from participation.core.i18n import lazy_gettext as _l
from participation.extensions import db


def check_unique_name(model, name_ko: str, *, exclude=None, **scope) -> None:
    """Refuse a Korean name that another row of `model` (within `scope`) already has."""
    stmt = select(model.id).where(func.lower(model.name_ko) == name_ko.strip().lower())
    for column, value in scope.items():
        stmt = stmt.where(getattr(model, column).is_(None) if value is None else getattr(model, column) == value)
    if exclude is not None:
        stmt = stmt.where(model.id != exclude.id)
    if db.session.scalar(stmt.limit(1)) is not None:
        raise ServiceError(_l("This name is already in use."), field="name_ko", code="name_taken")


def apply_names(obj, name_ko: str, name_en: str) -> list[str]:
    changed = []
    for field, value in (("name_ko", name_ko.strip()), ("name_en", (name_en or "").strip())):
        if getattr(obj, field) != value:
            setattr(obj, field, value)
            changed.append(field)
    return changed


def save(actor, model, obj, *, name_ko: str, name_en: str, now: datetime, fields=None, new=None, unique_within=None):
    """Create (`obj` None) or update a reference row, audit what changed, and return it.

    `fields` are further attributes to set; `new` are attributes only a new row
    gets; `unique_within` scopes the Korean name's uniqueness (a dong's gu).
    """
    check_unique_name(model, name_ko, exclude=obj, **(unique_within or {}))
    created = obj is None
    if created:
        obj = model(created_at=now, **(new or {}))
        db.session.add(obj)
    changed = apply_names(obj, name_ko, name_en)
    for field, value in (fields or {}).items():
        if getattr(obj, field) != value:
            setattr(obj, field, value)
            changed.append(field)
    db.session.flush()
    if created:
        audit.record(f"{obj.__tablename__}.created", now, actor=actor, subject=obj, name_ko=obj.name_ko)
    elif changed:
        audit.record(f"{obj.__tablename__}.updated", now, actor=actor, subject=obj, fields=changed)
    return obj


def _first_blocker(signal, obj) -> str | None:
    for _receiver, message in signal.send(obj):
        if message:
            return message
    return None


def retire(actor, obj, now: datetime) -> None:
    if obj.is_retired:
        return
    message = _first_blocker(signals.reference_retiring, obj)
    if message:
        raise ServiceError(message, code="in_use")
    obj.retired_at = now
    audit.record(f"{obj.__tablename__}.retired", now, actor=actor, subject=obj)


def restore(actor, obj, now: datetime) -> None:
    if not obj.is_retired:
        return
    message = _first_blocker(signals.reference_restoring, obj)
    if message:
        raise ServiceError(message, code="parent_retired")
    obj.retired_at = None
    audit.record(f"{obj.__tablename__}.restored", now, actor=actor, subject=obj)
