"""Request-level wiring: language, template helpers, security headers and error pages."""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from urllib.parse import urlsplit

from flask import Flask, current_app, has_request_context, jsonify, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from participation.core import health
from participation.core.forms import error_items
from participation.core.i18n import lazy_gettext as _l
from participation.core.i18n import lazy_ngettext
from participation.core.language import detect_language, in_language, lang_attribute
from participation.core.sanitize import plain_excerpt, render_markdown
from participation.core.text import strip_bidi_controls
from participation.core.time import format_local_date, format_local_datetime, now

# Addresses read by programs: they answer in the language of Accept-Language, never a session's or
# account's, and do not vary by cookie.
MACHINE_PATHS = ("/api/v1/", "/open311/")


def is_machine_path() -> bool:
    return request.path.startswith(MACHINE_PATHS)


def select_locale() -> str:
    """Korean unless the person chose English (in this session or in their account)."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if is_machine_path():
        return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    user_locale = getattr(current_user, "locale", None) if current_user else None
    if user_locale in languages:
        return user_locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def is_safe_next(target: str | None) -> bool:
    """Only same-site relative paths are followed after a form, never another host.

    Browsers drop tabs and newlines inside URLs, so "/\t/evil.example" would
    become "//evil.example"; any control or space character is refused.
    """
    if not target or not target.startswith("/") or len(target) > 2000:
        return False
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 or ch == "\\" for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and not parts.path.startswith("//")


def safe_next(target: str | None, default_endpoint: str = "core.index") -> str:
    return target if is_safe_next(target) else url_for(default_endpoint)


CONTENT_SECURITY_POLICY_PARTS = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)
CONTENT_SECURITY_POLICY = "; ".join(CONTENT_SECURITY_POLICY_PARTS)


@lru_cache(maxsize=8)
def tile_source(tile_url: str) -> str | None:
    """The CSP source for a map tile URL template: its scheme and host ("{s}" subdomains as "*.")."""
    parts = urlsplit(tile_url.strip())
    if parts.scheme not in ("https", "http") or not parts.netloc:
        return None
    host = parts.netloc.replace("{s}.", "*.")
    if any(ch in host for ch in "{}'; \t\n\"") or "@" in host:
        return None
    return f"{parts.scheme}://{host}"


@lru_cache(maxsize=8)
def content_security_policy(tile_url: str = "") -> str:
    """The strict policy; a configured map tile host is the one addition, to img-src only."""
    source = tile_source(tile_url) if tile_url else None
    if source is None:
        return CONTENT_SECURITY_POLICY
    return "; ".join(f"{part} {source}" if part.startswith("img-src ") else part for part in CONTENT_SECURITY_POLICY_PARTS)


def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(current_app.config.get("MAP_TILE_URL") or ""))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "geolocation=(self), camera=(), microphone=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("STRICT_TRANSPORT_SECURITY"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if current_user and getattr(current_user, "is_authenticated", False):
        # Pages for a signed-in person are personal; shared caches must not keep them.
        headers.setdefault("Cache-Control", "private, no-store")
    if not is_machine_path():
        headers["Vary"] = "Cookie"
    return response


ERROR_TEXTS = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and try again.")),
    403: (_l("Not allowed"), _l("You do not have permission to do this.")),
    404: (_l("Page not found"), _l("There is no page at this address. It may have moved or been removed.")),
    405: (_l("Method not allowed"), _l("This address does not accept that kind of request.")),
    413: (_l("Too large"), _l("What you sent is larger than we accept. Send smaller files or less text.")),
    429: (_l("Too many requests"), _l("You have tried this too many times. Please wait a few minutes and try again.")),
    503: (_l("Busy"), _l("Many people are using the site at this moment. Please try again in a few seconds.")),
    500: (_l("Something went wrong"), _l("An error occurred on our side. It has been logged. Please try again later.")),
}
CSRF_MESSAGE = _l("This form has expired or is missing its security token. Go back, reload the page and try again.")


def _is_api_docs() -> bool:
    """/api/docs is a page for people, though under /api/."""
    return request.path == "/api/docs" or request.path.startswith("/api/docs/")


def wants_json() -> bool:
    if request.path.startswith("/api/") and not _is_api_docs():
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


# Error bodies for parts of the site that answer in a format of their own (Open311's XML and
# JSON), filled by their blueprints: path prefix -> a function of (status code, message) that
# returns (response, status code). Every error of the app under that prefix goes through it.
ERROR_RENDERERS: dict = {}


def error_renderer(path: str):
    for prefix, renderer in ERROR_RENDERERS.items():
        if path == prefix.rstrip("/") or path.startswith(prefix):
            return renderer
    return None


def error_response(code: int, message=None, *, error_code: str | None = None, as_json: bool | None = None):
    title, default_message = ERROR_TEXTS.get(code, ERROR_TEXTS[500])
    message = message or default_message
    renderer = error_renderer(request.path) if has_request_context() else None
    if renderer is not None:
        return renderer(code, message)
    if wants_json() if as_json is None else as_json:
        return jsonify(error={"status": code, "code": error_code or title, "message": str(message)}), code
    return render_template("errors/error.html", code=code, title=title, message=message), code


def _handle_http_error(exc: HTTPException):
    if exc.code == 401:
        if wants_json():
            return error_response(403, _l("Sign in to do this."), error_code="login_required")
        return redirect(url_for("accounts.login", next=current_path()))
    if exc.code == 429:
        return error_response(429, _rate_limit_message(exc), error_code="rate_limited")
    if exc.code not in ERROR_TEXTS and error_renderer(request.path) is None:
        return exc
    # A reason given by the view (core.permissions.require) rather than werkzeug's default text.
    reason = exc.description if exc.description != type(exc).description else None
    body, status = error_response(exc.code, reason, error_code=exc.name.lower().replace(" ", "_"))
    if exc.code == 405 and getattr(exc, "valid_methods", None):
        return body, status, {"Allow": ", ".join(exc.valid_methods)}  # RFC 9110: a 405 says what is allowed
    return body, status


def _rate_limit_message(exc):
    try:
        minutes = max(1, -(-exc.limit.limit.get_expiry() // 60))
    except AttributeError:
        minutes = 1
    if request.endpoint == "accounts.login":
        return lazy_ngettext("Too many failed sign-in attempts. For your security, wait %(minutes)d minute and try again.", "Too many failed sign-in attempts. For your security, wait %(minutes)d minutes and try again.", minutes, minutes=minutes)
    if request.endpoint == "accounts.register":
        return lazy_ngettext("Too many accounts were created from this connection. Please try again in %(minutes)d minute.", "Too many accounts were created from this connection. Please try again in %(minutes)d minutes.", minutes, minutes=minutes)
    if request.endpoint in RATE_LIMIT_MESSAGES:
        return RATE_LIMIT_MESSAGES[request.endpoint](minutes)
    return ERROR_TEXTS[429][1]


# Messages for rate-limited endpoints of other domains, filled by their
# blueprints: endpoint -> a function of the minutes to wait.
RATE_LIMIT_MESSAGES: dict = {}


def _handle_csrf_error(exc: CSRFError):
    return error_response(400, CSRF_MESSAGE, error_code="csrf")


def _handle_database_busy(exc: OperationalError):
    """A lock not won in time (SQLite's busy timeout, a PostgreSQL deadlock): try again, not a crash."""
    from participation.extensions import db

    db.session.rollback()
    if health.is_unreachable(exc):
        # Said once in the log (core/health.py), not as a traceback on every request.
        health.report(exc)
        return error_response(503, ERROR_TEXTS[500][1], error_code="database_unavailable")
    text = str(getattr(exc, "orig", exc)).lower()
    if "locked" in text or "deadlock" in text or "could not serialize" in text or "lock timeout" in text:
        current_app.logger.warning("database busy on %s %s: %s", request.method, request.path, text)
        response, status = error_response(503, error_code="busy")
        response = current_app.make_response((response, status))
        response.headers["Retry-After"] = "2"
        return response
    raise exc


def _handle_unexpected(exc: Exception):
    current_app.logger.exception("Unhandled error on %s %s", request.method, request.path)
    from participation.extensions import db

    db.session.rollback()
    return error_response(500, error_code="internal")


def _template_helpers():
    locale = str(get_locale())
    return {
        "current_locale": locale,
        "city_name": current_app.config["CITY_NAME"].get(locale, current_app.config["CITY_NAME"]["ko"]),
    }


def current_path() -> str:
    """This page's path and query, for `next` links back to it."""
    return request.full_path.rstrip("?")


def user_or_address() -> str:
    """Rate-limit key: the signed-in person, else the client address."""
    if current_user and getattr(current_user, "is_authenticated", False):
        return f"user:{current_user.id}"
    return f"addr:{request.remote_addr}"


MAX_PAGE = 100_000
MAX_DATABASE_ID = 2**31 - 1


def query_id(name: str) -> int | None:
    """An id from the query string, or None when absent, malformed or beyond any stored id."""
    value = request.args.get(name, type=int)
    return value if value is not None and 0 < value <= MAX_DATABASE_ID else None


def requested_page(name: str = "page") -> int:
    """The `page` query parameter (or another, for a second list on the page), kept between 1
    and what a database offset can hold."""
    return min(max(request.args.get(name, 1, type=int) or 1, 1), MAX_PAGE)


def page_url(page: int, name: str = "page") -> str:
    """The current page's URL with its query string kept and `page` (or the parameter `name`, for
    a second list on the page) replaced."""
    view_args = request.view_args or {}
    # Only ordinary query parameters are carried over: never url_for's own
    # options (_external, _method, ...) nor anything that would replace the route's values.
    query = {k: v for k, v in request.args.items() if not k.startswith("_") and k not in ("endpoint", name) and k not in view_args}
    return url_for(request.endpoint, **view_args, **query, **{name: page})


def _page_language() -> str:
    return str(get_locale() or "ko")


def _marked(name: str):
    """A name shown on the page, inside `<span lang="ko">` when it is Korean on an English page."""
    page = _page_language()
    return in_language(name, detect_language(name, fallback=page), page)


def _localized(obj):
    if obj is None:
        return ""
    return _marked(obj.name_for(_page_language()))


def _full_name(district):
    return _marked(district.full_name_for(_page_language())) if district else ""


def lang_attr(language: str | None):
    """` lang="…"` for an element holding text written in `language`, when it differs from the page's."""
    return lang_attribute(language, _page_language())


def lang_of(text: str | None):
    """` lang="…"` for text with no stored language (a person's name), detected from its letters."""
    page = _page_language()
    return lang_attribute(detect_language(text, fallback=page), page)


def _refuse_nul_characters():
    """No form or query value may carry a NUL character: PostgreSQL cannot store one, and no person types it."""
    for values in (request.args, request.form):
        for _key, value in values.items(multi=True):
            if "\x00" in value:
                return error_response(400, _l("The request contained a character that is not allowed."), error_code="nul_character")
    return None


FORM_MIMETYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
UNSUPPORTED_BODY_MESSAGE = _l("This address takes a form sent from its page. Go back, reload the page and try again.")


def _refuse_bodies_forms_do_not_understand():
    """A form endpoint reads only what a browser's form sends.

    Flask-WTF would otherwise fill forms from a JSON body (an array or a nested
    object then breaks the form); other content types would be read as an empty
    form and acted upon as if the person had sent nothing.
    """
    if request.method not in ("POST", "PUT", "PATCH", "DELETE") or request.path.startswith("/api/"):
        return None  # /api/ is JSON by convention (wants_json): it reads its bodies itself, not through forms
    mimetype = request.mimetype
    if not mimetype and not request.content_length:
        return None  # a button with nothing to send
    if mimetype in FORM_MIMETYPES and (mimetype != "multipart/form-data" or request.mimetype_params.get("boundary")):
        return None
    # Whoever sends JSON reads JSON, whatever its Accept header says.
    return error_response(400, UNSUPPORTED_BODY_MESSAGE, error_code="unsupported_body", as_json=request.is_json or wants_json())


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` in URLs, capped at the largest id either database can hold.

    A larger number is simply a page that does not exist (404), rather than an
    overflow inside the database driver.
    """

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_DATABASE_ID)
        super().__init__(url_map, *args, **kwargs)


def init_url_converters(app: Flask) -> None:
    """Must run before any blueprint adds its routes."""
    app.url_map.converters["int"] = DatabaseIdConverter


def _shown_text(value):
    """Plain text printed by a template loses bidirectional controls, so a title stored before
    the forms removed them cannot reorder the heading or the tab's title either. Markup (rendered
    Markdown, form widgets) is left alone: it is shown isolated, and a textarea keeps what was written."""
    return strip_bidi_controls(value) if type(value) is str else value


def init_app(app: Flask) -> None:
    app.before_request(_refuse_bodies_forms_do_not_understand)
    app.before_request(_refuse_nul_characters)
    app.after_request(_security_headers)
    app.register_error_handler(CSRFError, _handle_csrf_error)
    app.register_error_handler(OperationalError, _handle_database_busy)
    app.register_error_handler(HTTPException, _handle_http_error)
    if not app.config.get("TESTING") or app.config.get("HANDLE_UNEXPECTED_ERRORS"):
        app.register_error_handler(Exception, _handle_unexpected)
    app.context_processor(_template_helpers)
    # Globals rather than context, so that macros imported without context (which
    # Jinja caches) can use them.
    app.jinja_env.globals.update(
        form_error_items=error_items, page_url=page_url, now_utc=now, current_path=current_path, current_user=current_user,
        lang_attr=lang_attr, lang_of=lang_of,
    )
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["excerpt"] = plain_excerpt  # sanitized HTML -> a short line of plain text
    app.jinja_env.filters["datetime"] = format_local_datetime
    app.jinja_env.filters["date"] = format_local_date
    app.jinja_env.filters["localized"] = _localized
    app.jinja_env.filters["full_name"] = _full_name
    app.jinja_env.filters["fromisoformat"] = datetime.fromisoformat
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.finalize = _shown_text
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
