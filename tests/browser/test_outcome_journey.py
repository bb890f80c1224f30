"""The loop closed end to end: a round closes by itself at its deadline (the scheduler, running
as in `make run`), the tally is frozen, an official answers from the inbox, the outcome is
public with the answer, and a round closed while the scheduler was down shows its unanswered
idea as overdue."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from participation.core.time import now
from participation.extensions import db
from participation.responses.clock import countdown
from participation.responses.services import due_for
from participation.rounds.models import Round
from tests.browser.conftest import open_menu, reload_until, sign_in
from tests.factories import make_category, make_department, make_idea, make_round, make_user
from tests.outcomes.helpers import SMALL_TIERS, vote

pytestmark = pytest.mark.browser


@pytest.fixture
def rounds(app):
    with app.app_context():
        department = make_department("교통정책과")
        category = make_category(department, "교통·보행")
        voters = [make_user() for _ in range(4)]
        # Closes a few seconds from now.
        soon = make_round("voting", categories=[category], department=department, tiers=SMALL_TIERS, votes_per_resident=None, title="마감 임박 회차")
        shade = make_idea(soon, title="버스정류장 그늘막 설치", category=category)
        mirror = make_idea(soon, title="골목 반사경 추가", category=category)
        bikes = make_idea(soon, title="자전거 대여소 추가", category=category)
        during = soon.voting_opens_at + timedelta(hours=1)
        vote(shade, voters, during)
        vote(mirror, voters[:3], during)
        vote(bikes, voters[:1], during)
        deadline = (now() + timedelta(seconds=6)).replace(microsecond=0)
        db.session.execute(update(Round).where(Round.id == soon.id).values(voting_closes_at=deadline))
        # Its voting ended 20 days ago, while no scheduler ran; nobody has closed it yet.
        past = make_round("voting", categories=[category], department=department, tiers=SMALL_TIERS, votes_per_resident=None,
                          title="지난 회차", at=now() - timedelta(days=30))
        signal = make_idea(past, title="학교 앞 노란 신호등", category=category)
        vote(signal, voters[:3], past.voting_opens_at + timedelta(hours=1))
        official = make_user(email="official@example.kr", roles={"official"}, department=department)
        db.session.commit()
        data = {"soon": soon.id, "past": past.id, "shade": shade.id, "signal": signal.id, "official": official.email, "deadline": deadline}
        yield data
        db.session.remove()


@pytest.fixture
def scheduler(app, rounds):
    from participation.scheduler.scheduling import SweepScheduler

    running = SweepScheduler.for_app(app)
    running.start()
    yield running
    running.shutdown()




def test_a_round_closes_itself_an_official_answers_and_the_outcome_is_public(page, live_server, rounds, scheduler, app):
    outcome_url = f"{live_server}/rounds/{rounds['soon']}/outcome"
    page.goto(outcome_url)
    expect(page.get_by_text("투표는", exact=False).first).to_be_visible()  # "voting is open until …"

    # Nobody presses anything: the scheduler closes the round at its deadline, and (no delay) publishes it.
    # (Closing and publishing are two sweeps a moment apart: wait for the published page.)
    reload_until(page, outcome_url, "아직 받지 못한 답변")
    ranking = page.locator("table").filter(has_text="순위")
    expect(ranking.locator("tbody tr")).to_have_count(3)
    expect(ranking.locator("tbody tr").first).to_contain_text("버스정류장 그늘막 설치")
    expect(ranking.locator("tbody tr").first).to_contain_text("4")
    expect(page.get_by_role("heading", name="아직 받지 못한 답변")).to_be_visible()

    # The official answers from the inbox.
    sign_in(page, live_server, rounds["official"])
    page.wait_for_url(lambda url: "/login" not in url)
    open_menu(page)
    page.get_by_role("link", name="답변 대기함").click()
    row = page.locator("tr").filter(has_text="버스정류장 그늘막 설치")
    expect(row).to_be_visible()
    row.get_by_role("link", name="답변: 버스정류장 그늘막 설치").click()
    page.get_by_label("수용", exact=True).check()
    page.get_by_label("주민에게 드리는 설명").fill("올여름 안에 **그늘막 2개**를 설치하겠습니다.")
    page.get_by_label("완료 예정일 (선택)").fill("2027-06-30")
    page.get_by_label("예상 예산(원, 선택)").fill("3,000,000")
    page.get_by_role("button", name="답변 게시").click()
    expect(page.get_by_text("그늘막 2개", exact=False).first).to_be_visible()

    # A resident (signed out) sees the answer on the published outcome and on the idea.
    page.context.clear_cookies()
    page.goto(outcome_url)
    answers = page.locator("section").filter(has=page.get_by_role("heading", name="선정된 제안과 시의 답변"))
    expect(answers).to_contain_text("버스정류장 그늘막 설치")
    expect(answers).to_contain_text("수용")
    expect(answers).to_contain_text("올여름 안에 그늘막 2개를 설치하겠습니다.")
    page.goto(f"{live_server}/ideas/{rounds['shade']}")
    expect(page.get_by_text("3,000,000원", exact=False).first).to_be_visible()

    # The round whose deadline passed while no scheduler ran was closed by the catch-up at start,
    # and its unanswered selected idea shows as overdue, with the days counted.
    with app.app_context():
        from participation.ideas.models import Idea

        days = countdown(due_for(db.session.get(Idea, rounds["signal"])), now()).days
    assert days >= 5
    page.goto(f"{live_server}/rounds/{rounds['past']}/outcome")
    late = page.locator("tr.overdue").filter(has_text="학교 앞 노란 신호등")
    expect(late).to_contain_text(f"기한이 {days}일 지남")
    page.goto(f"{live_server}/ideas/{rounds['signal']}")
    expect(page.get_by_text(f"기한이 {days}일 지남", exact=False).first).to_be_visible()
