"""Extra questions per category (Open311's service attributes): an admin defines, changes and
retires them; a filing's answers are checked against them here, whichever way it came in.

A question has a code (what apps send as attribute[code]), a datatype, whether it is required,
its place in the order, a description in Korean (and English), and for a list its choices, each
a key with a name in Korean (and English).
"""
from __future__ import annotations

import math
import re
from datetime import datetime

from sqlalchemy import select

from participation.civil_requests.models import (
    ATTRIBUTE_ANSWER_MAX,
    ATTRIBUTE_CODE_MAX,
    ATTRIBUTE_DESCRIPTION_MAX,
    LIST_DATATYPES,
    AttributeDatatype,
    CivilRequest,
    RequestAttribute,
    RequestAttributeAnswer,
    RequestCategory,
)
from participation.core import audit
from participation.core.errors import ServiceError
from participation.core.i18n import lazy_gettext as _l
from participation.core.i18n import lazy_ngettext
from participation.extensions import db

CODE_RE = re.compile(r"^[A-Za-z0-9_-]+$")
KEY_MAX = 50
VALUE_NAME_MAX = 100
MAX_VALUES = 50
STRING_MAX = 200  # a one-line answer; `text` takes up to ATTRIBUTE_ANSWER_MAX
ORDER_MAX = 999


def attributes_of(category: RequestCategory, *, include_retired: bool = False) -> list[RequestAttribute]:
    """The category's questions in their order (the ones in use, unless `include_retired`)."""
    stmt = select(RequestAttribute).where(RequestAttribute.category_id == category.id)
    if not include_retired:
        stmt = stmt.where(RequestAttribute.retired_at.is_(None))
    return list(db.session.scalars(stmt.order_by(RequestAttribute.position, RequestAttribute.id)))


def categories_with_attributes(category_ids) -> set[int]:
    """Of these categories, the ones with at least one question in use (one statement)."""
    ids = list(category_ids)
    if not ids:
        return set()
    return set(db.session.scalars(
        select(RequestAttribute.category_id).where(RequestAttribute.category_id.in_(ids), RequestAttribute.retired_at.is_(None)).distinct()
    ))


def parse_values(text: str) -> list[dict]:
    """Choices written one a line as `key | 이름 | English name` (the English name may be left out)."""
    values, seen = [], set()
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        key, name_ko = parts[0], parts[1] if len(parts) > 1 else ""
        name_en = parts[2] if len(parts) > 2 else ""
        if len(parts) > 3 or not key or not name_ko:
            raise ServiceError(_l("Line %(line)d: write a choice as key | Korean name | English name.", line=number), field="values", code="value_malformed")
        if not CODE_RE.match(key) or len(key) > KEY_MAX:
            raise ServiceError(_l("Line %(line)d: a key uses only letters, digits, - and _ (at most %(max)d).", line=number, max=KEY_MAX), field="values", code="value_key")
        if len(name_ko) > VALUE_NAME_MAX or len(name_en) > VALUE_NAME_MAX:
            raise ServiceError(_l("Line %(line)d: a name can be at most %(max)d characters.", line=number, max=VALUE_NAME_MAX), field="values", code="value_name")
        if key in seen:
            raise ServiceError(_l("Line %(line)d: the key %(key)s is already used above.", line=number, key=key), field="values", code="value_repeated")
        seen.add(key)
        values.append({"key": key, "name_ko": name_ko, "name_en": name_en})
    if len(values) > MAX_VALUES:
        raise ServiceError(lazy_ngettext("Give at most %(max)d choice.", "Give at most %(max)d choices.", MAX_VALUES, max=MAX_VALUES), field="values", code="too_many_values")
    return values


def values_text(values: list[dict]) -> str:
    """The choices as the admin form writes them (parse_values' inverse)."""
    return "\n".join(" | ".join(part for part in (v["key"], v.get("name_ko", ""), v.get("name_en", "")) if part) for v in values or [])


