"""Configuration classes. Development is the default; production reads everything secret from the environment."""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def normalise_database_url(url: str | None) -> str | None:
    """Accept the usual `postgres://` / `postgresql://` spellings and use psycopg 3."""
    if not url:
        return url
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_floats(name: str, default: tuple[float, ...]) -> tuple[float, ...]:
    """A comma-separated list of numbers from the environment ("35.05,126.64,35.26,127.02")."""
    value = os.environ.get(name)
    if not value:
        return default
    numbers = tuple(float(part) for part in value.split(","))
    if len(numbers) != len(default):
        raise ValueError(f"{name} needs {len(default)} comma-separated numbers")
    return numbers


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'gongron.sqlite3'}")
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}

    # Korean first, English second; every date is shown in the city's time zone.
    BABEL_DEFAULT_LOCALE = "ko"
    BABEL_DEFAULT_TIMEZONE = "Asia/Seoul"
    LANGUAGES = ("ko", "en")
    CITY_NAME = {"ko": "한빛시", "en": "Hanbit City"}
    # The city's civil-request phone line, named in notices that give a department's contact
    # (departments keep no contact details of their own). 062-120: Gwangju's call centre.
    CITY_PHONE = os.environ.get("CITY_PHONE", "062-120")

    # The map on request forms (static/vendor/leaflet). Tiles come from MAP_TILE_URL, whose host is
    # then the only other host the CSP lets images load from; empty turns tiles off (the pin and the
    # coordinate inputs still work). The default box is Gwangju (광주광역시): a pin outside
    # CITY_BOUNDS (south, west, north, east, WGS 84) is told it is outside the city, and a request
    # filed there is refused. CITY_BOUNDS="s,w,n,e" and MAP_CENTER="lat,lon" set them for your city.
    MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
    MAP_ATTRIBUTION = os.environ.get(
        "MAP_ATTRIBUTION", '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
    )
    CITY_BOUNDS = _env_floats("CITY_BOUNDS", (35.05, 126.64, 35.26, 127.02))
    MAP_CENTER = _env_floats("MAP_CENTER", (35.1595, 126.8526))  # Gwangju City Hall

    # Sessions and cookies: HttpOnly and SameSite=Lax everywhere, Secure in production.
    SESSION_COOKIE_NAME = "gongron_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    REMEMBER_COOKIE_NAME = "gongron_remember"
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = 8 * 3600

    # Request bodies: up to 3 photos of 5 MB plus the form; anything larger is a 413 page.
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", str(INSTANCE_DIR / "uploads"))

    # Rate limits. In-memory in development (one process); Redis when REDIS_URL is set, so that
    # every gunicorn worker and every app node shares the counters. Production requires it.
    REDIS_URL = os.environ.get("REDIS_URL")
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    # Several sites (or a test) may share one Redis; each counts under its own prefix.
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "gongron")
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_ENABLED = True
    LOGIN_LIMIT_PER_IP = "20 per 5 minutes"
    LOGIN_LIMIT_PER_ACCOUNT = "5 per 15 minutes"
    # A browser that has signed in to the account before counts here instead (accounts/devices.py).
    LOGIN_LIMIT_PER_DEVICE = "5 per 15 minutes"
    DEVICE_COOKIE_DAYS = 365
    REGISTER_LIMIT_PER_IP = "10 per hour"
    # Submitting and editing ideas (each may carry three photos to decode).
    IDEA_POST_LIMIT = "30 per hour"
    # Downloads stream every row of a list (a million-row Excel file keeps a worker busy for a minute).
    EXPORT_LIMIT = "30 per 10 minutes"
    # The open data API: per address without a key, per key with one (a client app serves many people).
    API_RATE_LIMIT = "120 per minute; 2000 per hour"
    API_KEY_RATE_LIMIT = "1200 per minute; 20000 per hour"
    COMMENT_LIMIT_PER_ACCOUNT = "6 per minute; 60 per hour"
    COMMENT_LIMIT_PER_IP = "30 per minute; 300 per hour"
    FLAG_LIMIT_PER_ACCOUNT = "20 per hour"
    # Several people may share one connection (a library, an office), so this is wider than one account's budget.
    FLAG_LIMIT_PER_IP = "60 per hour"
    # Voting on comments is quick and undoable; the limit only stops scripts.
    COMMENT_VOTE_LIMIT_PER_ACCOUNT = "60 per minute"

    # Mail. The scheduler delivers the notifications outbox: over SMTP ("smtp"), or as .eml
    # files under MAIL_OUTBOX_DIR ("file", the development default, listed on an admin page).
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")
    MAIL_OUTBOX_DIR = os.environ.get("MAIL_OUTBOX_DIR", str(INSTANCE_DIR / "outbox"))
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "10"))
    # Links in emails start with this (the site as residents reach it). Required in
    # production; elsewhere, unset, it follows the running server (core/origin.py).
    PUBLIC_URL = os.environ.get("PUBLIC_URL") or None
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "no-reply@gongron.local")

    # Text messages (notifications/sms.py): "file" writes each one under SMS_FILE_DIR (the
    # development default, named on the admin outbox page), "log" logs it, and
    # "package.module:factory" plugs in a city's gateway (factory(config) -> a sender).
    SMS_BACKEND = os.environ.get("SMS_BACKEND", "log")
    SMS_FILE_DIR = os.environ.get("SMS_FILE_DIR", str(INSTANCE_DIR / "sms"))

    # Public list pages are kept this many seconds for visitors who are not signed in (0: off).
    PAGE_CACHE_SECONDS = float(os.environ.get("PAGE_CACHE_SECONDS", "2"))

    # The scheduler runs as its own process (`flask scheduler run`). `make run` sets this
    # so that the development server also runs it, in a background thread.
    SCHEDULER_IN_PROCESS = _env_bool("SCHEDULER_IN_PROCESS")

    # Demo data may only be loaded where this is true.
    DEMO_ALLOWED = True
    STRICT_TRANSPORT_SECURITY = False


