"""Cursor paging: a page ends where its last row's sort values are, and the next page starts after them.

The cursor is opaque to clients (URL-safe base64 of JSON): the sort values of the last row shown.
Rows inserted or removed meanwhile never make a page repeat or skip a row, which offsets would.
Any sort works if its last key is unique (the id), whatever each key's direction.
"""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import request, url_for
from sqlalchemy import and_, or_
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

from participation.api.http import ApiError
from participation.core.i18n import lazy_gettext as _l
from participation.extensions import db

DEFAULT_LIMIT = 20
MAX_LIMIT = 100

BAD_CURSOR = _l("This cursor is not one this list gave out. Start again from the first page.")


@dataclass
class Page:
    items: list
    next_cursor: str | None


def limit_message():
    return _l("limit must be a whole number from 1 to %(max)d.", max=MAX_LIMIT)


def requested_limit(args: dict | None = None) -> int:
    """`limit` from the query as read by `spec.query_args` (checked there), or from the raw query."""
    if args is not None:
        return args.get("limit") or DEFAULT_LIMIT
    raw = request.args.get("limit")
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise ApiError(400, "invalid_parameter", limit_message(), fields={"limit": [limit_message()]})
    return int(raw)


def encode_cursor(values) -> str:
    plain = [{"t": value.astimezone(UTC).isoformat()} if isinstance(value, datetime) else value for value in values]
    raw = json.dumps(plain, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _bad_cursor() -> ApiError:
    return ApiError(400, "invalid_cursor", BAD_CURSOR, fields={"cursor": [BAD_CURSOR]})


def decode_cursor(cursor: str, keys) -> list:
    """The sort values in `cursor`, checked against the keys' types, so a forged cursor is a 400."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise _bad_cursor() from None
    if not isinstance(values, list) or len(values) != len(keys):
        raise _bad_cursor()
    checked = []
    for value, (key, _descending) in zip(values, keys, strict=True):
        wanted = _python_type(key)
        if isinstance(value, dict):
            if wanted is not datetime or set(value) != {"t"} or not isinstance(value["t"], str):
                raise _bad_cursor()
            try:
                moment = datetime.fromisoformat(value["t"])
            except ValueError:
                raise _bad_cursor() from None
            if moment.tzinfo is None:
                raise _bad_cursor()
            checked.append(moment)
            continue
        if isinstance(value, bool) or value is None:
            raise _bad_cursor()
        if wanted is int and not (isinstance(value, int) and -(2**63) <= value < 2**63):
            raise _bad_cursor()
        if wanted is float and not isinstance(value, int | float):
            raise _bad_cursor()
        if wanted is str and not isinstance(value, str):
            raise _bad_cursor()
        if wanted is datetime:
            raise _bad_cursor()
        checked.append(value)
    return checked


def _python_type(key):
    column_type = getattr(key.type, "impl_instance", None) or key.type  # a TypeDecorator: what it stores
    try:
        python_type = column_type.python_type
    except NotImplementedError:
        python_type = None
    if python_type in (int, float, str, datetime):
        return python_type
    if python_type is not None and issubclass(python_type, str):
        return str
    return python_type


def sort_keys(ordering) -> list[tuple]:
    """(expression, descending) for each ORDER BY element: `Idea.vote_count.desc()`, `Idea.id`, ..."""
    keys = []
    for element in ordering:
        if isinstance(element, UnaryExpression) and element.modifier in (operators.desc_op, operators.asc_op):
            keys.append((element.element, element.modifier is operators.desc_op))
        else:
            keys.append((element, False))
    return keys


def _after(keys, values):
    """Rows that sort after `values`: (k1 beyond v1) or (k1 = v1 and k2 beyond v2) or ..."""
    alternatives = []
    for index, (key, descending) in enumerate(keys):
        equal = [k == v for (k, _d), v in zip(keys[:index], values[:index], strict=True)]
        beyond = key < values[index] if descending else key > values[index]
        alternatives.append(and_(*equal, beyond))
    return or_(*alternatives)


def keyset_page(statement, ordering, limit: int, cursor: str | None = None, *, scalars: bool = True) -> Page:
    """One page of `statement` in `ordering`, after `cursor`.

    `statement` is a select without ORDER BY or LIMIT; its first column is what a page lists
    (an entity, or a row when `scalars` is False). The last key in `ordering` must be unique."""
    keys = sort_keys(ordering)
    if cursor:
        statement = statement.where(_after(keys, decode_cursor(cursor, keys)))
    statement = statement.order_by(None).order_by(*ordering).add_columns(*(key for key, _d in keys)).limit(limit + 1)
    rows = db.session.execute(statement).all()
    width = len(keys)
    more = len(rows) > limit
    rows = rows[:limit]
    items = [row[0] if scalars else tuple(row[:-width]) for row in rows]
    next_cursor = encode_cursor(rows[-1][-width:]) if more and rows else None
    return Page(items, next_cursor)


def next_link(page: Page) -> str | None:
    """The same request, its other parameters kept, one page on."""
    if page.next_cursor is None:
        return None
    args = {name: values for name, values in request.args.lists() if name != "cursor"}
    return url_for(request.endpoint, **(request.view_args or {}), **args, cursor=page.next_cursor, _external=True)


def envelope(page: Page, data: list) -> tuple[dict, dict]:
    """The body `{"data": [...], "next": url|null}` and the Link header's parts."""
    link = next_link(page)
    return {"data": data, "next": link}, ({"next": link} if link else {})
