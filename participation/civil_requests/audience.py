"""Who is told of a civil request besides its applicant, and how its department is reached.

Notifications (notifications/receivers.py) decide who hears of each step; what only this domain
knows is read here: the people who reported the same problem, the department's contact to name
in an extension notice, and the page a person without an account follows a request on.
"""
from __future__ import annotations

from collections.abc import Iterable

from flask import current_app, url_for
from sqlalchemy import select

from participation.civil_requests.models import CivilRequest, RequestSupporter
from participation.extensions import db


def supporter_ids(request_id: int) -> list[int]:
    """The people who said "same problem" on this request."""
    return list(db.session.scalars(
        select(RequestSupporter.user_id).where(RequestSupporter.request_id == request_id).order_by(RequestSupporter.user_id)
    ))


def supporters_of(request_ids: Iterable[int]) -> dict[int, list[int]]:
    """The supporters of many requests in one statement: {request id: user ids}."""
    found: dict[int, list[int]] = {}
    ids = sorted(set(request_ids))
    if not ids:
        return found
    for request_id, user_id in db.session.execute(
        select(RequestSupporter.request_id, RequestSupporter.user_id).where(RequestSupporter.request_id.in_(ids))
        .order_by(RequestSupporter.request_id, RequestSupporter.user_id)
    ):
        found.setdefault(request_id, []).append(user_id)
    return found


def department_contact() -> str:
    """How the applicant reaches the handling department. Departments keep no contact details of
    their own (accounts.Department has a name only), so notices name the department and give the
    city's civil-request phone line (CITY_PHONE), which puts callers through to it."""
    return current_app.config.get("CITY_PHONE") or ""


def tracking_path(request: CivilRequest) -> str:
    """The page someone without an account follows the request on: the tracking form, its number
    filled in (the phone number is asked there, never carried in a link). Where the site has no
    tracking form, the request's own page."""
    if "civil_requests.track" in current_app.view_functions:
        return url_for("civil_requests.track", number=request.tracking_number)
    return url_for("civil_requests.detail", request_id=request.id)
