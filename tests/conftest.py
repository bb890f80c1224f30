"""Test fixtures: one migrated database per run, cleaned after every test.

The suite runs on a SQLite file by default and on PostgreSQL when
TEST_DATABASE_URL is set. The schema comes from the Alembic migrations, so
every run also exercises them. Tests run with CSRF protection on; the client
below fetches a real token from a page, as a browser would.
"""
from __future__ import annotations

import contextvars
import os
import re
import shutil
from pathlib import Path

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, delete
from sqlalchemy.engine import make_url

from config import normalise_database_url
from participation import create_app
from participation.core.i18n import compile_stale_catalogs
from participation.extensions import db, limiter
from participation.ideas.search import forget_counts
from tests.factories import PASSWORD

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def _xdist_worker() -> str | None:
    """"gw0", "gw1"… under pytest-xdist (`make test` runs the suite on two workers), None otherwise."""
    return os.environ.get("PYTEST_XDIST_WORKER")


def _database_url(tmp_path_factory) -> str:
    url = normalise_database_url(os.environ.get("TEST_DATABASE_URL"))
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"  # one file per worker already
    worker = _xdist_worker()
    if worker is None:
        return url
    # Each worker empties and migrates a database of its own: TEST_DATABASE_URL's, suffixed.
    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).first()
            if not exists:
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def pytest_configure(config):
    # Tests that use Redis flush their database: each xdist worker gets one of its own (15, 14, …).
    worker = _xdist_worker()
    if worker is not None:
        server = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15").rsplit("/", 1)[0]
        os.environ["TEST_REDIS_URL"] = f"{server}/{15 - int(worker.removeprefix('gw'))}"


class Client(FlaskClient):
    """A test client that sends a CSRF token with every form, like a browser would.

    Each request runs in a context of its own, as in a real server: it gets its
    own `g` and its own database session even when the test holds an app
    context open. Around each request the test's session is committed, so the
    request sees what the test made and the test then reads what the request
    stored.
    """

    def open(self, *args, **kwargs):
        outer = has_app_context()
        if outer:
            db.session.commit()
        # Buffered: a streamed body (core.exports) is read in the request's own context, as a server would.
        kwargs.setdefault("buffered", True)
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if outer:
            db.session.commit()
        return response

    def use_english(self) -> None:
        with self.session_transaction() as session:
            session["lang"] = "en"

    def csrf_token(self, path: str = "/") -> str:
        response = self.get(path)
        match = CSRF_RE.search(response.get_data(as_text=True))
        assert match, f"no CSRF token on {path}"
        return match.group(1) or match.group(2)

    def post_form(self, url: str, data: dict | None = None, *, token_from: str = "/", **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token(token_from))
        return self.post(url, data=data, **kwargs)

    def login(self, email: str, password: str = PASSWORD, **extra):
        response = self.post_form("/login", {"email": email, "password": password, **extra})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return response

    def logout(self):
        return self.post_form("/logout")


def reset_schema(app) -> None:
    """Drop everything and build the schema from the migrations."""
    from flask_migrate import upgrade

    with app.app_context():
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # The test database only: start from nothing, extra indexes and all.
                connection.exec_driver_sql("DROP SCHEMA public CASCADE")
                connection.exec_driver_sql("CREATE SCHEMA public")
        db.drop_all()  # SQLite runs on a fresh file; this is a no-op there
        upgrade()


PARALLEL_CONNECTIONS = 60  # PostgreSQL's default max_connections is 100


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    # `make test` compiles the catalogs; running pytest directly must not test stale ones.
    compile_stale_catalogs(Path(__file__).resolve().parents[1] / "participation" / "translations")
    app = create_app(
        "testing",
        {"SQLALCHEMY_DATABASE_URI": _database_url(tmp_path_factory), "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("uploads")),
         "MAIL_OUTBOX_DIR": str(tmp_path_factory.mktemp("outbox")), "SMS_FILE_DIR": str(tmp_path_factory.mktemp("sms")),
         # Room for the concurrency tests' threads (up to PARALLEL_CONNECTIONS at once, each on its own
         # connection): with the default 5 + 10, threads beyond 15 queue for a connection, and on a
         # loaded machine one can wait out the pool's 30 s timeout before any lock is even asked for.
         "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "pool_size": 5, "max_overflow": PARALLEL_CONNECTIONS}},
    )
    app.test_client_class = Client
    reset_schema(app)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(request):
    """Every test starts from an empty database and fresh rate-limit counters.

    Flask-Limiter keeps its storage on the extension object, not per app, so a
    test that builds another app (production settings, a second node) would
    swap the storage under the suite's app; it is put back after every test.
    """
    limiter_state = vars(limiter).copy()
    yield
    vars(limiter).update(limiter_state)
    if "app" not in request.fixturenames:
        return
    empty_database(request.getfixturevalue("app"))


def empty_database(app) -> None:
    """Delete every row, reset the rate-limit counters, forget cached counts and uploaded files.
    (A module that builds its world once, in a module-scoped fixture, calls this when it is done.)"""
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(delete(table))
        limiter.reset()
    forget_counts()
    uploads = Path(app.config["UPLOAD_FOLDER"])
    if uploads.exists():
        shutil.rmtree(uploads)


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app) -> Client:
    return app.test_client()


@pytest.fixture
def make_client(app):
    """More clients, each with its own cookies (another browser or device)."""
    return app.test_client


@pytest.fixture
def admin_client(client, app_ctx):
    """The client, signed in as an administrator, reading English."""
    from tests.factories import make_user

    admin = make_user(roles={"admin"})
    client.login(admin.email)
    client.use_english()
    client.user = admin
    return client


@pytest.fixture
def resident_client(client, app_ctx):
    """The client, signed in as a resident (available as client.user), reading English."""
    from tests.factories import make_user

    user = make_user(display_name="주민제안자")
    client.login(user.email)
    client.use_english()
    client.user = user
    return client


@pytest.fixture
def count_queries(app):
    """`with count_queries() as statements:` lists the SQL statements run inside the block."""
    from contextlib import contextmanager

    from sqlalchemy import event

    @contextmanager
    def counting():
        statements: list[str] = []

        def record(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
                statements.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", record)

    return counting


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
