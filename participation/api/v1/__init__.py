"""The read-only JSON API at /api/v1: one module per resource, each calling the same reading
functions and permission checks as the pages (as a visitor), never a second copy of the rules."""
from __future__ import annotations

from flask import Blueprint, current_app, g, request

from participation.api import http
from participation.api.guard import check_api_key, requested_language
from participation.api.keys import ApiKeyRefused
from participation.api.models import ApiScope
from participation.extensions import csrf, limiter

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # read-only, and answers as a visitor: no cookie is ever honoured here


@bp.before_request
def _as_visitor():
    http.act_as_visitor()
    if request.method == "OPTIONS":
        return None
    try:
        g.api_key = check_api_key(ApiScope.READ.value)
    except ApiKeyRefused as exc:
        return http.error_response(http.ApiError(403, exc.code, exc.message))
    return None


@bp.after_request
def _cors(response):
    response.headers["Vary"] = "Accept-Language"
    return http.add_cors_headers(response)


@bp.errorhandler(http.ApiError)
def _api_error(exc: http.ApiError):
    return http.error_response(exc)


# Per address for clients without a key; per key (a higher limit) for those with one.
limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=http.rate_limit_key,
              exempt_when=http.has_key, scope="api-ip")(bp)
limiter.limit(lambda: current_app.config["API_KEY_RATE_LIMIT"], key_func=http.rate_limit_key,
              exempt_when=lambda: not http.has_key(), scope="api-key")(bp)


@bp.get("/openapi.json")
def openapi():
    from participation.api import spec

    return http.json_body(spec.build(requested_language()))


from participation.api.v1 import civil_requests, ideas, panels, reference, results, rounds  # noqa: E402,F401  (their routes register on bp)
