"""Closing a campaign and publishing its scorecard in short transactions: the members are told in
chunks after the claim, and a crash between two chunks is finished by the next sweep, telling
nobody twice."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from participation.core import batches
from participation.core.audit import AuditEvent
from participation.core.time import now
from participation.extensions import db
from participation.notifications import services as notes
from participation.notifications.models import Notification
from participation.panels import services
from participation.panels.models import Campaign, Scorecard
from tests.notifications.helpers import unread_counter, unread_rows
from tests.panels.test_scorecard import after_close, scored_campaign


@pytest.fixture
def setting(app_ctx):
    return scored_campaign(now() - timedelta(days=40))


def crash_at(monkeypatch, step: str, nth: int) -> None:
    seen = {"n": 0}

    def between(where):
        if where == step:
            seen["n"] += 1
            if seen["n"] == nth:
                raise RuntimeError("power cut")

    monkeypatch.setattr(batches, "between_batches", between)


def told_of(event: str) -> list[int]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification.user_id).where(Notification.event == event).order_by(Notification.user_id)))


def audits(action: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def test_a_campaign_close_and_publication_that_crash_between_chunks_are_finished_once(setting, monkeypatch):
    campaign = setting.campaign
    members = sorted(services.member_ids(campaign.panel_id))
    assert len(members) >= 3
    monkeypatch.setattr(notes, "SWEEP_CHUNK", 2)

    crash_at(monkeypatch, "notify", 1)
    assert services.close_due_campaigns(after_close(campaign)) == 0
    card = db.session.scalar(select(Scorecard).where(Scorecard.campaign_id == campaign.id))
    assert card is not None and card.closing_done_at is None
    assert db.session.get(Campaign, campaign.id).closed_at == campaign.closes_at
    assert told_of("campaign_closed") == members[:2]
    # Not published while its close is unfinished, however late.
    assert services.publish_due_scorecards(campaign.publishes_at + timedelta(days=1)) == 0
    assert db.session.get(Campaign, campaign.id).published_at is None

    monkeypatch.setattr(batches, "between_batches", lambda where: None)
    assert services.close_due_campaigns(after_close(campaign, minutes=1)) == 1
    assert told_of("campaign_closed") == members
    assert audits("campaign.closed") == 1

    crash_at(monkeypatch, "notify", 1)
    assert services.publish_due_scorecards(campaign.publishes_at + timedelta(days=1)) == 0
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).published_at == campaign.publishes_at
    assert told_of("scorecard_published") == members[:2]

    monkeypatch.setattr(batches, "between_batches", lambda where: None)
    assert services.publish_due_scorecards(campaign.publishes_at + timedelta(days=2)) == 1
    assert services.publish_due_scorecards(campaign.publishes_at + timedelta(days=3)) == 0
    assert told_of("scorecard_published") == members
    assert audits("campaign.published") == 1
    assert db.session.get(Campaign, campaign.id).published_at == campaign.publishes_at
    for user_id in members:
        assert unread_counter(user_id) == unread_rows(user_id)
