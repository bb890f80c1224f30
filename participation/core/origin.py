"""The site's public address, which every link in an email starts with.

Production names it (PUBLIC_URL, required). In development and testing it
follows the server actually running: emails are written by the outbox sweep,
often outside any request, so the origin of the requests this process has
served is remembered, and before the first one the host and port `make run`
passes to `flask run` (FLASK_RUN_HOST, FLASK_RUN_PORT) stand in for it.
"""
from __future__ import annotations

import os

from flask import Flask, current_app, request

_SERVED = "gongron.served_origin"
# Where a server listens on every interface, its own machine reaches it here.
_ANY_ADDRESS = {"", "0.0.0.0", "::", "[::]"}  # noqa: S104  (compared with, never bound)
DEFAULT_ORIGIN = "http://127.0.0.1:5000"


def public_url(app: Flask | None = None) -> str:
    """The origin links start with, without a trailing slash."""
    app = app or current_app
    configured = app.config.get("PUBLIC_URL")
    if configured:
        return configured.rstrip("/")
    served = app.extensions.get(_SERVED)
    if served:
        return served
    return _origin_from_environment()


def _origin_from_environment() -> str:
    host = os.environ.get("FLASK_RUN_HOST", "").strip()
    port = os.environ.get("FLASK_RUN_PORT", "").strip()
    if not host and not port:
        return DEFAULT_ORIGIN
    if host in _ANY_ADDRESS:
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port or '5000'}"


def _remember_served_origin():
    # Only where no PUBLIC_URL is configured (never in production, which requires
    # one), so a request's Host header cannot steer links in anyone's email there.
    app = current_app._get_current_object()
    if not app.config.get("PUBLIC_URL"):
        app.extensions[_SERVED] = request.host_url.rstrip("/")


def init_app(app: Flask) -> None:
    app.before_request(_remember_served_origin)
