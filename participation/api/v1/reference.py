"""The reference lists behind the filters: 구 with their 동, idea categories, and the civil-request
categories that take requests, each with its department, as the pages' choices list them.

Not paged: each is a few dozen rows at most (a city's 구 and 동, its categories), and a client
needs the whole list at once to build a filter; ETag and 304 still spare it a second download.
"""
from __future__ import annotations

from marshmallow import Schema, fields

from participation.accounts.models import DistrictKind
from participation.accounts.reference import active_categories, districts_in_tree_order
from participation.api import http
from participation.api.guard import requested_language
from participation.api.spec import operation
from participation.api.v1 import bp
from participation.api.v1.schemas import Computed, DepartmentRef
from participation.civil_requests import intake
from participation.civil_requests.forms import KIND_LABELS, UNIT_LABELS
from participation.civil_requests.reference import active_request_categories
from participation.core.i18n import lazy_gettext as _l


def _changed(rows):
    """Rows carry when they were made and retired; a rename has no time of its own (the ETag sees it)."""
    return http.latest(*(moment for row in rows for moment in (row.created_at, row.retired_at)))


def _name():
    return fields.Function(lambda row: row.name_for(requested_language()), required=True,
                           metadata={"type": "string", "description": _l("In the language asked for (Accept-Language: ko or en).")})


class DongSchema(Schema):
    id = fields.Integer(required=True)
    name = _name()


class GuSchema(Schema):
    id = fields.Integer(required=True)
    name = _name()
    dongs = Computed(DongSchema, lambda schema, gu: schema.dongs.get(gu.id, []), many=True, required=True,
                     metadata={"description": _l("Its 동, in Korean name order.")})

    def __init__(self, *args, dongs: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.dongs = dongs or {}


class DistrictList(Schema):
    data = fields.List(fields.Nested(GuSchema), required=True)


class CategorySchema(Schema):
    id = fields.Integer(required=True)
    name = _name()
    department = fields.Nested(DepartmentRef, required=True, metadata={"description": _l("The department that answers its ideas.")})


class CategoryList(Schema):
    data = fields.List(fields.Nested(CategorySchema), required=True)


class PeriodSchema(Schema):
    amount = fields.Integer(required=True)
    unit = fields.String(required=True, metadata={"enum": list(UNIT_LABELS), "description": _l("days (working days) or hours (working hours).")})
    label = fields.String(required=True)


class RequestCategorySchema(Schema):
    id = fields.Integer(required=True)
    name = _name()
    kind = fields.String(required=True, metadata={"enum": list(KIND_LABELS), "description": _l("The statute's kind of civil request.")})
    kind_label = fields.Function(lambda c: str(KIND_LABELS.get(c.kind, c.kind)), required=True, metadata={"type": "string"})
    department = fields.Nested(DepartmentRef, required=True, metadata={"description": _l("The department its requests go to.")})
    period = Computed(PeriodSchema, lambda _schema, c: _period(c), required=True, metadata={"description": _l(
        "The time a new request has to be answered in: the category's own, or its kind's statutory default.")})


def _period(category) -> dict:
    period = intake.period_for(category)
    return {"amount": period.amount, "unit": period.unit, "label": f"{period.amount} {UNIT_LABELS.get(period.unit, period.unit)}"}


class RequestCategoryList(Schema):
    data = fields.List(fields.Nested(RequestCategorySchema), required=True)


@bp.get("/districts")
@operation(summary=_l("Districts (구 and 동)"), tag="reference", response=DistrictList,
           description=_l("Every 구 with its 동, as the filters list them (retired ones left out). Not paged: the list is short."))
def districts():
    rows = districts_in_tree_order()
    dongs: dict[int, list] = {}
    for dong in (d for d in rows if d.kind == DistrictKind.DONG):
        dongs.setdefault(dong.parent_id, []).append(dong)
    gus = [d for d in rows if d.kind == DistrictKind.GU]
    return http.respond({"data": GuSchema(many=True, dongs=dongs).dump(gus)}, last_modified=_changed(rows))


@bp.get("/categories")
@operation(summary=_l("Idea categories"), tag="reference", response=CategoryList,
           description=_l("The categories ideas are filed under, each with the department that answers them. Not paged: the list is short."))
def categories():
    rows = active_categories()
    return http.respond({"data": CategorySchema(many=True).dump(rows)}, last_modified=_changed(rows))


@bp.get("/request-categories")
@operation(summary=_l("Civil-request categories"), tag="reference", response=RequestCategoryList,
           description=_l("The categories that take civil requests now: kind, department and period. Not paged: the list is short."))
def request_categories():
    rows = active_request_categories()
    return http.respond({"data": RequestCategorySchema(many=True).dump(rows)}, last_modified=_changed(rows))
