"""Following a request without an account: the tracking number with the phone number (or, for a
counter filing that left only an email, that email) finds it; then this browser may read that
request's page (the session remembers it, as a parcel's receipt would)."""
from __future__ import annotations

import re

from flask import session

from participation.civil_requests import intake
from participation.civil_requests.models import CivilRequest

SESSION_KEY = "tracked_requests"
REMEMBERED = 20  # the latest requests a browser follows this way
NUMBER = re.compile(r"^\d{4}-\d{4}-\d{4}$")


def normalise_number(value: str | None) -> str:
    """"2026 1234 5678", "202612345678" and "2026-1234-5678" are the same number."""
    digits = re.sub(r"\D", "", value or "")
    return f"{digits[:4]}-{digits[4:8]}-{digits[8:]}" if len(digits) == 12 else (value or "").strip()


def find(number: str, contact: str) -> CivilRequest | None:
    """The request this number (as people type it) and phone or email open, or None."""
    number = normalise_number(number)
    return intake.find_by_tracking(number, contact) if NUMBER.match(number) else None


def remember(request_id: int) -> None:
    tracked = [i for i in session.get(SESSION_KEY, []) if i != request_id]
    session[SESSION_KEY] = [request_id, *tracked][:REMEMBERED]


def is_tracked(request_id: int) -> bool:
    return request_id in session.get(SESSION_KEY, [])
