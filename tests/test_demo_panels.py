"""The demo's monitoring panel: `flask demo seed` loads a panel drawn with a published seed, two
published scorecards with the department's answers and action plans, and a campaign the demo
resident can evaluate now."""
from __future__ import annotations

import io
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from participation.accounts.models import User
from participation.core.time import SEOUL, now
from participation.demo.panels import DRAW_SEED, PANEL_NAME, PANELIST, RUBRIC, SERVICE_NAME, TARGET_SIZE, timeline
from participation.demo.people import DEMO_PASSWORD
from participation.extensions import db
from participation.panels import lottery, permissions, services
from participation.panels.models import ActionItem, Campaign, CampaignPhase, Evaluation, EvaluationStatus, Panel


def _seed(runner):
    loaded = now()
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    panel = db.session.scalar(select(Panel).where(Panel.name == PANEL_NAME))
    first, second, current = db.session.scalars(select(Campaign).where(Campaign.panel_id == panel.id).order_by(Campaign.closes_at)).all()
    return loaded, panel, first, second, current


def _user(email):
    return db.session.scalar(select(User).where(User.email == email))


def test_demo_seed_draws_the_bus_panel_with_the_demo_resident_as_a_member(runner, app_ctx):
    loaded, panel, *_ = _seed(runner)
    assert panel.department.name_ko == "교통정책과" and panel.selection_method == "lottery"
    assert panel.strata == ["district", "age_band"] and panel.target_size == TARGET_SIZE == 12
    assert panel.draw_seed == DRAW_SEED and panel.recruitment_closes_at < panel.drawn_at < loaded
    assert not panel.is_recruiting(loaded) and panel.term_starts_on <= loaded.date() <= panel.term_ends_on
    applicants = services.applicants(panel)
    members = services.members(panel)
    assert len(applicants) == 20 and len(members) == 12
    assert {m.stratum(["district"])[0] for m in applicants} == {"새봄구", "푸른구", "한가람구"}
    assert len({m.age_band for m in applicants}) >= 5
    assert PANELIST in {m.user.email for m in members}
    # Nobody on the department's staff, or with any role, sits on the panel.
    assert all(not (m.user.roles - {"resident"}) for m in applicants)


def test_rerunning_the_published_draw_gives_the_same_members(runner, client, app_ctx, tmp_path):
    _loaded, panel, *_ = _seed(runner)
    members = {m.pseudonym for m in services.members(panel)}
    # In process, from the public list ...
    result = lottery.draw(panel.draw_seed, lottery.read_applicants_csv(io.StringIO(services.applicants_csv(panel))), panel.target_size)
    assert set(result.selected) == members
    # ... and as the README says: download lottery.py and the applicant list, and run the script.
    for url in ("/panels/lottery.py", f"/panels/{panel.id}/applicants.csv"):
        response = client.get(url)
        assert response.status_code == 200
        name = re.search(r'filename="?([^";]+)', response.headers["Content-Disposition"]).group(1)
        (tmp_path / name).write_bytes(response.data)
    assert (tmp_path / f"panel-{panel.id}-applicants.csv").exists()
    run = subprocess.run(
        [sys.executable, "lottery.py", DRAW_SEED, str(TARGET_SIZE), f"panel-{panel.id}-applicants.csv"],
        cwd=tmp_path, capture_output=True, text=True, encoding="utf-8", check=True,
    )
    lines = run.stdout.splitlines()
    assert lines[0] == "pseudonym,district,age_band"
    assert {line.split(",")[0] for line in lines[1:]} == members and len(lines) == 13


