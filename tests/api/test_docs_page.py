"""/api/docs: the API's page for people, in Korean and English, built from the OpenAPI document."""
from __future__ import annotations

import re

import pytest
from markupsafe import escape

from participation.api.docs_views import Document, rate_limits
from participation.core.web import content_security_policy


def _hangul(text: str) -> bool:
    return any("\uac00" <= ch <= "\ud7a3" for ch in text)


def test_the_page_follows_the_sites_language_and_links_to_the_other(client, app_ctx):
    korean = client.get("/api/docs")
    assert korean.status_code == 200 and korean.mimetype == "text/html"
    text = korean.get_data(as_text=True)
    assert '<html lang="ko">' in text
    assert "공공데이터 API" in text and "API 이용 방법" in text
    assert 'href="/api/docs?lang=en"' in text
    client.use_english()
    english = client.get("/api/docs").get_data(as_text=True)
    assert '<html lang="en">' in english and "How the API works" in english
    assert 'href="/api/docs?lang=ko"' in english


def test_a_lang_link_shows_that_language_whatever_the_session_and_changes_nothing(client, app_ctx):
    english = client.get("/api/docs?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "Rate limits" in english
    # The document's own texts come in the same language as the page.
    assert "Every round a visitor sees" in english
    curls = re.findall(r"curl -i [^<]*", english)
    assert curls and all("Accept-Language: en" in line for line in curls)
    # A GET changes no choice: the next page without ?lang is still in Korean.
    assert '<html lang="ko">' in client.get("/api/docs").get_data(as_text=True)
    korean = client.get("/api/docs?lang=ko").get_data(as_text=True)
    assert "방문자가 보는 모든 공모 회차" in korean
    # The header's switch brings the page back without ?lang, so the language chosen there shows.
    assert 'name="next" value="/api/docs"' in english
    # An unknown language is simply ignored.
    assert '<html lang="ko">' in client.get("/api/docs?lang=fr").get_data(as_text=True)


def test_the_operation_texts_come_from_the_document_in_each_language(client, app_ctx):
    for language in ("ko", "en"):
        document = client.get("/api/v1/openapi.json", headers={"Accept-Language": language}).get_json()
        page = client.get(f"/api/docs?lang={language}").get_data(as_text=True)
        summaries = [op["summary"] for item in document["paths"].values() for op in item.values()]
        assert summaries and all(f">{escape(summary)}</h3>" in page for summary in summaries)
        assert document["info"]["description"] in page


@pytest.fixture
def other_limits(app):
    saved = {name: app.config[name] for name in ("API_RATE_LIMIT", "API_KEY_RATE_LIMIT")}
    app.config.update(API_RATE_LIMIT="7 per minute; 300 per hour", API_KEY_RATE_LIMIT="70 per minute; 5000 per day")
    yield
    app.config.update(saved)


def test_the_rate_limits_are_read_from_the_settings(client, app_ctx, other_limits):
    korean = client.get("/api/docs").get_data(as_text=True)
    assert "분당 7회, 시간당 300회" in korean and "분당 70회, 하루 5000회" in korean
    english = client.get("/api/docs?lang=en").get_data(as_text=True)
    assert "7 requests per minute, 300 requests per hour" in english
    assert "70 requests per minute, 5000 requests per day" in english


def test_rate_limits_with_odd_periods_stay_readable():
    assert rate_limits("5 per 2 seconds") == ["5 per 2 second"]


def test_the_intro_covers_what_a_client_needs(client, app_ctx):
    text = client.get("/api/docs?lang=en").get_data(as_text=True)
    assert 'href="/api/v1/openapi.json"' in text and 'href="/open311/v2/discovery.json"' in text
    for heading in ("Paging", "Caching: ETag and 304", "From a web page (CORS)", "Rate limits", "Languages", "API keys"):
        assert f"<h3>{heading}</h3>" in text
    assert "ask the city" in text and "<code>read</code>" in text and "<code>open311_submit</code>" in text
    assert "at most 100 (20 if not given)" in text


def test_the_page_needs_no_script_of_its_own_and_keeps_the_policy(client, app_ctx):
    response = client.get("/api/docs")
    home = client.get("/")
    assert response.headers["Content-Security-Policy"] == home.headers["Content-Security-Policy"] == content_security_policy(
        client.application.config.get("MAP_TILE_URL") or "")
    scripts = lambda r: re.findall(r"<script[^>]*>", r.get_data(as_text=True))  # noqa: E731
    assert scripts(response) == scripts(home)  # the layout's, nothing more
    assert " style=" not in response.get_data(as_text=True) and "<style" not in response.get_data(as_text=True)


def test_every_table_is_a_named_scrolling_region_with_a_caption_and_header_scopes(client, app_ctx):
    text = client.get("/api/docs").get_data(as_text=True)
    main = text[text.index("<main"):text.index("</main>")]
    tables = re.findall(r"<table.*?</table>", main, re.S)
    assert len(tables) >= 3
    regions = re.findall(r'<div class="table-wrap" role="region" tabindex="0" aria-labelledby="([^"]+)">\s*<table', main)
    assert len(regions) == len(tables)
    captions = set(re.findall(r'<caption id="([^"]+)">', main))
    assert set(regions) <= captions and len(captions) == len(tables)
    for table in tables:
        assert "<caption" in table
        assert all('scope="' in th for th in re.findall(r"<th[\s>][^>]*>?", table))
    ids = re.findall(r'\sid="([^"]+)"', text)
    assert len(ids) == len(set(ids)), "an id is used twice"
    # Headings go down one level at a time.
    levels = [int(n) for n in re.findall(r"<h([1-6])", main)]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))


