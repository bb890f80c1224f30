"""A suspension stops a person from taking part anywhere, not only in discussions, until it ends."""
from __future__ import annotations

from datetime import timedelta

import pytest

from participation.core.errors import ServiceError
from participation.core.time import now
from participation.extensions import db
from participation.ideas import permissions as idea_permissions
from participation.voting import services as voting_services
from participation.voting.models import Vote
from tests.factories import make_idea, make_round, make_user


def _suspend(user, days=7):
    user.suspended_until = now() + timedelta(days=days)
    db.session.commit()


def test_a_suspended_resident_cannot_vote_until_the_suspension_ends(app_ctx):
    round_ = make_round("voting")
    idea = make_idea(round_)
    voter = make_user()
    _suspend(voter)
    moment = now()
    with pytest.raises(ServiceError) as refused:
        voting_services.cast_vote(voter, idea, moment)
    assert "정지" in str(refused.value.message)  # "suspended until ..."
    db.session.rollback()
    assert db.session.query(Vote).count() == 0
    later = voter.suspended_until + timedelta(seconds=1)
    if later < round_.voting_closes_at:
        voting_services.cast_vote(voter, idea, later)
        db.session.commit()
        assert db.session.query(Vote).count() == 1


def test_a_suspended_resident_cannot_submit_ideas(resident_client):
    round_ = make_round("submission")
    _suspend(resident_client.user)
    assert not idea_permissions.can_submit(resident_client.user, round_, now())
    assert idea_permissions.can_submit(resident_client.user, round_, resident_client.user.suspended_until + timedelta(seconds=1))
    response = resident_client.get(f"/rounds/{round_.id}/ideas/new")
    assert response.status_code == 403