def test_demo_seed_publishes_two_answered_scorecards_showing_a_change(runner, app_ctx):
    loaded, panel, first, second, current = _seed(runner)
    service = first.service
    assert service.name == SERVICE_NAME and service.department_id == panel.department_id
    assert second.service_id == current.service_id == service.id
    titles = [first.title, second.title, current.title]
    assert len(set(titles)) == 3 and all(re.fullmatch(r"20\d\d년 [상하]반기 시내버스 간선 노선 시민 평가", t) for t in titles)
    cards = []
    for campaign in (first, second):
        assert campaign.phase(loaded) == CampaignPhase.PUBLISHED and campaign.published_at <= loaded
        assert [(c.name, c.weight) for c in campaign.criteria] == [(name, weight) for name, weight, *_ in RUBRIC]
        card = services.scorecard_for(campaign)
        assert card.closed_at == campaign.closes_at and card.members == 12 and 8 <= card.submitted <= 11
        assert card.overall is not None and card.alpha is not None
        response = services.response_for(card)
        due = services.due_for(card)
        assert response.department.name_ko == "교통정책과" and response.explanation.strip()
        assert due.answered_at <= due.due_at  # answered on time
        items = services.action_items(card)
        assert 2 <= len(items) <= 3 and all(0 <= item.progress <= 100 for item in items)
        cards.append(card)
    assert {services.response_for(c).decision for c in cards} == {"accepted", "partially_accepted"}
    assert first.published_at < first.publishes_at  # published early by the administrator, once answered
    assert second.published_at == second.publishes_at  # published by the scheduler's sweep
    assert cards[1].previous_campaign_id == first.id and cards[1].change == pytest.approx(cards[1].overall - cards[0].overall)
    assert cards[1].change > 0
    # The figures the README's tour quotes.
    assert round(cards[0].overall, 2) == 2.78 and round(cards[1].overall, 2) == 3.50 and round(cards[1].change, 2) == 0.72
    assert round(cards[0].alpha, 2) == 0.17 and round(cards[1].alpha, 2) == 0.73
    assert (cards[1].submitted, cards[1].members) == (10, 12)
    assert [c.campaign_id for _c, c in services.service_trend(service)] == [first.id, second.id]
    # Some drafts never count; nothing in the demo happens after it was loaded.
    assert db.session.scalar(select(func.count()).select_from(Evaluation).where(
        Evaluation.campaign_id == second.id, Evaluation.status == EvaluationStatus.DRAFT)) == 1
    assert db.session.scalar(select(func.max(Evaluation.updated_at))) <= loaded
    assert db.session.scalar(select(func.max(ActionItem.updated_at))) <= loaded


def test_the_demo_resident_can_evaluate_the_open_campaign_now(runner, app_ctx):
    loaded, panel, first, second, current = _seed(runner)
    assert current.phase(loaded) == CampaignPhase.OPEN and current.photo_allowed
    assert timedelta(days=3) < loaded - current.opens_at < timedelta(days=5)
    assert timedelta(days=9) < current.closes_at - loaded < timedelta(days=11)
    assert [c.name for c in current.criteria] == [c.name for c in first.criteria]
    resident = _user(PANELIST)
    assert services.evaluation_of(resident, current) is None
    statuses = db.session.scalars(select(Evaluation.status).where(Evaluation.campaign_id == current.id)).all()
    assert sorted(statuses) == ["draft", "draft", "submitted", "submitted", "submitted"]
    moment = now()
    assert permissions.can_evaluate(resident, current, moment)
    assert not permissions.can_evaluate(resident, second, moment)  # closed
    reserve = next(m.user for m in services.applicants(panel) if m.status == "not_selected")
    assert not permissions.can_evaluate(reserve, current, moment)
    assert not permissions.can_evaluate(_user("official@demo.gongron.kr"), current, moment)
    # The scorecard of the open campaign is not out yet; the past ones are public.
    assert not permissions.can_view_scorecard(resident, current) and permissions.can_view_scorecard(None, first)


