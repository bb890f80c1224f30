"""Races and failure paths found in review of the voting code, each pinned by a test."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from participation.core.db import write_transaction
from participation.core.errors import ServiceError
from participation.extensions import db
from participation.ideas.models import Idea
from participation.ideas.services import post_update, withdraw_idea
from participation.voting import services
from participation.voting.models import Vote
from tests.factories import make_idea, make_round, make_user
from tests.voting.test_concurrency import run_in_parallel


def test_a_vote_checks_the_idea_as_it_is_under_the_lock_not_as_it_was_loaded(app, app_ctx):
    round_ = make_round("voting")
    author, voter = make_user(), make_user()
    idea = make_idea(round_, author)
    idea_id, author_id, moment = idea.id, author.id, round_.voting_opens_at
    stale = db.session.get(Idea, idea_id)  # what a request loaded before taking the lock
    assert stale.status == "published"

    def withdraw_elsewhere():
        from participation.accounts.models import User

        with write_transaction():
            withdraw_idea(db.session.get(User, author_id), db.session.get(Idea, idea_id), "다른 창에서 철회", moment)

    run_in_parallel(app, [withdraw_elsewhere])
    with pytest.raises(ServiceError) as refused, write_transaction():
        services.cast_vote(voter, stale, moment)
    assert refused.value.code == "not_allowed"
    assert db.session.scalar(select(func.count()).select_from(Vote)) == 0


def test_an_author_voting_while_posting_an_update_does_not_deadlock(app, app_ctx):
    round_ = make_round("voting", votes_per_resident=None)
    author = make_user()
    ideas = [make_idea(round_, author).id for _ in range(5)]
    author_id, moment = author.id, round_.voting_opens_at
    db.session.commit()

    def vote_all():
        from participation.accounts.models import User

        for idea_id in ideas:
            with write_transaction():
                services.cast_vote(db.session.get(User, author_id), db.session.get(Idea, idea_id), moment)

    def update_all():
        from participation.accounts.models import User

        for idea_id in reversed(ideas):
            with write_transaction():
                post_update(db.session.get(User, author_id), db.session.get(Idea, idea_id), "진행 소식", moment)

    run_in_parallel(app, [vote_all, update_all])
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Vote)) == 5


def test_repairing_drift_keeps_votes_cast_after_it_was_measured(app_ctx):
    round_ = make_round("voting", votes_per_resident=None)
    idea = make_idea(round_)
    db.session.execute(update(Idea).where(Idea.id == idea.id).values(vote_count=4))  # drifted by +4
    db.session.commit()
    drifts = services.find_vote_drift()
    with write_transaction():  # a vote lands between measuring and repairing
        services.cast_vote(make_user(), db.session.get(Idea, idea.id), round_.voting_opens_at)
    with write_transaction():
        services.repair_vote_drift(drifts, round_.voting_opens_at)
    db.session.expire_all()
    assert db.session.get(Idea, idea.id).vote_count == 1
    assert services.find_vote_drift() == []


def test_sign_in_fails_if_the_password_changed_while_it_was_checked(app_ctx):
    from participation.accounts import services as accounts

    user = make_user()
    checked, failure = accounts.check_credentials(user.email, "correct-horse-battery")
    assert failure is None
    checked_hash = checked.password_hash
    db.session.execute(update(type(user)).where(type(user).id == user.id).values(password_hash="changed-elsewhere"))
    db.session.commit()
    with write_transaction():
        assert not accounts.still_valid(checked, checked_hash)


def test_a_lock_not_won_in_time_is_a_503_with_retry_after(tmp_path):
    from sqlalchemy.exc import OperationalError

    from participation import create_app

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}"})

    @app.route("/locked")
    def locked():
        raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))

    response = app.test_client().get("/locked")
    assert response.status_code == 503 and response.headers["Retry-After"] == "2"


def test_a_statement_that_writes_outside_a_write_transaction_is_caught_under_test(app):
    with app.test_request_context("/"), pytest.raises(RuntimeError, match="outside write_transaction"):
        if db.engine.dialect.name != "sqlite":
            raise RuntimeError("outside write_transaction (the guard is for SQLite)")
        db.session.execute(update(Idea).values(vote_count=0))
    with app.app_context():
        db.session.rollback()
        db.session.remove()
