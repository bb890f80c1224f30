"""Rounds closed through the outcome service, with answers through the responses service, for the response tests."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from participation.core.db import write_transaction
from participation.core.time import now
from participation.extensions import db
from participation.outcomes.services import close_round, publish_due_outcomes
from participation.responses import services
from participation.responses.models import ResponseDue
from participation.rounds.rules import TierSpec
from participation.voting.services import cast_vote
from tests.factories import make_category, make_department, make_idea, make_round, make_user

# Two votes start the department's clock (14 days); the mayor's office tier is out of reach.
TIERS = [TierSpec(2, "department", 14), TierSpec(100, "mayor_office", 30)]


@dataclass
class ClosedRound:
    round: object
    selected: object  # an idea with 3 votes: selected, its answer owed by `answering`
    not_selected: object  # 1 vote: no answer owed
    coordinating: object  # the round's department
    answering: object  # the department the ideas' category routes to


def closed_round(*, closed_at: datetime | None = None, publish: bool = False, publish_delay_hours: int = 0) -> ClosedRound:
    """A round whose voting closed at `closed_at` (an hour ago by default), closed by the outcome
    service: one idea selected (3 votes), one not (1 vote). Optionally published."""
    closed_at = closed_at or now() - timedelta(hours=1)
    coordinating, answering = make_department(), make_department()
    category = make_category(answering)
    # make_round's "closed" dates put the voting deadline a day before `at`.
    round_ = make_round(
        "closed", at=closed_at + timedelta(days=1), department=coordinating, categories=[category], tiers=TIERS,
        votes_per_resident=None, publish_delay_hours=publish_delay_hours,
    )
    selected = make_idea(round_, title="버스 정류장에 그늘막을 설치해 주세요", body="여름에 너무 덥습니다.")
    not_selected = make_idea(round_, title="공원 화장실을 늘려 주세요", body="주말에 줄이 깁니다.")
    during = round_.voting_opens_at + timedelta(hours=1)
    voters = [make_user() for _ in range(3)]
    for idea, count in ((selected, 3), (not_selected, 1)):
        for voter in voters[:count]:
            with write_transaction():
                cast_vote(voter, idea, during)
    with write_transaction():
        assert close_round(round_.id, round_.voting_closes_at + timedelta(seconds=1)) is not None
    if publish:
        publish_round(round_)
    for obj in (round_, selected, not_selected):
        db.session.refresh(obj)
    return ClosedRound(round_, selected, not_selected, coordinating, answering)


def publish_round(round_) -> None:
    """The scheduler's publication sweep, run once the publish time has come."""
    publish_due_outcomes(max(now(), round_.publishes_at + timedelta(seconds=1)))
    db.session.refresh(round_)
    assert round_.published_at is not None


def answer(actor, idea, decision: str = "accepted", explanation: str = "내년 예산에 반영하겠습니다.", at: datetime | None = None, **fields):
    with write_transaction():
        revision = services.answer(actor, idea, services.ResponseData(decision, explanation, **fields), at or now())
    return revision


def progress(actor, idea, percent: int, note: str = "설계를 마쳤습니다.", at: datetime | None = None):
    with write_transaction():
        return services.post_progress(actor, idea, percent, note, at or now())


def due_of(idea) -> ResponseDue:
    return db.session.scalar(db.select(ResponseDue).where(ResponseDue.idea_id == idea.id))


def set_due(idea, due_at: datetime) -> ResponseDue:
    due = due_of(idea)
    due.due_at = due_at
    db.session.commit()
    return due


def official_of(department):
    return make_user(roles={"official"}, department=department)
