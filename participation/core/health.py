"""Whether the database can be reached, and, when it cannot, one plain line in the log saying why.

A server whose DATABASE_URL is wrong (a closed port, a SQLite file in a
directory that does not exist) would otherwise log the same traceback on every
request. Each process says what is wrong once, without the password, and says
again only when the problem changes or has gone away.
"""
from __future__ import annotations

import threading
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

_REPORTED = "gongron.database_problem"
_lock = threading.Lock()


def is_unreachable(exc: BaseException) -> bool:
    """An error while opening a connection (no statement ran), not one of a statement."""
    return isinstance(exc, DBAPIError) and (exc.statement is None or bool(exc.connection_invalidated))


def describe(url, exc: BaseException) -> str:
    """What is wrong with the database URL, in a sentence an operator can act on."""
    url = make_url(str(url)) if not hasattr(url, "render_as_string") else url
    shown = url.render_as_string(hide_password=True)
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    reason = " ".join(line.strip() for line in reason[:2]) or type(exc).__name__
    if url.password:
        reason = reason.replace(str(url.password), "***")
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        path = Path(url.database).resolve()
        if not path.parent.is_dir():
            return (f"DATABASE_URL ({shown}) names a SQLite file in a directory that does not exist: "
                    f"{path.parent}; create it or correct the path")
        return f"DATABASE_URL ({shown}): the SQLite file {path} cannot be opened: {reason}"
    return f"DATABASE_URL ({shown}): cannot connect to the database: {reason}"


def report(exc: BaseException, app: Flask | None = None) -> str:
    """Log the problem once per process (again only if it changes); return the sentence."""
    app = app or current_app._get_current_object()
    from participation.extensions import db

    message = describe(db.engine.url, exc)
    with _lock:
        if app.extensions.get(_REPORTED) == message:
            return message
        app.extensions[_REPORTED] = message
    app.logger.error("database unreachable: %s", message)
    return message


def recovered(app: Flask | None = None) -> None:
    app = app or current_app._get_current_object()
    with _lock:
        if app.extensions.pop(_REPORTED, None) is None:
            return
    app.logger.warning("database reachable again")


def check() -> str | None:
    """None when the database answers; otherwise what is wrong with it."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from participation.extensions import db

    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        db.session.rollback()
        return report(exc)
    recovered()
    return None