def save_attribute(
    actor, category: RequestCategory, attribute: RequestAttribute | None, *, code: str, datatype: str, required: bool,
    order: int, description_ko: str, description_en: str, values: list[dict], now: datetime,
) -> RequestAttribute:
    """Create (`attribute` None) or change a question of `category`; audited."""
    code = (code or "").strip()
    if not code or not CODE_RE.match(code) or len(code) > ATTRIBUTE_CODE_MAX:
        raise ServiceError(_l("A code uses only letters, digits, - and _ (at most %(max)d).", max=ATTRIBUTE_CODE_MAX), field="code", code="code_invalid")
    if datatype not in set(AttributeDatatype):
        raise ServiceError(_l("Choose one of the options."), field="datatype", code="datatype_unknown")
    description_ko, description_en = (description_ko or "").strip(), (description_en or "").strip()
    if not description_ko:
        raise ServiceError(_l("Write the question in Korean."), field="description_ko", code="description_missing")
    if len(description_ko) > ATTRIBUTE_DESCRIPTION_MAX or len(description_en) > ATTRIBUTE_DESCRIPTION_MAX:
        raise ServiceError(_l("Use at most %(max)d characters.", max=ATTRIBUTE_DESCRIPTION_MAX), field="description_ko", code="description_too_long")
    if order is None or not 1 <= order <= ORDER_MAX:
        raise ServiceError(_l("The order is a number from 1 to %(max)d.", max=ORDER_MAX), field="order", code="order_invalid")
    if datatype in LIST_DATATYPES and not values:
        raise ServiceError(_l("A list question needs at least one choice."), field="values", code="values_missing")
    if datatype not in LIST_DATATYPES and values:
        raise ServiceError(_l("Only list questions have choices: leave the choices empty."), field="values", code="values_unexpected")
    taken = select(RequestAttribute.id).where(RequestAttribute.category_id == category.id, RequestAttribute.code == code)
    if attribute is not None:
        taken = taken.where(RequestAttribute.id != attribute.id)
    if db.session.scalar(taken.limit(1)) is not None:
        raise ServiceError(_l("Another question of this category already uses this code."), field="code", code="code_taken")
    created = attribute is None
    if created:
        attribute = RequestAttribute(category=category, created_at=now)
        db.session.add(attribute)
    fields = {"code": code, "datatype": datatype, "required": bool(required), "position": order,
              "description_ko": description_ko, "description_en": description_en, "values": list(values)}
    changed = [name for name, value in fields.items() if getattr(attribute, name, None) != value]
    for name, value in fields.items():
        setattr(attribute, name, value)
    attribute.updated_at = now
    db.session.flush()
    if created:
        audit.record("request_attributes.created", now, actor=actor, subject=attribute, code=code, category_id=category.id)
    elif changed:
        audit.record("request_attributes.updated", now, actor=actor, subject=attribute, fields=changed)
    return attribute


# --- answers ------------------------------------------------------------------------------------


def _refuse(attribute: RequestAttribute, message, code: str):
    raise ServiceError(message, field=f"attribute[{attribute.code}]", code=code)


def _checked(attribute: RequestAttribute, given: list[str]) -> str | None:
    """The answer to store, checked against the datatype; None when not answered."""
    given = [g.strip() for g in given if isinstance(g, str) and g.strip()]
    if not given:
        if attribute.required:
            _refuse(attribute, _l("Answer the question %(code)s: it is required.", code=attribute.code), "attribute_required")
        return None
    datatype = attribute.datatype
    if datatype == AttributeDatatype.MULTIVALUELIST:
        keys = [key for part in given for key in part.split(",") if key.strip()]
        keys = list(dict.fromkeys(k.strip() for k in keys))
        known = {v["key"] for v in attribute.values or []}
        if not keys or any(key not in known for key in keys):
            _refuse(attribute, _l("The question %(code)s takes only its listed keys.", code=attribute.code), "attribute_value")
        return ",".join(keys)
    if len(given) > 1:
        _refuse(attribute, _l("The question %(code)s takes one answer.", code=attribute.code), "attribute_one")
    value = given[0]
    if datatype == AttributeDatatype.SINGLEVALUELIST:
        if value not in {v["key"] for v in attribute.values or []}:
            _refuse(attribute, _l("The question %(code)s takes only its listed keys.", code=attribute.code), "attribute_value")
    elif datatype == AttributeDatatype.NUMBER:
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number) or len(value) > 40:
            _refuse(attribute, _l("The question %(code)s takes a number.", code=attribute.code), "attribute_number")
    elif datatype == AttributeDatatype.DATETIME:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            _refuse(attribute, _l("The question %(code)s takes a date and time with its zone, such as 2026-12-03T09:00:00+09:00.", code=attribute.code), "attribute_datetime")
        value = moment.isoformat()
    elif datatype == AttributeDatatype.STRING:
        if len(value) > STRING_MAX or "\n" in value or "\r" in value:
            _refuse(attribute, _l("The question %(code)s takes one line of at most %(max)d characters.", code=attribute.code, max=STRING_MAX), "attribute_string")
    elif len(value) > ATTRIBUTE_ANSWER_MAX:
        _refuse(attribute, _l("The answer to %(code)s can be at most %(max)d characters.", code=attribute.code, max=ATTRIBUTE_ANSWER_MAX), "attribute_text")
    return value


def check_answers(category: RequestCategory, given: dict[str, list[str]]) -> list[tuple[RequestAttribute, str]]:
    """Answers by code, checked against the category's questions in use: every required one
    answered, each by its datatype and choices, and no code the category does not ask."""
    attributes = attributes_of(category)
    known = {a.code: a for a in attributes}
    unknown = sorted(code for code in given if code not in known)
    if unknown:
        raise ServiceError(_l("This category asks no question %(code)s.", code=unknown[0][:ATTRIBUTE_CODE_MAX]), field="attribute", code="attribute_unknown")
    answers = []
    for attribute in attributes:
        value = _checked(attribute, list(given.get(attribute.code, [])))
        if value is not None:
            answers.append((attribute, value))
    return answers


def store_answers(request: CivilRequest, answers: list[tuple[RequestAttribute, str]]) -> None:
    for attribute, value in answers:
        db.session.add(RequestAttributeAnswer(request_id=request.id, attribute_id=attribute.id, value=value))
