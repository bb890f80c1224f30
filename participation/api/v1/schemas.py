"""Fields the resources share."""
from __future__ import annotations

from marshmallow import Schema, fields

from participation.api.http import iso


class Time(fields.Field):
    """A UTC time, RFC 3339 (`2026-12-03T00:00:00Z`). Pass allow_none=True where it may be null."""

    def __init__(self, **kwargs):
        metadata = kwargs.setdefault("metadata", {})
        metadata.setdefault("type", "string")
        metadata.setdefault("format", "date-time")
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return iso(value)


def _language() -> str:
    from participation.api.guard import requested_language

    return requested_language()


class DepartmentRef(Schema):
    """A department (or anything with `name_for`): its id and its name in the language asked for."""

    id = fields.Integer(required=True)
    name = fields.Function(lambda obj: obj.name_for(_language()), required=True, metadata={"type": "string"})


class Localized(fields.Field):
    """A name an object keeps in both languages (`name_for(locale)`), in the language asked for."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault("type", "string")
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return value.name_for(_language()) if value is not None else None


class Computed(fields.Nested):
    """A nested schema's body for a value worked out from the whole object: `compute(schema, obj)`
    returns the object (or list, with many=True) to nest, or None. The document shows the nested schema."""

    def __init__(self, nested, compute, **kwargs):
        super().__init__(nested, **kwargs)
        self.compute = compute

    def serialize(self, attr, obj, accessor=None, **kwargs):
        return self._serialize(self.compute(self.parent, obj), attr, obj, **kwargs)