def test_the_tour_over_http(runner, client, make_client, app_ctx):
    _loaded, panel, first, second, current = _seed(runner)
    visitor = make_client()
    assert PANEL_NAME in visitor.get("/panels/").get_data(as_text=True)
    page = visitor.get(f"/panels/{panel.id}").get_data(as_text=True)
    assert DRAW_SEED in page and "python lottery.py SEED 12 applicants.csv" in page
    for campaign in (first, second):
        scorecard = visitor.get(f"/campaigns/{campaign.id}/scorecard")
        assert scorecard.status_code == 200
        text = scorecard.get_data(as_text=True)
        assert "<svg" in text and services.response_for(services.scorecard_for(campaign)).explanation[:25] in text
        assert all(item.title in text for item in services.action_items(services.scorecard_for(campaign)))
    assert "직전 평가 대비 +" in visitor.get(f"/campaigns/{second.id}/scorecard").get_data(as_text=True)
    trend = visitor.get(f"/services/{first.service_id}").get_data(as_text=True)
    assert first.title in trend and second.title in trend
    assert visitor.get(f"/campaigns/{current.id}/scorecard").status_code != 200  # not computed yet

    client.login(PANELIST, password=DEMO_PASSWORD)
    mine = services.application_of(_user(PANELIST), panel)
    assert mine.pseudonym in client.get(f"/panels/{panel.id}").get_data(as_text=True)
    url = f"/campaigns/{current.id}/evaluation"
    assert client.get(url).status_code == 200
    scores = {f"score_{c.id}": str(v) for c, v in zip(current.criteria, (4, 3, 4, 5), strict=True)}
    done = client.post_form(url, {**scores, "comment": "도착 안내가 정확했습니다.", "action": "submit"}, token_from=url)
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert services.evaluation_of(_user(PANELIST), current).status == EvaluationStatus.SUBMITTED

    moderator = make_client()
    moderator.login("moderator@demo.gongron.kr", password=DEMO_PASSWORD)
    assert moderator.get(url).status_code == 403
    official = make_client()
    official.login("official@demo.gongron.kr", password=DEMO_PASSWORD)
    official.use_english()
    staff_page = official.get(f"/campaigns/{second.id}/scorecard").get_data(as_text=True)
    assert "Revise the response" in staff_page and "Add an action" in staff_page
    parks = make_client()
    parks.login("parks@demo.gongron.kr", password=DEMO_PASSWORD)
    parks.use_english()
    other_page = parks.get(f"/campaigns/{second.id}/scorecard").get_data(as_text=True)
    assert "Revise the response" not in other_page and "Add an action" not in other_page


@pytest.mark.parametrize("year", [2026, 2027, 2028])
def test_the_timeline_fits_any_loading_day(year):
    """Whatever day the demo is loaded, the three campaigns fall in three consecutive half-years,
    titled after them, and everything in the past happened before the loading time."""

    def half(moment_or_day):
        day = moment_or_day.astimezone(SEOUL).date() if isinstance(moment_or_day, datetime) else moment_or_day
        return day.year * 2 + (day.month > 6)

    start = datetime(year, 1, 1, tzinfo=SEOUL)
    for n in range(366 * 2):
        when = (start + timedelta(hours=12 * n + (0.5 if n % 2 == 0 else 11.5))).astimezone(UTC)
        plan = timeline(when)
        assert half(plan.first[1]) + 1 == half(plan.second[1]) and half(plan.second[1]) + 1 == half(plan.today), when
        assert len(set(plan.titles)) == 3
        assert plan.recruitment_opens < plan.recruitment_closes < plan.drawn < plan.first[0] < plan.first[1] < plan.second[0]
        assert plan.term_starts <= plan.first[0].astimezone(SEOUL).date()
        # The second campaign's last progress update (35 days after its close) is in the past.
        assert plan.second[1] + timedelta(days=35) < when
        # The open campaign opened a few days ago (its last seeded draft 73 hours after opening) and closes in about ten.
        assert plan.current[0] + timedelta(hours=73) < when < plan.current[1]
        assert timedelta(days=9) < plan.current[1] - when < timedelta(days=11)
