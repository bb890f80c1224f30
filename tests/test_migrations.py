"""Migrations: `flask db upgrade` builds the whole schema on an empty database, and it matches the models."""
from __future__ import annotations

import os
import uuid
from contextlib import contextmanager

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url

from config import normalise_database_url
from participation import create_app
from participation.core.db import include_in_comparison
from participation.extensions import db


@contextmanager
def empty_database(tmp_path):
    """A brand-new database on the engine the suite runs on."""
    base = normalise_database_url(os.environ.get("TEST_DATABASE_URL"))
    if not base:
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    name = f"gongron_migrations_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def fresh_app(tmp_path):
    with empty_database(tmp_path) as url:
        app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
        yield app
        with app.app_context():
            db.engine.dispose()


def test_flask_db_upgrade_on_an_empty_database_matches_the_models(fresh_app):
    result = fresh_app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with fresh_app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True, "include_object": include_in_comparison}
            )
            differences = compare_metadata(context, db.metadata)
            tables = set(inspect(connection).get_table_names())
    assert differences == [], "models and migrations disagree; run `flask db migrate`"
    assert {t.name for t in db.metadata.sorted_tables} <= tables


def test_migrations_downgrade_to_an_empty_database(fresh_app):
    assert fresh_app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    with fresh_app.app_context():
        downgrade(revision="base")
        with db.engine.connect() as connection:
            remaining = set(inspect(connection).get_table_names())
    assert remaining <= {"alembic_version"}


def test_the_full_text_index_exists_after_upgrade(fresh_app):
    """Later migrations that rebuild `ideas` on SQLite must recreate the search triggers; this notices if not."""
    assert fresh_app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    with fresh_app.app_context():
        with db.engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                indexes = connection.exec_driver_sql("SELECT indexname FROM pg_indexes WHERE tablename = 'ideas'").scalars().all()
                assert "ix_ideas_search" in indexes
            else:
                triggers = connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars().all()
                assert {"ideas_search_insert", "ideas_search_delete", "ideas_search_update"} <= set(triggers)


def test_upgrading_a_database_that_holds_data_keeps_it(fresh_app):
    """Later revisions rebuild tables on SQLite; rows, references and the search index must survive."""
    from datetime import UTC, datetime

    from sqlalchemy import text

    runner = fresh_app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "0002"]).exit_code == 0
    at = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [
        ("INSERT INTO departments (id, name_ko, name_en, created_at) VALUES (1, '교통정책과', 'Transport', :at)", {}),
        ("INSERT INTO categories (id, name_ko, name_en, department_id, created_at) VALUES (1, '교통', 'Transport', 1, :at)", {}),
        ("INSERT INTO users (id, email, display_name, password_hash, privacy_consented_at, created_at) "
         "VALUES (1, 'a@example.kr', '주민', 'x', :at, :at)", {}),
        ("INSERT INTO rounds (id, title, description, department_id, submission_opens_at, submission_closes_at, voting_opens_at, "
         "voting_closes_at, selection_rule, publish_delay_hours, voting_requires_verification, scheduled_at, created_at, updated_at) "
         "VALUES (1, '회차', '', 1, :at, :at2, :at2, :at3, 'first_tier', 0, :no, :at, :at, :at)", {}),
        ("INSERT INTO ideas (id, round_id, author_id, title, body, category_id, status, vote_count, comment_count, search_text, "
         "created_at, updated_at) VALUES (1, 1, 1, '공원 벤치', '본문', 1, 'published', 0, 0, '공원 벤치', :at, :at)", {}),
    ]
    with fresh_app.app_context():
        with db.engine.begin() as connection:
            for statement, _ in rows:
                connection.execute(
                    text(statement),
                    {"at": at, "at2": at.replace(month=2), "at3": at.replace(month=3), "no": False},
                )
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with fresh_app.app_context():
        from participation.ideas.search import IdeaFilters, idea_list_statement

        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM ideas").scalar() == 1
            assert connection.exec_driver_sql("SELECT allow_author_votes FROM rounds").scalar() in (True, 1)
        found = db.session.scalars(idea_list_statement(IdeaFilters(q="공원"))).all()
        assert [idea.id for idea in found] == [1]


