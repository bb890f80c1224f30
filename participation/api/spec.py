"""The OpenAPI 3.1 document, generated from the endpoints themselves.

Each API view declares what it takes and returns with `@operation(...)`: a marshmallow schema for
its query (which the view also uses to read and check the query, through `query_args`) and one for
its body (which the view uses to write it). apispec's marshmallow plugin turns the same schemas into
the document, so what it says cannot drift from what the endpoints do; the test suite runs
schemathesis against it besides.

apispec rather than flask-smorest: the views stay plain Flask views under the project's own guards
(visitor's view, conditional responses, rate limits), and only the schemas are shared.
"""
from __future__ import annotations

import json
import re
from functools import wraps

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app, request
from flask_babel import force_locale
from marshmallow import EXCLUDE, Schema, ValidationError, fields

from participation.api.http import ApiError
from participation.core.i18n import lazy_gettext as _l
from participation.core.web import MAX_DATABASE_ID

API_VERSION = "1.0.0"
BLUEPRINTS = ("api",)
BAD_QUERY = _l("Some parameters are not valid. See fields for which.")


class ErrorDetail(Schema):
    status = fields.Integer(required=True)
    code = fields.String(required=True, metadata={"description": _l("A stable machine-readable reason.")})
    message = fields.String(required=True, metadata={"description": _l("For people, in the language asked for (Accept-Language: ko or en).")})
    field_errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), data_key="fields",
                               metadata={"description": _l("For a bad parameter: its name and what is wrong with it.")})


class ErrorSchema(Schema):
    error = fields.Nested(ErrorDetail, required=True)


_PAGES: dict[type, type] = {}


def page_of(item_schema: type[Schema]) -> type[Schema]:
    """The envelope of a cursor-paged list of `item_schema`: `{"data": [...], "next": url|null}`."""
    if item_schema not in _PAGES:
        name = item_schema.__name__.removesuffix("Schema") + "Page"
        _PAGES[item_schema] = type(name, (Schema,), {
            "data": fields.List(fields.Nested(item_schema), required=True),
            "next": fields.String(required=True, allow_none=True, metadata={"description": _l("The next page, or null on the last."), "format": "uri"}),
        })
    return _PAGES[item_schema]


class Limit(fields.Integer):
    """`limit`: ASCII digits only, 1 to 100 (Python's int() would also take other scripts' digits)."""

    def _deserialize(self, value, attr, data, **kwargs):
        from participation.api.paging import MAX_LIMIT, limit_message

        if not isinstance(value, str) or not value.isascii() or not value.isdigit() or not 1 <= int(value) <= MAX_LIMIT:
            raise ValidationError(str(limit_message()))
        return int(value)


MAX_ID = MAX_DATABASE_ID  # every id column is an INTEGER: PostgreSQL refuses a larger value for one (a 500, not a 400)


class IdParam(fields.Integer):
    """An id in the query: ASCII digits only, and small enough for the database."""

    def __init__(self, **kwargs):
        metadata = kwargs.setdefault("metadata", {})
        metadata.setdefault("type", "integer")
        metadata.setdefault("minimum", 0)
        metadata.setdefault("maximum", MAX_ID)
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not value.isascii() or not value.isdigit() or int(value) > MAX_ID:
            raise ValidationError(str(_l("Not a valid id.")))
        return int(value)


class PageQuery(Schema):
    """What every cursor-paged list takes."""

    class Meta:
        unknown = EXCLUDE

    limit = Limit(metadata={"description": _l("Items per page, 1 to 100 (20 if not given)."), "minimum": 1, "maximum": 100})
    cursor = fields.String(metadata={"description": _l("From the previous page's `next`.")})


def operation(*, summary, response: type[Schema], query: type[Schema] | None = None, description=None, tag: str, not_found: bool = False):
    """Declare an API view for the OpenAPI document (see the module's docstring)."""

    def decorator(view):
        view.openapi = {"summary": summary, "description": description, "response": response, "query": query,
                        "tag": tag, "not_found": not_found}

        @wraps(view)
        def wrapped(*args, **kwargs):
            return view(*args, **kwargs)

        wrapped.openapi = view.openapi
        return wrapped

    return decorator


def query_args(schema: type[Schema]) -> dict:
    """The request's query read through `schema` (unknown parameters ignored), or a 400 naming each bad one."""
    try:
        return schema(unknown=EXCLUDE).load(request.args)
    except ValidationError as exc:
        problems = {name: (texts if isinstance(texts, list) else [str(texts)]) for name, texts in exc.normalized_messages().items()}
        raise ApiError(400, "invalid_parameter", BAD_QUERY, fields=problems) from None


def _path(rule) -> tuple[str, list[dict]]:
    params = []

    def replace(match):
        converter, name = match.group(1), match.group(2)
        schema = {"type": "integer", "minimum": 0} if converter == "int" else {"type": "string"}
        params.append({"in": "path", "name": name, "required": True, "schema": schema})
        return "{" + name + "}"

    path = re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", replace, rule.rule)
    return path, params


ERRORS = {
    "400": _l("A parameter is not valid."),
    "403": _l("The API key is not valid or lacks the scope."),
    "404": _l("Not found, or not public."),
    "429": _l("Too many requests: wait for Retry-After seconds."),
}


def build(language: str) -> dict:
    """The document, its texts in `language`."""
    with force_locale(language):
        spec = APISpec(
            title=str(_l("Gongron open data API")),
            version=API_VERSION,
            openapi_version="3.1.0",
            plugins=[MarshmallowPlugin()],
            info={
                "description": str(_l("Everything public on this site, read as a signed-out visitor reads it. "
                                      "Lists are paged by cursor; every response carries an ETag and Last-Modified, "
                                      "and answers 304 when unchanged. Errors are JSON in Korean or English (Accept-Language).")),
            },
            servers=[{"url": request.host_url.rstrip("/")}],
        )
        spec.components.schema("Error", schema=ErrorSchema)
        spec.components.security_scheme("apiKey", {"type": "apiKey", "in": "header", "name": "X-API-Key"})
        for rule in sorted(current_app.url_map.iter_rules(), key=lambda r: r.rule):
            if rule.endpoint.split(".")[0] not in BLUEPRINTS:
                continue
            view = current_app.view_functions[rule.endpoint]
            meta = getattr(view, "openapi", None)
            if meta is None:
                continue
            path, params = _path(rule)
            if meta["query"] is not None:
                params.append({"in": "query", "schema": meta["query"]})
            params.append({"in": "header", "name": "Accept-Language", "required": False,
                           "schema": {"type": "string"}, "description": "ko or en"})
            responses = {
                "200": {"description": str(_l("OK")), "content": {"application/json": {"schema": meta["response"]}},
                        "headers": {"ETag": {"schema": {"type": "string"}}, "Last-Modified": {"schema": {"type": "string"}}}},
                "304": {"description": str(_l("Not modified since the ETag or date you sent."))},
            }
            for status, text in ERRORS.items():
                if status == "404" and not (meta["not_found"] or params[0]["in"] == "path"):
                    continue
                responses[status] = {"description": str(text), "content": {"application/json": {"schema": "Error"}}}
            spec.path(path=path, operations={"get": {
                "operationId": rule.endpoint.replace(".", "_"),
                "summary": str(meta["summary"]),
                **({"description": str(meta["description"])} if meta["description"] else {}),
                "tags": [meta["tag"]],
                "parameters": params,
                "responses": responses,
                "security": [{}, {"apiKey": []}],
            }})
        return json.loads(json.dumps(spec.to_dict(), default=str))
