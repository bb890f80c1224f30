"""Open311's two formats: XML (the spec's default) and JSON (top-level arrays; discovery is an
object), with the spec's error bodies and W3C datetimes in the city's zone.

A document is built from plain values: a dict is an element with children, a list is an element
with one child per item (named by LIST_ITEMS), None is an empty element, booleans are true/false.
XML is only written here, never read (no endpoint takes an XML body).
"""
from __future__ import annotations

import json
from datetime import datetime
from xml.etree import ElementTree

from flask import Response

from participation.civil_requests.listing import xml_text
from participation.core.time import SEOUL, as_utc

FORMATS = ("xml", "json")
XML_TYPE = "text/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
# The element of each item of a list, by the list's element name.
LIST_ITEMS = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


def w3c(moment: datetime | None) -> str | None:
    """2026-12-03T09:00:00+09:00: seconds, the city's zone and its offset."""
    if moment is None:
        return None
    return as_utc(moment).astimezone(SEOUL).replace(microsecond=0).isoformat()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return xml_text(str(value))


def _fill(element: ElementTree.Element, value) -> None:
    if isinstance(value, dict):
        for name, child in value.items():
            _fill(ElementTree.SubElement(element, name), child)
    elif isinstance(value, list):
        item_name = LIST_ITEMS.get(element.tag, "item")
        for item in value:
            _fill(ElementTree.SubElement(element, item_name), item)
    else:
        element.text = _text(value)


def xml_document(root: str, item: str | None, content) -> bytes:
    """`<root><item>…</item>…</root>` for a list (or `<root>…</root>` for a dict, `item` None)."""
    element = ElementTree.Element(root)
    if item is None:
        _fill(element, content)
    else:
        for entry in content:
            _fill(ElementTree.SubElement(element, item), entry)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(element, encoding="utf-8", xml_declaration=False)


def _json_value(value):
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    return value


def document(fmt: str, root: str, item: str | None, content, status: int = 200) -> Response:
    """The answer in `fmt`: XML with `root` and `item` elements, or JSON (the list, or the object)."""
    if fmt == "json":
        body = json.dumps(_json_value(content), ensure_ascii=False)
        return Response(body, status=status, content_type=JSON_TYPE)
    return Response(xml_document(root, item, content), status=status, content_type=XML_TYPE)


def errors(fmt: str, status: int, description: str) -> Response:
    """The spec's error body: <errors><error><code/><description/></error></errors>, or [{code, description}]."""
    return document(fmt, "errors", "error", [{"code": status, "description": str(description)}], status=status)


def format_of(path: str) -> str:
    """The format a path asks for: JSON for .json, else the spec's default, XML."""
    return "json" if path.rsplit("?", 1)[0].endswith(".json") else "xml"
