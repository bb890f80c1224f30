"""The OpenAPI document is valid OpenAPI 3.1, complete, and what /api/docs shows.

Nothing here names a resource: the checks run over whatever the `api` blueprint and the
document hold, so they cover every resource added to /api/v1.
"""
from __future__ import annotations

import html
import re

import jsonschema_rs
import pytest
from flask import current_app
from schemathesis.specs.openapi.definitions import OPENAPI_31_VALIDATOR

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def _document(client, language: str) -> dict:
    response = client.get("/api/v1/openapi.json", headers={"Accept-Language": language})
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def _operations(document: dict) -> list[tuple[str, str, dict]]:
    return [(path, method, op) for path, item in document["paths"].items() for method, op in item.items() if method in METHODS]


def _refs(value, where="#"):
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "$ref" and isinstance(inner, str):
                yield where, inner
            else:
                yield from _refs(inner, f"{where}/{key}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _refs(inner, f"{where}/{index}")


def _pointer(document: dict, ref: str):
    assert ref.startswith("#/"), f"{ref} points outside the document"
    target = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(target, dict) and part in target, f"{ref} does not resolve"
        target = target[part]
    return target


@pytest.mark.parametrize("language", ["ko", "en"])
def test_the_document_is_valid_openapi_3_1(client, app_ctx, language):
    document = _document(client, language)
    assert document["openapi"] == "3.1.0"
    errors = [f"{'/'.join(map(str, error.instance_path))}: {error.message}" for error in OPENAPI_31_VALIDATOR.iter_errors(document)]
    assert not errors, "\n".join(errors[:20])
    # Each schema is a valid JSON Schema 2020-12 (OpenAPI 3.1's dialect) in its own right.
    for name, schema in document["components"]["schemas"].items():
        assert jsonschema_rs.meta.is_valid(schema), name
    assert _operations(document), "the document lists no operations"


def test_every_ref_resolves(client, app_ctx):
    document = _document(client, "en")
    refs = list(_refs(document))
    assert refs
    for where, ref in refs:
        target = _pointer(document, ref)
        assert isinstance(target, dict), f"{where}: {ref} is not an object"
    # and no component is left unused (a renamed schema would otherwise linger)
    used = {ref.rsplit("/", 1)[1] for _where, ref in refs if ref.startswith("#/components/schemas/")}
    assert set(document["components"]["schemas"]) <= used


def test_every_api_endpoint_is_in_the_document(client, app_ctx):
    document = _document(client, "en")
    listed = {(path, method.upper()) for path, method, _op in _operations(document)}
    routes = set()
    for rule in current_app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] != "api" or rule.endpoint == "api.openapi":
            continue
        view = current_app.view_functions[rule.endpoint]
        assert getattr(view, "openapi", None), f"{rule.endpoint} has no @operation(...)"
        path = re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule.rule)
        routes |= {(path, method) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes, "the api blueprint has no endpoints"
    assert routes == listed
    ids = [op["operationId"] for _path, _method, op in _operations(document)]
    assert len(ids) == len(set(ids)), "operationIds must be unique"


def test_every_operation_has_a_200_schema_and_documents_its_refusals(client, app_ctx):
    document = _document(client, "en")
    for path, method, op in _operations(document):
        where = f"{method.upper()} {path}"
        ok = op["responses"].get("200")
        assert ok, f"{where}: no 200"
        schema = ok["content"]["application/json"]["schema"]
        resolved = _pointer(document, schema["$ref"]) if "$ref" in schema else schema
        assert resolved.get("type") == "object" and resolved.get("properties"), f"{where}: the 200 body is not described"
        assert op.get("summary"), f"{where}: no summary"
        assert op.get("tags"), f"{where}: no tag"
        for status in ("400", "429"):
            assert status in op["responses"], f"{where}: {status} not documented"
        if any(p["in"] == "path" for p in op.get("parameters", [])):
            assert "404" in op["responses"], f"{where}: has a path parameter but no 404"
        names = [(p["in"], p["name"]) for p in op.get("parameters", [])]
        assert len(names) == len(set(names)), f"{where}: a parameter is listed twice"


@pytest.mark.parametrize("language", ["ko", "en"])
def test_the_docs_page_lists_every_operation(client, app_ctx, language):
    document = _document(client, language)
    page = client.get(f"/api/docs?lang={language}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    shown = set(re.findall(r'data-operation="([^"]+)"', text))
    assert shown == {f"{method.upper()} {path}" for path, method, _op in _operations(document)}
    articles = dict(re.findall(r'<article[^>]*data-operation="([^"]+)">(.*?)</article>', text, re.S))
    for path, method, op in _operations(document):
        article = html.unescape(articles[f"{method.upper()} {path}"])
        assert op["summary"] in article
        if op.get("description"):
            assert op["description"] in article
        for parameter in op.get("parameters", []):
            assert f"<code>{parameter['name']}</code>" in article, (path, parameter["name"])
        schema = op["responses"]["200"]["content"]["application/json"]["schema"]
        resolved = _pointer(document, schema["$ref"]) if "$ref" in schema else schema
        for field in resolved["properties"]:
            assert f"<code>{field}</code>" in article, (path, field)
        for status in op["responses"]:
            if status != "200":
                assert f"<code>{status}</code>" in article, (path, status)
        assert "curl -i" in article and path.split("{")[0] in article


def test_no_two_schemas_share_a_name(client, app_ctx):
    """apispec renames a second schema of the same class name (Photo1 ...) with a warning: each
    resource's schemas must have names of their own, so the document's names say what they are."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert client.get("/api/v1/openapi.json").status_code == 200