def test_the_footer_links_to_the_page(client, app_ctx):
    assert 'href="/api/docs"' in client.get("/").get_data(as_text=True)
    assert 'href="/api/docs" aria-current="page"' in client.get("/api/docs").get_data(as_text=True)


def test_an_error_under_api_docs_is_a_page_not_json(client, app_ctx):
    response = client.post("/api/docs")
    assert response.status_code == 405 and response.mimetype == "text/html"
    assert "GET" in response.headers["Allow"]
    assert client.post("/api/v1/rounds").mimetype == "application/json"


# The reader, on a document richer than today's: nested objects, arrays of them, a map, a cycle,
# two path parameters, an enum, a shared parameter; what other resources will bring.
RICH = {
    "openapi": "3.1.0",
    "info": {"title": "t", "version": "1"},
    "servers": [{"url": "https://city.example"}],
    "tags": [{"name": "things", "description": "All the things."}],
    "paths": {
        "/api/v1/things/{thing_id}/parts/{part_id}": {
            "parameters": [{"in": "path", "name": "thing_id", "required": True, "schema": {"type": "integer"}}],
            "get": {
                "operationId": "api_part", "summary": "A part", "tags": ["things"],
                "parameters": [
                    {"in": "path", "name": "part_id", "required": True, "schema": {"type": "integer"}},
                    {"in": "query", "name": "kind", "schema": {"type": "string", "enum": ["a", "b", None]}, "description": "Which kind."},
                ],
                "responses": {
                    "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Part"}}}},
                    "304": {"description": "Not modified"},
                    "404": {"description": "Not found", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                },
            },
        },
    },
    "components": {"schemas": {
        "Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {"code": {"type": "string"}}}}},
        "Part": {"type": "object", "required": ["id", "owner"], "properties": {
            "id": {"type": "integer"},
            "owner": {"$ref": "#/components/schemas/Owner"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "children": {"type": "array", "items": {"$ref": "#/components/schemas/Part"}},
            "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
            "seen_at": {"type": ["string", "null"], "format": "date-time", "description": "When."},
            "spare": {"anyOf": [{"$ref": "#/components/schemas/Place"}, {"type": "null"}], "description": "Or none."},
            "either": {"oneOf": [{"type": "integer"}, {"type": "string"}]},
        }},
        "Owner": {"type": "object", "properties": {"name": {"type": "string"}, "place": {"$ref": "#/components/schemas/Place"}}},
        "Place": {"type": "object", "properties": {"lat": {"type": "number"}}},
    }},
}


def test_the_reader_unfolds_nested_schemas_and_stops_at_a_cycle(app_ctx):
    (tag,) = Document(RICH).tags()
    assert (tag.name, tag.description) == ("things", "All the things.")
    (op,) = tag.operations
    assert [(p.name, p.where, p.required) for p in op.parameters] == [("thing_id", "path", True), ("part_id", "path", True), ("kind", "query", False)]
    assert op.parameters[2].enum == ["a", "b"]
    rows = [(row.name, row.depth, row.type, row.required, row.nullable) for row in op.fields]
    assert rows == [
        ("id", 0, "integer", True, False),
        ("owner", 0, "Owner", True, False),
        ("name", 1, "string", False, False),
        ("place", 1, "Place", False, False),
        ("lat", 2, "number", False, False),
        ("tags", 0, "array[string]", False, False),
        ("children", 0, "array[Part]", False, False),  # Part inside Part: named, not unfolded again
        ("counts", 0, "object", False, False),
        ("*", 1, "integer", False, False),
        ("seen_at", 0, "string (date-time)", False, True),
        ("spare", 0, "Place", False, True),  # marshmallow's Nested(allow_none=True)
        ("lat", 1, "number", False, False),
        ("either", 0, "integer | string", False, False),
    ]
    assert next(row for row in op.fields if row.name == "spare").description == "Or none."
    assert op.response_name == "Part"
    assert op.errors == [("404", "Not found")] and op.other == [("304", "Not modified")]
    assert op.curl == "curl -i -H 'Accept-Language: ko' 'https://city.example/api/v1/things/1/parts/1'"


def test_a_ref_that_does_not_resolve_is_an_error_not_a_silent_gap():
    broken = {**RICH, "components": {"schemas": {}}}
    with pytest.raises(KeyError):
        Document(broken).tags()


def test_every_field_of_the_answer_is_in_its_table(client, app_ctx):
    text = client.get("/api/docs?lang=en").get_data(as_text=True)
    document = client.get("/api/v1/openapi.json", headers={"Accept-Language": "en"}).get_json()
    for name, schema in document["components"]["schemas"].items():
        for field in schema.get("properties", {}):
            assert f"<code>{field}</code>" in text, (name, field)
    assert _hangul(client.get("/api/docs").get_data(as_text=True))
