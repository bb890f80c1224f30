"""/api/docs: the API described for people, in Korean or English, from the OpenAPI document itself.

The page is rendered by the app, from `participation.api.spec.build(locale)`, rather than by a
vendored viewer (Swagger UI, Redoc):

- its texts are the document's own, which the app already has in both languages, so the page reads
  in Korean or English like every other page (the site's language, or `?lang=ko|en` to link to one);
- it needs no JavaScript and no outside styles or fonts, so the Content Security Policy stays as it
  is, and it is usable with scripts off;
- it is plain headings, lists and tables (captions, header scopes, scrolling regions that take the
  keyboard), which pass the same accessibility checks as the rest of the site at 360 px.

Nothing here names a resource: each tag, operation, parameter and field comes from the document,
so a resource added to /api/v1 appears here as soon as it is in the document.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import force_locale, get_locale, ngettext
from limits import parse_many

from participation.api import spec as api_spec
from participation.api.forms import SCOPE_LABELS
from participation.api.paging import DEFAULT_LIMIT, MAX_LIMIT
from participation.core.i18n import lazy_gettext as _l

bp = Blueprint("api_docs", __name__)

METHODS = ("get", "head", "post", "put", "patch", "delete")
REF_PREFIX = "#/components/schemas/"
MAX_DEPTH = 6  # a schema nested deeper than this (or one that contains itself) is named, not unfolded

PER = {  # (singular, plural), counted with ngettext
    "second": ("%(count)d request per second", "%(count)d requests per second"),
    "minute": ("%(count)d request per minute", "%(count)d requests per minute"),
    "hour": ("%(count)d request per hour", "%(count)d requests per hour"),
    "day": ("%(count)d request per day", "%(count)d requests per day"),
}


@dataclass
class FieldRow:
    """One line of a field table: `depth` says how far it is nested (0 for the top level)."""

    name: str
    depth: int
    type: str
    required: bool
    nullable: bool
    description: str = ""
    enum: list = field(default_factory=list)


@dataclass
class Parameter:
    name: str
    where: str
    type: str
    required: bool
    description: str
    enum: list


@dataclass
class Operation:
    anchor: str
    method: str
    path: str
    summary: str
    description: str
    parameters: list[Parameter]
    response_name: str
    fields: list[FieldRow]
    errors: list[tuple[str, str]]
    other: list[tuple[str, str]]
    curl: str


@dataclass
class Tag:
    name: str
    anchor: str
    description: str
    operations: list[Operation]


class Document:
    """Reads an OpenAPI document for the template: $refs resolved, schemas unfolded into rows."""

    def __init__(self, document: dict, language: str = "ko"):
        self.document = document
        self.language = language
        self.schemas = document.get("components", {}).get("schemas", {})

    def resolve(self, schema: dict | None) -> tuple[dict, str | None]:
        """The schema behind a $ref (and the component's name), or the schema itself."""
        schema = schema or {}
        name = None
        seen = set()
        while isinstance(schema, dict) and "$ref" in schema:
            ref = schema["$ref"]
            if ref in seen or not ref.startswith(REF_PREFIX) or ref[len(REF_PREFIX):] not in self.schemas:
                raise KeyError(ref)
            seen.add(ref)
            name = ref[len(REF_PREFIX):]
            schema = self.schemas[name]
        return schema, name

    @staticmethod
    def unwrap(schema: dict | None) -> tuple[dict, bool, list]:
        """`anyOf`/`oneOf`/`allOf` as people read them: a nullable thing (`anyOf: [X, null]`, as
        marshmallow's allow_none makes), or the alternatives; and whether null is one of them."""
        schema = schema or {}
        for keyword in ("anyOf", "oneOf", "allOf"):
            options = schema.get(keyword)
            if not isinstance(options, list):
                continue
            rest = [option for option in options if option != {"type": "null"}]
            nullable = len(rest) < len(options)
            if len(rest) == 1:
                merged = {**{k: v for k, v in schema.items() if k != keyword}, **rest[0]}
                if "description" in schema:
                    merged["description"] = schema["description"]
                return merged, nullable, []
            return schema, nullable, rest
        return schema, False, []

    def target(self, schema: dict | None) -> tuple[dict, str | None]:
        """What a schema describes once unwrapped (`anyOf: [X, null]` is X) and resolved."""
        schema, _null, _alternatives = self.unwrap(schema)
        return self.resolve({"$ref": schema["$ref"]} if "$ref" in schema else schema)

    def type_of(self, schema: dict | None) -> tuple[str, bool]:
        """A short type for people (`string (date-time)`, `array[Round]`) and whether null is allowed."""
        schema, null_option, alternatives = self.unwrap(schema)
        if alternatives:
            return " | ".join(self.type_of(option)[0] for option in alternatives), null_option
        if "$ref" in schema and len(schema) > 1:
            schema = {"$ref": schema["$ref"]}  # siblings of a $ref (a description) say nothing of its type
        target, name = self.resolve(schema)
        kinds = target.get("type", "object" if "properties" in target else "")
        kinds = list(kinds) if isinstance(kinds, list) else [kinds]
        nullable = null_option or "null" in kinds or bool(target.get("nullable"))
        kinds = [k for k in kinds if k and k != "null"]
        if name and (not kinds or kinds == ["object"]):
            return name, nullable
        words = []
        for kind in kinds or ["any"]:
            if kind == "array":
                item, _null = self.type_of(target.get("items"))
                words.append(f"array[{item}]")
            elif target.get("format"):
                words.append(f"{kind} ({target['format']})")
            else:
                words.append(kind)
        return " | ".join(words), nullable

    def rows(self, schema: dict | None, depth: int = 0, trail: tuple = ()) -> list[FieldRow]:
        """The fields of an object schema, each nested object's (or array of objects') fields below it."""
        target, name = self.target(schema)
        if target.get("type") == "array" or (isinstance(target.get("type"), list) and "array" in target["type"]):
            return self.rows(target.get("items"), depth, trail)
        if name in trail or depth > MAX_DEPTH:
            return []
        trail = (*trail, name) if name else trail
        required = set(target.get("required", []))
        found = []
        for prop, sub in (target.get("properties") or {}).items():
            kind, nullable = self.type_of(sub)
            sub, _null, _alternatives = self.unwrap(sub)
            resolved, _name = self.resolve({"$ref": sub["$ref"]} if "$ref" in sub else sub)
            enum = [v for v in resolved.get("enum", []) if v is not None]
            description = sub.get("description") or resolved.get("description") or ""
            found.append(FieldRow(prop, depth, kind, prop in required, nullable, description, enum))
            inner = self.target(resolved["items"])[0] if "items" in resolved else resolved
            if inner.get("properties") or isinstance(inner.get("additionalProperties"), dict):
                found += self.rows(sub, depth + 1, trail)
        extra = target.get("additionalProperties")
        if isinstance(extra, dict) and extra:
            kind, nullable = self.type_of(extra)
            found.append(FieldRow("*", depth, kind, False, nullable, str(_l("Any key: each value is as shown."))))
        return found

    def tags(self) -> list[Tag]:
        described = {tag["name"]: tag.get("description", "") for tag in self.document.get("tags", [])}
        tags: dict[str, Tag] = {}
        server = (self.document.get("servers") or [{"url": ""}])[0]["url"]
        for path, item in self.document.get("paths", {}).items():
            for method in METHODS:
                if method not in item:
                    continue
                op = item[method]
                name = (op.get("tags") or ["api"])[0]
                tag = tags.setdefault(name, Tag(name, "tag-" + re.sub(r"[^\w-]", "-", name), described.get(name, ""), []))
                tag.operations.append(self.operation(server, path, method, op, item.get("parameters", [])))
        return list(tags.values())

    def operation(self, server: str, path: str, method: str, op: dict, shared: list) -> Operation:
        parameters = []
        for param in [*shared, *op.get("parameters", [])]:
            param = self.resolve_parameter(param)
            schema, _name = self.target(param.get("schema"))
            kind, _nullable = self.type_of(param.get("schema"))
            parameters.append(Parameter(param["name"], param["in"], kind, bool(param.get("required")),
                                        param.get("description") or schema.get("description") or "",
                                        [v for v in schema.get("enum", []) if v is not None]))
        responses = op.get("responses", {})
        ok = responses.get("200", {})
        body = (ok.get("content") or {}).get("application/json", {}).get("schema")
        kind, _nullable = self.type_of(body) if body else ("", False)
        errors, other = [], []
        for status, answer in sorted(responses.items()):
            if status == "200":
                continue
            (errors if status[:1] in "45" else other).append((status, answer.get("description", "")))
        anchor = op.get("operationId") or f"{method}-{path}".replace("/", "-").strip("-")
        return Operation(anchor, method.upper(), path, op.get("summary", ""), op.get("description", ""), parameters,
                         kind, self.rows(body) if body else [], errors, other, self.curl(server, path, method, parameters, self.language))

    def resolve_parameter(self, param: dict) -> dict:
        ref = param.get("$ref")
        if ref and ref.startswith("#/components/parameters/"):
            return self.document["components"]["parameters"][ref.rsplit("/", 1)[1]]
        return param

    @staticmethod
    def curl(server: str, path: str, method: str, parameters: list[Parameter], language: str = "ko") -> str:
        url = path
        for param in parameters:
            if param.where == "path":
                url = url.replace("{" + param.name + "}", "1" if param.type.startswith("integer") else "example")
        if any(param.where == "query" and param.name == "limit" for param in parameters):
            url += "?limit=5"
        verb = "" if method == "get" else f"-X {method.upper()} "
        return f"curl -i {verb}-H 'Accept-Language: {language}' '{server}{url}'"


def rate_limits(setting: str) -> list[str]:
    """`"120 per minute; 2000 per hour"` as people read it, in the page's language."""
    read = []
    for item in parse_many(setting):
        unit = item.GRANULARITY.name
        forms = PER.get(unit)
        if forms is None or item.multiples != 1:
            read.append(str(item))
            continue
        read.append(ngettext(*forms, item.amount, count=item.amount))
    return read


def page_language() -> str | None:
    wanted = request.args.get("lang")
    return wanted if wanted in current_app.config["LANGUAGES"] else None


@bp.get("/api/docs")
def index():
    chosen = page_language()
    with force_locale(chosen or str(get_locale())):
        language = str(get_locale())
        document = api_spec.build(language)
        reader = Document(document, language)
        return render_template(
            "api/docs.html",
            document=document,
            tags=reader.tags(),
            error_fields=reader.rows({"$ref": REF_PREFIX + "Error"}) if "Error" in reader.schemas else [],
            anonymous_limits=rate_limits(current_app.config["API_RATE_LIMIT"]),
            key_limits=rate_limits(current_app.config["API_KEY_RATE_LIMIT"]),
            scope_labels=SCOPE_LABELS,
            default_limit=DEFAULT_LIMIT, max_limit=MAX_LIMIT,
            openapi_url=url_for("api.openapi"),
            open311_url="/open311/v2/discovery.json",
            language=language,
            other_languages=[code for code in current_app.config["LANGUAGES"] if code != language],
            page_lang=chosen,
            # The header's language switch (and sign-in) come back to the page without ?lang, so the
            # language chosen there is the one shown, not the one the link had.
            current_path=lambda: url_for("api_docs.index"),
        )

