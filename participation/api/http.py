"""What every JSON API response shares: errors in the asker's language, the visitor's view,
conditional requests (ETag, Last-Modified, 304), CORS for reading, and the rate-limit keys.

The API reads as a visitor reads: whatever cookie comes with a request, `current_user` is the
anonymous user for the whole request, so the API shows exactly what a signed-out page shows.
"""
from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from flask import Response, current_app, g, request
from flask_babel import force_locale
from flask_login import AnonymousUserMixin

from participation.api.guard import presented_secret, requested_language
from participation.api.keys import hash_secret
from participation.core.i18n import lazy_gettext as _l

# A Last-Modified for a response whose rows carry no time at all (an empty list): the ETag,
# which always changes with the body, still tells a client that something appeared.
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Accept-Language, If-None-Match, If-Modified-Since, X-API-Key",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, Link, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset",
    "Access-Control-Max-Age": "600",
}


class ApiError(Exception):
    """A refusal that becomes `{"error": {"status", "code", "message", "fields"?}}`.

    `message` is a lazy string, rendered in the language the client asked for."""

    def __init__(self, status: int, code: str, message, *, fields: dict | None = None):
        super().__init__(str(code))
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields


NOT_FOUND = _l("There is nothing public at this address.")


def not_found() -> ApiError:
    return ApiError(404, "not_found", NOT_FOUND)


def error_body(status: int, code: str, message, fields: dict | None = None) -> dict:
    with force_locale(requested_language()):
        error = {"status": status, "code": code, "message": str(message)}
        if fields:
            error["fields"] = {name: [str(text) for text in texts] for name, texts in fields.items()}
    return {"error": error}


def error_response(exc: ApiError) -> Response:
    response = json_body(error_body(exc.status, exc.code, exc.message, exc.fields), status=exc.status)
    response.headers["Cache-Control"] = "no-store"
    return response


def json_body(payload, *, status: int = 200) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=_encode)
    return current_app.response_class(body, status=status, mimetype="application/json")


def _encode(value):
    if isinstance(value, datetime):
        return iso(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def iso(moment: datetime | None) -> str | None:
    """RFC 3339 in UTC, seconds precision: `2026-12-03T00:00:00Z`."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def latest(*moments) -> datetime | None:
    """The latest of the given times (None ignored): what a response's Last-Modified is built from."""
    present = [m if m.tzinfo else m.replace(tzinfo=UTC) for m in moments if m is not None]
    return max(present) if present else None


def respond(payload, *, last_modified: datetime | None, links: dict[str, str] | None = None) -> Response:
    """A 200 with an ETag of the body and a Last-Modified, or a 304 when the client has it already.

    `last_modified` is the latest change to anything the body shows; the ETag is what decides
    (RFC 9110: If-None-Match wins over If-Modified-Since), so a count that moved without a
    timestamp still makes a new body and a new ETag."""
    response = json_body(payload)
    response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
    response.last_modified = (last_modified or EPOCH).replace(microsecond=0)
    response.headers["Cache-Control"] = "public, max-age=0, must-revalidate"
    if links:
        response.headers["Link"] = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())
    return response.make_conditional(request)


class Visitor(AnonymousUserMixin):
    """The signed-out person the API answers as."""


def act_as_visitor() -> None:
    """Make `current_user` the anonymous visitor for this request, whatever cookie came with it."""
    g._login_user = Visitor()


def add_cors_headers(response: Response) -> Response:
    for name, value in CORS_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def rate_limit_key() -> str:
    """The client a request counts against: its key (hashed) when it presents one, else its address."""
    secret = presented_secret()
    if secret:
        return "key:" + hash_secret(secret)[:24]
    return "ip:" + (request.remote_addr or "unknown")


def has_key() -> bool:
    return presented_secret() is not None
