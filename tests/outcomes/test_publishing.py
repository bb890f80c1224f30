"""Publishing an outcome: on schedule (deadline + delay), once, or early by an admin once every selected idea is answered."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from participation.core.audit import AuditEvent
from participation.core.db import write_transaction
from participation.core.errors import ServiceError
from participation.extensions import db
from participation.outcomes import services
from participation.responses import services as responses
from participation.responses.services import ResponseData
from participation.rounds.models import Round
from tests.factories import make_user
from tests.outcomes.helpers import after, close, voting_round


def answer_all(round_, ideas, at):
    admin = make_user(roles={"admin"})
    for idea in ideas:
        if responses.due_for(idea) is not None:
            with write_transaction():
                responses.answer(admin, idea, ResponseData("accepted", "추진하겠습니다."), at)


def test_the_outcome_publishes_at_the_deadline_plus_the_delay_and_only_once(app_ctx):
    round_, _ideas, _ = voting_round(publish_delay_hours=48)
    services.close_due_rounds(after(round_))
    assert services.publish_due_outcomes(after(round_, hours=47)) == 0
    assert db.session.get(Round, round_.id).published_at is None
    assert services.publish_due_outcomes(after(round_, hours=49)) == 1
    assert services.publish_due_outcomes(after(round_, hours=50)) == 0
    db.session.expire_all()
    published = db.session.get(Round, round_.id).published_at
    assert published == round_.voting_closes_at + timedelta(hours=48)  # the scheduled time, however late the run
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "round.published")) == 1


def test_a_round_never_publishes_before_it_closes(app_ctx):
    round_, _ideas, _ = voting_round()
    # The sweep that publishes runs before any close (out of order, as after a crash): nothing happens.
    assert services.publish_due_outcomes(after(round_, days=1)) == 0
    assert services.close_due_rounds(after(round_, days=1)) == 1
    assert services.publish_due_outcomes(after(round_, days=1)) == 1


def test_an_admin_may_publish_early_only_once_every_selected_idea_is_answered(app_ctx):
    round_, ideas, _ = voting_round(votes=(6, 4, 1), publish_delay_hours=72)
    close(round_)
    admin = make_user(roles={"admin"})
    with pytest.raises(ServiceError) as refused:
        with write_transaction():
            services.publish_early(admin, db.session.get(Round, round_.id), after(round_, hours=1))
    assert refused.value.code == "answers_missing"
    assert db.session.get(Round, round_.id).published_at is None
    answer_all(round_, ideas, after(round_, hours=2))
    with write_transaction():
        services.publish_early(admin, db.session.get(Round, round_.id), after(round_, hours=3))
    assert db.session.get(Round, round_.id).published_at == after(round_, hours=3)
    with pytest.raises(ServiceError) as again:
        with write_transaction():
            services.publish_early(admin, db.session.get(Round, round_.id), after(round_, hours=4))
    assert again.value.code == "already_published"
    assert services.publish_due_outcomes(after(round_, hours=80)) == 0


def test_an_open_round_cannot_be_published_early(app_ctx):
    round_, _ideas, _ = voting_round()
    with pytest.raises(ServiceError) as refused:
        with write_transaction():
            services.publish_early(make_user(roles={"admin"}), round_, round_.voting_closes_at - timedelta(hours=1))
    assert refused.value.code == "not_closed"


def test_deadlines_for_exact_triggers(app_ctx):
    round_, _ideas, _ = voting_round(publish_delay_hours=1)
    before = round_.voting_closes_at - timedelta(minutes=5)
    assert services.upcoming_deadlines(before, timedelta(minutes=10)) == [round_.voting_closes_at]
    assert services.upcoming_deadlines(before, timedelta(hours=2)) == [round_.voting_closes_at, round_.voting_closes_at + timedelta(hours=1)]
    services.close_due_rounds(after(round_))
    assert services.upcoming_deadlines(after(round_), timedelta(hours=2)) == [round_.voting_closes_at + timedelta(hours=1)]
