"""Configuration: safe defaults for development, refusal without secrets in production."""
from __future__ import annotations

import os

import pytest

from config import DevelopmentConfig, ProductionConfig, normalise_database_url
from participation import create_app


def test_development_uses_a_sqlite_file_under_instance():
    assert DevelopmentConfig.SQLALCHEMY_DATABASE_URI.startswith("sqlite:///") or os.environ.get("DATABASE_URL")
    if not os.environ.get("DATABASE_URL"):
        assert "/instance/" in DevelopmentConfig.SQLALCHEMY_DATABASE_URI


def _production_environment(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db/gongron")
    monkeypatch.setenv("PUBLIC_URL", "https://participate.city.go.kr")
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/0")


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "PUBLIC_URL", "REDIS_URL"])
def test_production_refuses_to_start_without_secrets(monkeypatch, missing):
    _production_environment(monkeypatch)
    monkeypatch.delenv(missing)
    with pytest.raises(RuntimeError, match=missing):
        create_app(ProductionConfig)


def test_production_without_redis_says_why_it_is_needed(monkeypatch):
    """In memory, each gunicorn worker kept its own sign-in counters: `-w 4` allowed 11 failures before a 429."""
    _production_environment(monkeypatch)
    monkeypatch.delenv("REDIS_URL")
    with pytest.raises(RuntimeError, match="REDIS_URL .* rate-limit counters that every worker and node shares"):
        create_app(ProductionConfig)


def test_production_refuses_rate_limits_kept_elsewhere_than_redis(monkeypatch):
    _production_environment(monkeypatch)
    monkeypatch.setenv("REDIS_URL", "memory://")
    with pytest.raises(RuntimeError, match="REDIS_URL must be a redis://"):
        create_app(ProductionConfig)


def test_production_refuses_a_short_secret_key(monkeypatch):
    _production_environment(monkeypatch)
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(RuntimeError, match="32 characters"):
        create_app(ProductionConfig)


def test_production_reads_database_and_redis_from_the_environment(monkeypatch):
    _production_environment(monkeypatch)
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db/gongron")
    app = create_app(ProductionConfig)
    assert app.config["PUBLIC_URL"] == "https://participate.city.go.kr"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/gongron"
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/0"
    assert app.config["SECRET_KEY"] == "s" * 40
    assert not app.config["DEMO_ALLOWED"]


def test_database_urls_are_normalised_to_psycopg3():
    assert normalise_database_url("postgresql://a@b/c") == "postgresql+psycopg://a@b/c"
    assert normalise_database_url("postgres://a@b/c") == "postgresql+psycopg://a@b/c"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"
    assert normalise_database_url(None) is None


def test_login_limits_are_shared_through_redis_when_configured(tmp_path):
    """Two app nodes with one Redis share the per-account counter."""
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("GONGRON_REQUIRE_REDIS"):
            raise
        pytest.skip(f"Redis is not reachable at {url}")
    redis.Redis.from_url(url).flushdb()
    from flask_migrate import upgrade

    from tests.conftest import Client

    overrides = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'shared.sqlite3'}",
        "RATELIMIT_STORAGE_URI": url,
        "LOGIN_LIMIT_PER_ACCOUNT": "2 per 15 minutes",
    }
    node_a = create_app("testing", overrides)
    node_b = create_app("testing", overrides)
    with node_a.app_context():
        upgrade()
    node_a.test_client_class = node_b.test_client_class = Client
    try:
        for node in (node_a, node_b):
            client = node.test_client()
            assert client.post_form("/login", {"email": "x@example.kr", "password": "wrong-password"}).status_code == 422
        third = node_a.test_client().post_form("/login", {"email": "x@example.kr", "password": "wrong-password"})
        assert third.status_code == 429
    finally:
        redis.Redis.from_url(url).flushdb()
