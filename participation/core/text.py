"""Plain-text helpers shared by forms and services."""
from __future__ import annotations


def normalize_newlines(text: str | None) -> str:
    """Browsers send a textarea's line breaks as CRLF: keep each as one "\\n", so a
    limit of N characters means N characters however the text arrived."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")
