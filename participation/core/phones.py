"""Korean mobile numbers: reading what people type, and showing them masked.

A mobile number is 01X (010, 011, 016, 017, 018, 019) followed by 7 or 8
digits. People type it with hyphens or spaces (010-1234-5678, 010 1234 5678);
it is stored as digits only (01012345678). Pages never show a whole number:
`masked()` keeps the prefix and the last four digits (010-****-5678).
"""
from __future__ import annotations

import re

_MOBILE = re.compile(r"01[016789][0-9]{7,8}")  # ASCII digits only (\d also takes other scripts' digits)
_SEPARATORS = re.compile(r"[\s\-]+")


def normalise_mobile(raw: str) -> str:
    """The number as digits only; ValueError if it is not a Korean mobile number."""
    digits = _SEPARATORS.sub("", raw or "")
    if not _MOBILE.fullmatch(digits):
        raise ValueError("not a Korean mobile number")
    return digits


def masked(number: str | None) -> str:
    """010-****-5678: enough for a person to recognise their number, never the whole of it."""
    if not number:
        return ""
    digits = _SEPARATORS.sub("", number)
    if len(digits) < 8:
        return "*" * len(digits)
    return f"{digits[:3]}-{'*' * (len(digits) - 7)}-{digits[-4:]}"