class DevelopmentConfig(Config):
    DEBUG = True
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "file")
    SMS_BACKEND = os.environ.get("SMS_BACKEND", "file")


class TestingConfig(Config):
    TESTING = True
    PAGE_CACHE_SECONDS = 0  # tests that want it turn it on
    SECRET_KEY = "testing-secret"
    # The suite uses a SQLite file (set by tests/conftest.py) or TEST_DATABASE_URL.
    SQLALCHEMY_DATABASE_URI = normalise_database_url(os.environ.get("TEST_DATABASE_URL")) or "sqlite://"
    # Argon2 at its production cost would dominate the suite; tests use the
    # same algorithm with a small work factor.
    PASSWORD_HASH_FAST = True
    RATELIMIT_STORAGE_URI = "memory://"
    SCHEDULER_IN_PROCESS = False  # tests run sweeps themselves, with the `now` they choose
    MAIL_BACKEND = "file"  # tests that deliver over SMTP start their own server and say so
    SMS_BACKEND = "file"
    MAP_TILE_URL = ""  # no tile requests leave a test run; tests that check the CSP set one


class ProductionConfig(Config):
    DEMO_ALLOWED = False
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    STRICT_TRANSPORT_SECURITY = True

    @classmethod
    def from_environment(cls) -> dict:
        """Read secrets at start-up and refuse to start without them."""
        # PUBLIC_URL: every link in an email (unsubscribe included) starts with it.
        # REDIS_URL: in memory, each gunicorn worker would keep its own sign-in counters, and
        # `-w 4` would allow four times the failed sign-ins the limits promise.
        missing = [name for name in ("SECRET_KEY", "DATABASE_URL", "PUBLIC_URL", "REDIS_URL") if not os.environ.get(name)]
        if missing:
            raise RuntimeError(
                "Production configuration needs these environment variables: " + ", ".join(missing)
                + (
                    ". REDIS_URL (redis://host:6379/0) holds the rate-limit counters that every worker and node shares."
                    if "REDIS_URL" in missing
                    else ""
                )
            )
        if len(os.environ["SECRET_KEY"]) < 32:
            raise RuntimeError("SECRET_KEY must be at least 32 characters in production.")
        redis_url = os.environ["REDIS_URL"]
        if not redis_url.startswith(("redis://", "rediss://", "redis+unix://", "redis+sentinel://", "redis+cluster://")):
            raise RuntimeError(f"REDIS_URL must be a redis:// (or rediss://) address, not {redis_url.split(':', 1)[0]}:…")
        return {
            "SECRET_KEY": os.environ["SECRET_KEY"],
            "PUBLIC_URL": os.environ["PUBLIC_URL"],
            "SQLALCHEMY_DATABASE_URI": normalise_database_url(os.environ["DATABASE_URL"]),
            "REDIS_URL": redis_url,
            "RATELIMIT_STORAGE_URI": redis_url,
        }


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
