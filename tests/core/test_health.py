"""Health checks answer briefly, and an unreachable database is said once, plainly, in the log."""
from __future__ import annotations

import logging
import socket

import pytest

from participation import create_app


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _unreachable_urls(tmp_path):
    return {
        "postgresql": f"postgresql+psycopg://gongron:hunter2-secret@127.0.0.1:{_closed_port()}/gongron",
        "sqlite": f"sqlite:///{tmp_path / 'no-such-directory' / 'gongron.sqlite3'}",
    }


def test_a_reachable_database_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize("engine", ["postgresql", "sqlite"])
def test_an_unreachable_database_answers_503_and_is_logged_once_without_the_password(engine, tmp_path, caplog):
    url = _unreachable_urls(tmp_path)[engine]
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    client = app.test_client()
    with caplog.at_level(logging.INFO):
        answers = [client.get("/healthz") for _ in range(3)]
    for response in answers:
        assert response.status_code == 503
        assert response.mimetype == "application/json"
        assert response.get_json() == {"status": "unavailable", "database": "unreachable"}
    said = [record for record in caplog.records if "database unreachable" in record.getMessage()]
    assert len(said) == 1, [r.getMessage() for r in caplog.records]
    assert said[0].exc_info is None  # a sentence, not a traceback
    assert not [r for r in caplog.records if r.exc_info]
    assert "hunter2-secret" not in caplog.text
    if engine == "sqlite":
        assert "directory that does not exist" in said[0].getMessage()
        assert str(tmp_path / "no-such-directory") in said[0].getMessage()
    else:
        assert f"127.0.0.1:{url.rsplit(':', 1)[1].split('/')[0]}" in said[0].getMessage()
        assert "cannot connect" in said[0].getMessage()


def test_pages_answer_503_rather_than_500_while_the_database_is_unreachable(tmp_path, caplog):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": _unreachable_urls(tmp_path)["sqlite"]})
    client = app.test_client()
    with caplog.at_level(logging.INFO):
        responses = [client.get("/rounds") for _ in range(2)]
    assert [r.status_code for r in responses] == [503, 503]
    assert len([r for r in caplog.records if "database unreachable" in r.getMessage()]) == 1


def test_the_log_says_when_the_database_is_back(tmp_path, caplog):
    folder = tmp_path / "later"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'gongron.sqlite3'}"})
    client = app.test_client()
    with caplog.at_level(logging.INFO):
        assert client.get("/healthz").status_code == 503
        folder.mkdir()
        assert client.get("/healthz").status_code == 200
        assert client.get("/healthz").status_code == 200
    messages = [r.getMessage() for r in caplog.records]
    assert messages.count("database reachable again") == 1
