"""Plain-text helpers shared by forms and services."""
from __future__ import annotations

# Explicit bidirectional formatting: embeddings and overrides (U+202A-U+202E), isolates (U+2066-U+2069)
# and the invisible marks LRM, RLM and ALM.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_NO_BIDI = {ord(ch): None for ch in BIDI_CONTROLS}


def strip_bidi_controls(text):
    """The text without bidirectional control characters (None stays None)."""
    return text.translate(_NO_BIDI) if isinstance(text, str) else text


def normalize_newlines(text: str | None) -> str:
    """Browsers send a textarea's line breaks as CRLF: keep each as one "\\n", so a
    limit of N characters means N characters however the text arrived."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


# A spreadsheet runs a cell starting with one of these as a formula (a tab or CR can hide one).
SPREADSHEET_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str:
    """A CSV cell a spreadsheet shows as text: one starting with = + - @ (or a tab or CR) gets a leading '.

    A cell that already starts with ' gets one too, so the change can be undone exactly:
    participation/panels/lottery.py reads a published list by removing one leading ' before
    either (its `restore`), and so gets every value back as it was stored.
    """
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(SPREADSHEET_FORMULA_STARTS + ("'",)) else text
