"""Plain-text helpers shared by forms and services."""
from __future__ import annotations


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