def test_the_written_language_is_filled_in_for_existing_text(fresh_app):
    """Revision 0012 gives rows written before it the language detected from their text, with
    text that has no letters taking the writer's saved language."""
    from datetime import UTC, datetime

    from sqlalchemy import text

    runner = fresh_app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "0010"]).exit_code == 0
    at = datetime(2026, 1, 1, tzinfo=UTC)
    statements = [
        "INSERT INTO departments (id, name_ko, name_en, created_at) VALUES (1, '교통정책과', 'Transport', :at)",
        "INSERT INTO categories (id, name_ko, name_en, department_id, created_at) VALUES (1, '교통', 'Transport', 1, :at)",
        "INSERT INTO users (id, email, display_name, password_hash, privacy_consented_at, created_at, locale) "
        "VALUES (1, 'a@example.kr', '주민', 'x', :at, :at, 'en')",
        "INSERT INTO users (id, email, display_name, password_hash, privacy_consented_at, created_at) "
        "VALUES (2, 'b@example.kr', '주민2', 'x', :at, :at)",
        "INSERT INTO rounds (id, title, description, department_id, submission_opens_at, submission_closes_at, voting_opens_at, "
        "voting_closes_at, selection_rule, publish_delay_hours, voting_requires_verification, scheduled_at, created_at, updated_at) "
        "VALUES (1, 'Safer streets', 'Ideas for the winter', 1, :at, :at2, :at2, :at3, 'first_tier', 0, :no, :at, :at, :at)",
    ]
    ideas = {1: ("공원 벤치", "본문", 2), 2: ("More buses", "At night, please.", 2), 3: ("2026", "!!!", 1), 4: ("2026", "!!!", 2)}
    with fresh_app.app_context():
        with db.engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement), {"at": at, "at2": at.replace(month=2), "at3": at.replace(month=3), "no": False})
            for idea_id, (title, body, author) in ideas.items():
                connection.execute(text(
                    "INSERT INTO ideas (id, round_id, author_id, title, body, category_id, status, vote_count, comment_count, "
                    "search_text, created_at, updated_at) VALUES (:id, 1, :author, :title, :body, 1, 'published', 0, 0, :search, :at, :at)"
                ), {"id": idea_id, "author": author, "title": title, "body": body, "search": title, "at": at})
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with fresh_app.app_context():
        with db.engine.connect() as connection:
            languages = dict(connection.exec_driver_sql("SELECT id, language FROM ideas ORDER BY id").all())
            assert languages == {1: "ko", 2: "en", 3: "en", 4: "ko"}
            assert connection.exec_driver_sql("SELECT language FROM rounds").scalar() == "en"


def test_revision_0011_moves_the_unread_counts_to_their_own_table_and_back(fresh_app):
    """The header's count leaves the users row (which votes and sign-ins lock) with its value; closes
    and publications made before it count as finished, so no sweep tells anyone again."""
    from datetime import UTC, datetime

    from sqlalchemy import text

    runner = fresh_app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "0010"]).exit_code == 0
    at = datetime(2026, 1, 1, tzinfo=UTC)
    statements = [
        "INSERT INTO departments (id, name_ko, name_en, created_at) VALUES (1, '교통정책과', 'Transport', :at)",
        "INSERT INTO users (id, email, display_name, password_hash, privacy_consented_at, created_at, unread_notifications) "
        "VALUES (1, 'a@example.kr', '주민', 'x', :at, :at, 3), (2, 'b@example.kr', '주민2', 'x', :at, :at, 0)",
        "INSERT INTO rounds (id, title, description, department_id, submission_opens_at, submission_closes_at, voting_opens_at, "
        "voting_closes_at, selection_rule, publish_delay_hours, voting_requires_verification, allow_author_votes, scheduled_at, "
        "closed_at, published_at, created_at, updated_at) "
        "VALUES (1, '회차', '', 1, :at, :at2, :at2, :at3, 'first_tier', 0, :no, :no, :at, :at3, :at3, :at, :at)",
        "INSERT INTO round_outcomes (id, round_id, closed_at, computed_at, participants, votes, ideas, selected, by_category, "
        "by_district, repaired_counters) VALUES (1, 1, :at, :at, 0, 0, 4, 0, '[]', '[]', 0)",
    ]
    with fresh_app.app_context():
        with db.engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement), {"at": at, "at2": at.replace(month=2), "at3": at.replace(month=3), "no": False})
    result = runner.invoke(args=["db", "upgrade", "0011"])
    assert result.exit_code == 0, result.output
    with fresh_app.app_context():
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT user_id, unread FROM unread_counts").all() == [(1, 3)]
            assert "unread_notifications" not in {c["name"] for c in inspect(connection).get_columns("users")}
            done = connection.exec_driver_sql("SELECT results_written, closing_done_at, publication_done_at FROM round_outcomes").one()
            assert done[0] == 4 and done[1] is not None and done[2] is not None
        # The models describe the newest schema, so read through them at the head revision.
        assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
        from participation.accounts.models import User

        assert [u.unread_notifications for u in db.session.scalars(db.select(User).order_by(User.id))] == [3, 0]
        db.session.remove()
        downgrade(directory="migrations", revision="0010")
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT id, unread_notifications FROM users ORDER BY id").all() == [(1, 3), (2, 0)]
