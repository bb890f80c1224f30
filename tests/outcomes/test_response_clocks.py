"""Response clocks: reminded 3 days before the due date, daily once overdue, admins alerted after 7 days; each once."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from participation.core.audit import AuditEvent
from participation.core.db import write_transaction
from participation.extensions import db
from participation.responses import services as responses
from participation.responses.models import ResponseDue
from participation.responses.services import ResponseData
from tests.factories import make_user
from tests.outcomes.helpers import close, voting_round
from tests.voting.test_concurrency import run_in_parallel


def reminders(kind=None):
    stmt = select(func.count()).select_from(AuditEvent).where(AuditEvent.action.like("response.reminder.%"))
    if kind:
        stmt = stmt.where(AuditEvent.action == f"response.reminder.{kind}")
    return db.session.scalar(stmt)


def sweep(at):
    with write_transaction():
        return responses.remind_overdue_responses(at)


def one_clock():
    round_, ideas, _ = voting_round(votes=(3,), selection_rule="top_n", selection_top_n=1)
    close(round_)
    return db.session.scalar(select(ResponseDue)), ideas[0]


def test_the_department_is_reminded_three_days_before_once(app_ctx):
    due, _idea = one_clock()
    assert sweep(due.due_at - timedelta(days=4))["due_soon"] == 0
    assert sweep(due.due_at - timedelta(days=3))["due_soon"] == 1
    assert sweep(due.due_at - timedelta(days=2))["due_soon"] == 0
    assert reminders("due_soon") == 1


def test_an_overdue_answer_is_reminded_daily_and_admins_are_alerted_after_seven_days(app_ctx):
    due, _idea = one_clock()
    start = due.due_at
    assert sweep(start)["overdue"] == 1
    assert sweep(start + timedelta(hours=5))["overdue"] == 0  # the same day: nothing twice
    assert sweep(start + timedelta(days=1))["overdue"] == 1
    result = sweep(start + timedelta(days=7))
    assert (result["overdue"], result["admins"]) == (1, 1)
    assert sweep(start + timedelta(days=7, hours=1)) == {"due_soon": 0, "overdue": 0, "admins": 0}
    assert reminders("overdue") == 3 and reminders("admins") == 1
    db.session.refresh(due)
    assert due.overdue_reminders == 3


def test_a_late_sweep_after_downtime_sends_one_of_each_not_one_per_missed_day(app_ctx):
    due, _idea = one_clock()
    result = sweep(due.due_at + timedelta(days=10))
    assert result == {"due_soon": 0, "overdue": 1, "admins": 1}


def test_an_answered_idea_is_not_reminded(app_ctx):
    due, idea = one_clock()
    with write_transaction():
        responses.answer(make_user(roles={"admin"}), idea, ResponseData("under_review", "검토 중입니다."), due.due_at - timedelta(days=5))
    assert sweep(due.due_at + timedelta(days=8)) == {"due_soon": 0, "overdue": 0, "admins": 0}
    assert reminders() == 0


def test_parallel_sweeps_remind_once(app, app_ctx):
    due, _idea = one_clock()
    moment = due.due_at + timedelta(days=8)
    db.session.commit()
    results = run_in_parallel(app, [lambda: sweep(moment)] * 6)
    assert sum(r["overdue"] for r in results) == 1
    assert sum(r["admins"] for r in results) == 1
    db.session.commit()
    assert reminders() == 2


def test_reaching_a_tier_during_voting_starts_the_clock_and_the_department_can_answer_then(app_ctx):
    from datetime import timedelta as td

    from participation.ideas.models import Idea
    from participation.rounds.rules import TierSpec
    from tests.factories import make_category, make_department, make_idea, make_round
    from tests.outcomes.helpers import vote

    department = make_department()
    category = make_category(department)
    round_ = make_round("voting", categories=[category], department=department, votes_per_resident=None,
                        tiers=[TierSpec(2, "department", 3), TierSpec(3, "mayor_office", 30)])
    idea = make_idea(round_, category=category)
    reached = round_.voting_opens_at + td(hours=1)
    vote(idea, [make_user(), make_user()], reached)
    due = responses.due_for(idea)
    assert (due.reason, due.department_id, due.due_at) == ("tier", department.id, reached + td(days=3))
    official = make_user(roles={"official"}, department=department)
    with write_transaction():
        responses.answer(official, db.session.get(Idea, idea.id), ResponseData("under_review", "검토하겠습니다."), reached + td(days=1))
    assert responses.due_for(idea).answered_at == reached + td(days=1)
    # A higher tier reached later, while the clock is unanswered, moves it; answered, it stays.
    other = make_idea(round_, title="다른 제안", category=category)
    vote(other, [make_user(), make_user()], reached)
    vote(other, [make_user()], reached + td(hours=2))
    moved = responses.due_for(other)
    assert (moved.department_id, moved.due_at) == (round_.department_id, reached + td(hours=2, days=30))
    close(round_)
    assert responses.due_for(idea).reason == "selected" and responses.due_for(idea).due_at == reached + td(days=3)


def test_withdrawing_an_idea_drops_its_unanswered_clock(app_ctx):
    from participation.ideas import services as idea_services
    from participation.ideas.models import Idea
    from participation.rounds.rules import TierSpec
    from tests.factories import make_category, make_department, make_idea, make_round
    from tests.outcomes.helpers import vote

    category = make_category(make_department())
    round_ = make_round("voting", categories=[category], votes_per_resident=None, tiers=[TierSpec(1, "department", 14)])
    idea = make_idea(round_, category=category)
    vote(idea, [make_user()], round_.voting_opens_at + timedelta(hours=1))
    assert responses.due_for(idea) is not None
    with write_transaction():
        idea_services.withdraw_idea(idea.author, db.session.get(Idea, idea.id), "합칩니다", round_.voting_opens_at + timedelta(hours=2))
    assert responses.due_for(idea) is None
