"""`require_api_key(scope)`: how an API endpoint reads and checks the key a client app sends.

The key comes as `api_key` (query string or form field, as Open311 sends it) or as the
`X-API-Key` header. No key means a public read (`g.api_key` is None); a key that is unknown,
revoked or lacks the scope gets a 403 JSON error with its code, in the language the client asks
for with Accept-Language (ko or en).
"""
from __future__ import annotations

from functools import wraps

from flask import current_app, g, jsonify, request
from flask_babel import force_locale

from participation.api.keys import ApiKeyRefused, authenticate
from participation.core.db import write_transaction
from participation.core.i18n import lazy_gettext as _l
from participation.core.time import now

HEADER = "X-API-Key"
PARAMETER = "api_key"


def presented_secret() -> str | None:
    """The secret the request carries, or None. A form body is only read when it is a form."""
    secret = request.headers.get(HEADER) or request.args.get(PARAMETER)
    if not secret and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        secret = request.form.get(PARAMETER)
    return secret or None


def requested_language() -> str:
    languages = current_app.config["LANGUAGES"]
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def refusal_response(exc: ApiKeyRefused):
    with force_locale(requested_language()):
        message = str(exc.message)
    return jsonify(error={"status": 403, "code": exc.code, "message": message}), 403


def check_api_key(scope: str, *, required: bool = False):
    """The request's key, checked for `scope` and counted, or None when there is none (ApiKeyRefused
    with `key_required` instead when the endpoint needs one, as Open311's POST requests does)."""
    secret = presented_secret()
    if secret is None:
        if required:
            raise ApiKeyRefused(_l("This needs an API key."), code="key_required")
        return None
    with write_transaction():
        return authenticate(secret, scope, now())


def require_api_key(scope: str, *, required: bool = False):
    """Decorate an API view: a key, when given (or always, if `required`), must be valid for `scope`;
    the view finds it in `g.api_key`."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            try:
                g.api_key = check_api_key(scope, required=required)
            except ApiKeyRefused as exc:
                return refusal_response(exc)
            return view(*args, **kwargs)

        return wrapped

    return decorator
