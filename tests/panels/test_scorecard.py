"""The scorecard: statistics computed by hand, the close made exactly once (twice, in threads, in two
processes, late, after a crash), publication, the department's response clock, answers, the action
plan, and the anonymised scores CSV."""
from __future__ import annotations

import csv
import io
import math
import os
import subprocess
import sys
import textwrap
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from flask import current_app
from flask_babel import force_locale
from sqlalchemy import func, select

from participation.core.audit import AuditEvent
from participation.core.db import write_transaction
from participation.core.text import neutralise
from participation.core.time import now
from participation.extensions import db
from participation.panels import services, stats
from participation.panels.models import ActionItem, Campaign, Scorecard
from participation.responses import services as responses
from participation.responses.models import OfficialResponse, ResponseDue, ResponseRevision
from participation.responses.services import ResponseData
from tests.factories import make_department, make_user
from tests.panels.helpers import (
    campaign_between,
    english,
    evaluate,
    make_service,
    panel_drawn_at,
    refused,
)
from tests.voting.test_concurrency import run_in_parallel

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Four panelists score two criteria, 정시성 (weight 2) and 친절도 (weight 1):
#
#            정시성  친절도
#   P1          4      2
#   P2          5      3
#   P3          3      3
#   P4          4      4
#   P5        (a draft 1, 1: never submitted, not counted)
#   P6        (left the panel before the close: not a member at the close)
SCORES = [(4, 2), (5, 3), (3, 3), (4, 4)]
T_975_3 = 3.182446  # Student's t, 0.975 quantile, 3 degrees of freedom (tables: 3.182446305)


def scored_campaign(start, *, service=None, admin=None, scores=SCORES, response_days=10, publish_delay_days=14, title="버스 평가"):
    """A panel drawn at `start` with six members; a campaign open from start + 1 day to start + 8 days,
    scored as in SCORES at start + 2 days (P5 leaves a draft, P6 leaves the panel at start + 5 days)."""
    answering, panel_department = make_department(), make_department()
    panel, people, admin = panel_drawn_at(len(scores) + 2, start, admin=admin, department=panel_department)
    service = service or make_service(admin, answering)
    campaign = campaign_between(admin, panel, service, start + timedelta(days=1), start + timedelta(days=8),
                                response_days=response_days, publish_delay_days=publish_delay_days, title=title)
    during = start + timedelta(days=2)
    for person, values in zip(people, scores, strict=False):
        evaluate(person, campaign, list(values), at=during)
    evaluate(people[len(scores)], campaign, [1, 1], submit=False, at=during)
    with write_transaction():
        services.leave(people[len(scores) + 1], panel, start + timedelta(days=5))
    return SimpleNamespace(campaign=campaign, panel=panel, people=people, admin=admin, service=service, answering=service.department,
                           panel_department=panel_department)


@pytest.fixture
def start(app_ctx):
    """Forty days ago: the campaign closed a month ago, its scorecard published two weeks later."""
    return now() - timedelta(days=40)


@pytest.fixture
def setting(start):
    return scored_campaign(start)


def after_close(campaign, **delta):
    return campaign.closes_at + timedelta(**(delta or {"seconds": 1}))


def close(campaign, at=None):
    with write_transaction():
        return services.close_campaign(campaign.id, at or after_close(campaign))


def official_of(department):
    return make_user(roles={"official"}, department=department)


def answer(actor, campaign, decision="accepted", explanation="배차를 늘리겠습니다.", at=None):
    with write_transaction():
        return services.answer(actor, campaign, ResponseData(decision, explanation), at or after_close(campaign, days=1))


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def audits(action):
    return count(AuditEvent, AuditEvent.action == action)


def card_of(campaign) -> Scorecard:
    db.session.expire_all()
    return db.session.scalar(select(Scorecard).where(Scorecard.campaign_id == campaign.id))


def frozen_values(card: Scorecard) -> dict:
    """What a scorecard says, without its ids and the time it was computed."""
    return {
        "closed_at": card.closed_at, "members": card.members, "submitted": card.submitted, "response_rate": card.response_rate,
        "overall": card.overall, "alpha": card.alpha, "previous_overall": card.previous_overall,
        "criteria": [{k: v for k, v in entry.items() if k != "criterion_id"} for entry in card.criteria],
    }


# --- the statistics ---------------------------------------------------------------------------------------------


def test_the_scorecard_statistics_match_a_hand_computation(setting):
    campaign = setting.campaign
    card = close(campaign)
    assert card.closed_at == campaign.closes_at
    punctuality, kindness = (entry["stats"] for entry in card.criteria)
    assert [(e["name"], e["weight"]) for e in card.criteria] == [("정시성", 2.0), ("친절도", 1.0)]

    # 정시성: 4, 5, 3, 4. n = 4, mean = 16 / 4 = 4, median = (4 + 4) / 2 = 4.
    # Deviations 0, 1, -1, 0: sum of squares 2, sample variance 2 / 3, sd = sqrt(2/3) = 0.816497.
    # Half-width t(0.975, 3) * sd / sqrt(4) = 3.182446 * 0.816497 / 2 = 1.299228: [2.700772, 5.299228],
    # clipped to the scale: [2.700772, 5].
    sd = math.sqrt(2 / 3)
    half = T_975_3 * sd / 2
    assert punctuality["n"] == 4 and punctuality["mean"] == 4.0 and punctuality["median"] == 4.0
    assert punctuality["sd"] == pytest.approx(0.816497, abs=1e-6) == pytest.approx(sd)
    assert punctuality["ci_low"] == pytest.approx(4 - half, abs=1e-6) == pytest.approx(2.700772, abs=1e-6)
    assert punctuality["ci_high"] == 5.0
    assert punctuality["distribution"] == [0, 0, 1, 2, 1]

    # 친절도: 2, 3, 3, 4. mean 3, median 3, the same deviations, so the same sd and half-width: [1.700772, 4.299228].
    assert (kindness["n"], kindness["mean"], kindness["median"]) == (4, 3.0, 3.0)
    assert kindness["sd"] == pytest.approx(sd)
    assert (kindness["ci_low"], kindness["ci_high"]) == (pytest.approx(1.700772, abs=1e-6), pytest.approx(4.299228, abs=1e-6))
    assert kindness["distribution"] == [0, 1, 2, 1, 0]

    # Overall: the weighted mean of the criterion means, (2 * 4 + 1 * 3) / (2 + 1) = 11 / 3.
    assert card.overall == pytest.approx(11 / 3)

    # Response rate: 4 submitted of the 5 members at the close (P5's draft does not count; P6 had left).
    assert (card.submitted, card.members, card.response_rate) == (4, 5, pytest.approx(0.8))

    # Krippendorff's alpha, ordinal; coders are panelists, units the two criteria.
    # Unit 정시성 holds 3, 4, 4, 5 (m = 4) and unit 친절도 2, 3, 3, 4; each pair of values within a unit
    # adds 1 / (m - 1) = 1/3 to the coincidence matrix o (both orders):
    #
    #   o      2     3     4     5    | n_c
    #   2      0    2/3   1/3    0    |  1
    #   3     2/3   2/3   4/3   1/3   |  3
    #   4     1/3   4/3   2/3   2/3   |  3
    #   5      0    1/3   2/3    0    |  1        n = 8
    #
    # Ordinal distances d2(c, k) = (n_c + ... + n_k - (n_c + n_k) / 2) ** 2:
    #   d(2,3) = (4 - 2)^2 = 4, d(2,4) = (7 - 2)^2 = 25, d(2,5) = (8 - 1)^2 = 49,
    #   d(3,4) = (6 - 3)^2 = 9, d(3,5) = (7 - 2)^2 = 25, d(4,5) = (4 - 2)^2 = 4.
    # Observed: sum o_ck d2 = 2 * (2/3 * 4 + 1/3 * 25 + 4/3 * 9 + 1/3 * 25 + 2/3 * 4) = 68.
    # Expected: sum n_c n_k d2 = 2 * (3*4 + 3*25 + 1*49 + 9*9 + 3*25 + 3*4) = 608.
    # alpha = 1 - (n - 1) * 68 / 608 = 1 - 476 / 608 = 132 / 608 = 33 / 152 = 0.217105...
    assert card.alpha == pytest.approx(33 / 152)
    assert card.alpha == pytest.approx(stats._alpha([list(row) for row in SCORES], "ordinal"))
    assert stats.alpha_reading(card.alpha) == "low"
    # No earlier campaign of this service: no change to show.
    assert (card.previous_campaign_id, card.previous_overall, card.change) == (None, None, None)


def test_the_change_is_against_the_previous_campaign_of_the_same_service(start):
    first = scored_campaign(start, scores=[(3, 3), (3, 3), (3, 3), (3, 3)], title="상반기")
    earlier = close(first.campaign)
    assert (earlier.overall, earlier.alpha) == (3.0, None)  # every score the same: agreement cannot be measured
    second = scored_campaign(start + timedelta(days=10), service=first.service, admin=first.admin, title="하반기")
    # Another service's campaign, closed in between, is not "previous".
    scored_campaign(start + timedelta(days=5), admin=first.admin, scores=[(1, 1)] * 4, title="다른 서비스")
    db.session.expire_all()
    other = db.session.scalar(select(Campaign).where(Campaign.title == "다른 서비스"))
    close(other)
    card = close(second.campaign)
    assert card.previous_campaign_id == first.campaign.id
    assert card.previous_overall == 3.0
    assert card.change == pytest.approx(11 / 3 - 3)  # 0.666...: better than last time
    trend = services.service_trend(first.service, published_only=False)
    assert [c.title for c, _card in trend] == ["상반기", "하반기"]
    assert services.service_trend(first.service) == []  # nothing published yet


def test_a_campaign_with_no_submissions_closes_with_an_empty_scorecard(start):
    panel, _people, admin = panel_drawn_at(2, start)
    campaign = campaign_between(admin, panel, make_service(admin), start + timedelta(days=1), start + timedelta(days=2))
    card = close(campaign)
    assert (card.submitted, card.members, card.response_rate, card.overall, card.alpha) == (0, 2, 0.0, None, None)
    assert [entry["stats"]["n"] for entry in card.criteria] == [0, 0]
    assert count(ResponseDue, ResponseDue.scorecard_id == card.id) == 1


# --- closing exactly once ---------------------------------------------------------------------------------------------


def test_nothing_closes_before_the_deadline(setting):
    campaign = setting.campaign
    assert services.close_due_campaigns(campaign.closes_at - timedelta(seconds=1)) == 0
    with write_transaction():
        assert services.close_campaign(campaign.id, campaign.closes_at - timedelta(seconds=1)) is None
    assert db.session.get(Campaign, campaign.id).closed_at is None and count(Scorecard) == 0


def test_a_draft_campaign_is_never_closed(start):
    panel, _people, admin = panel_drawn_at(2, start)
    campaign = campaign_between(admin, panel, make_service(admin), start + timedelta(days=1), start + timedelta(days=2), schedule=False)
    assert services.close_due_campaigns(now()) == 0
    assert db.session.get(Campaign, campaign.id).closed_at is None


def test_the_sweep_run_twice_closes_once(setting):
    campaign = setting.campaign
    assert services.close_due_campaigns(after_close(campaign)) == 1
    before = frozen_values(card_of(campaign))
    assert services.close_due_campaigns(after_close(campaign, hours=1)) == 0
    assert services.close_due_campaigns(after_close(campaign, days=3)) == 0
    assert close(campaign) is None
    assert frozen_values(card_of(campaign)) == before
    assert (count(Scorecard), count(ResponseDue), audits("campaign.closed")) == (1, 1, 1)
    assert db.session.get(Campaign, campaign.id).closed_at == campaign.closes_at


def test_four_threads_sweeping_at_once_close_once(app, setting):
    campaign = setting.campaign
    moment = after_close(campaign)
    db.session.commit()
    results = run_in_parallel(app, [lambda: services.close_due_campaigns(moment)] * 4)
    assert sorted(results) == [0, 0, 0, 1]
    db.session.commit()
    assert (count(Scorecard), count(ResponseDue), audits("campaign.closed")) == (1, 1, 1)
    assert card_of(campaign).submitted == 4
    published = run_in_parallel(app, [lambda: services.publish_due_scorecards(campaign.publishes_at)] * 4)
    assert sorted(published) == [0, 0, 0, 1]
    db.session.commit()
    assert db.session.get(Campaign, campaign.id).published_at == campaign.publishes_at
    assert audits("campaign.published") == 1


def test_a_late_close_after_downtime_records_the_same_scorecard_as_one_on_time(start):
    on_time = scored_campaign(start)
    late = scored_campaign(start)
    close(on_time.campaign)  # on time, a second after its deadline
    # A member leaves after the deadline, during the downtime, before the late close runs: still counted.
    stays_counted = late.people[0]
    with write_transaction():
        services.leave(stays_counted, late.panel, after_close(late.campaign, days=1))
    assert services.close_due_campaigns(after_close(late.campaign, days=3)) == 1
    punctual, delayed = card_of(on_time.campaign), card_of(late.campaign)
    assert delayed.closed_at == late.campaign.closes_at == db.session.get(Campaign, late.campaign.id).closed_at
    assert frozen_values(delayed) == frozen_values(punctual)
    assert delayed.members == 5
    assert delayed.computed_at == after_close(late.campaign, days=3)  # when it ran is recorded, apart
    dues = [services.due_for(card) for card in (punctual, delayed)]
    assert [d.started_at for d in dues] == [on_time.campaign.closes_at, late.campaign.closes_at]
    assert [d.due_at - d.started_at for d in dues] == [timedelta(days=10)] * 2


@pytest.mark.parametrize("where", ["after the scorecard", "at the response clock"])
def test_a_close_that_crashes_halfway_is_rolled_back_and_the_next_sweep_completes_it(setting, monkeypatch, where):
    campaign = setting.campaign
    if where == "after the scorecard":
        real = services.compute_scorecard

        def crash(*args, **kwargs):
            real(*args, **kwargs)  # the claim is made and the scorecard written...
            raise RuntimeError("power cut")

        monkeypatch.setattr(services, "compute_scorecard", crash)
    else:
        def crash(**kwargs):
            raise RuntimeError("power cut")

        monkeypatch.setattr(services, "ResponseDue", crash)
    assert services.close_due_campaigns(after_close(campaign)) == 0  # logged; the sweep carries on
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).closed_at is None
    assert (count(Scorecard), count(ResponseDue), audits("campaign.closed")) == (0, 0, 0)
    monkeypatch.undo()
    assert services.close_due_campaigns(after_close(campaign, minutes=1)) == 1
    card = card_of(campaign)
    assert card.closed_at == campaign.closes_at and card.submitted == 4
    assert (count(Scorecard), count(ResponseDue), audits("campaign.closed")) == (1, 1, 1)


SWEEP = textwrap.dedent(
    """
    import sys
    from datetime import datetime
    from participation import create_app
    url, moment = sys.argv[1], datetime.fromisoformat(sys.argv[2])
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        from participation.panels import services
        print("ready", flush=True)
        sys.stdin.readline()  # both processes sweep together
        closed = services.close_due_campaigns(moment)
        published = services.publish_due_scorecards(moment)
        print(closed, published, flush=True)
    """
)


def test_two_processes_sweeping_at_once_close_and_publish_once(app, setting):
    campaign = setting.campaign
    moment = campaign.publishes_at + timedelta(seconds=1)
    db.session.commit()
    env = {**os.environ, "PYTHONPATH": ROOT}
    procs = [
        subprocess.Popen([sys.executable, "-c", SWEEP, app.config["SQLALCHEMY_DATABASE_URI"], moment.isoformat()], cwd=ROOT, env=env,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    try:
        for proc in procs:
            assert proc.stdout.readline().strip() == "ready", proc.stderr.read()[-2000:]
        for proc in procs:
            proc.stdin.write("go\n")
            proc.stdin.flush()
        outputs = [proc.communicate(timeout=120) for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    assert [p.returncode for p in procs] == [0, 0], [err[-2000:] for _out, err in outputs]
    counts = [tuple(int(n) for n in out.split()[-2:]) for out, _err in outputs]
    assert sorted(c[0] for c in counts) == [0, 1] and sorted(c[1] for c in counts) == [0, 1]
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Campaign, campaign.id)
    assert (stored.closed_at, stored.published_at) == (campaign.closes_at, campaign.publishes_at)
    assert (count(Scorecard), count(ResponseDue), audits("campaign.closed"), audits("campaign.published")) == (1, 1, 1, 1)


# --- publishing ------------------------------------------------------------------------------------------------------------


def test_the_scorecard_publishes_at_its_publish_time_exactly_once(setting):
    campaign = setting.campaign
    assert services.publish_due_scorecards(campaign.publishes_at) == 0  # not closed: nothing to publish
    close(campaign)
    assert campaign.publishes_at == campaign.closes_at + timedelta(days=14)
    assert services.publish_due_scorecards(campaign.publishes_at - timedelta(seconds=1)) == 0
    assert db.session.get(Campaign, campaign.id).published_at is None
    assert services.publish_due_scorecards(campaign.publishes_at) == 1
    assert services.publish_due_scorecards(campaign.publishes_at) == 0
    assert services.publish_due_scorecards(campaign.publishes_at + timedelta(days=30)) == 0
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).published_at == campaign.publishes_at
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "campaign.published"))
    assert event.data["early"] is False and audits("campaign.published") == 1


def test_after_downtime_one_pass_closes_then_publishes_on_the_recorded_times(setting):
    campaign = setting.campaign
    much_later = campaign.publishes_at + timedelta(days=5)
    assert services.close_due_campaigns(much_later) == 1
    assert services.publish_due_scorecards(much_later) == 1
    db.session.expire_all()
    stored = db.session.get(Campaign, campaign.id)
    assert (stored.closed_at, stored.published_at) == (campaign.closes_at, campaign.publishes_at)


def test_publishing_early_waits_for_the_answer_and_is_for_admins(setting):
    campaign, admin = setting.campaign, setting.admin
    official = official_of(setting.answering)
    not_closed = refused(lambda: services.publish_early(admin, campaign, campaign.closes_at - timedelta(hours=1)))
    assert not_closed.code == "not_ready" and english(not_closed.message) == "The campaign has not closed yet."
    close(campaign)
    moment = after_close(campaign, days=2)
    waiting = refused(lambda: services.publish_early(admin, campaign, moment))
    assert waiting.code == "not_ready" and "has not answered" in english(waiting.message)
    answer(official, campaign, at=moment)
    assert refused(lambda: services.publish_early(official, campaign, moment)).code == "not_allowed"
    assert refused(lambda: services.publish_early(make_user(), campaign, moment)).code == "not_allowed"
    assert db.session.get(Campaign, campaign.id).published_at is None
    with write_transaction():
        services.publish_early(admin, campaign, moment)
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).published_at == moment
    again = refused(lambda: services.publish_early(admin, campaign, moment))
    assert again.code == "not_ready" and english(again.message) == "The scorecard is already published."
    assert services.publish_due_scorecards(campaign.publishes_at) == 0
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "campaign.published"))
    assert (event.data["early"], event.actor_id) == (True, admin.id)


def test_publishing_early_over_http(setting, make_client):
    campaign = setting.campaign
    close(campaign)
    official = official_of(setting.answering)
    staff, boss = make_client(), make_client()
    staff.login(official.email)
    boss.login(setting.admin.email)
    boss.use_english()
    url = f"/campaigns/{campaign.id}/publish"
    assert staff.post_form(url, {}, token_from=f"/campaigns/{campaign.id}/scorecard").status_code == 403
    refused_page = boss.post_form(url, {}, token_from=f"/campaigns/{campaign.id}/scorecard", follow_redirects=True)
    assert "has not answered" in refused_page.get_data(as_text=True)
    assert db.session.get(Campaign, campaign.id).published_at is None
    answer(official, campaign, at=now())
    assert boss.post_form(url, {}, token_from=f"/campaigns/{campaign.id}/scorecard").status_code == 302
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).published_at is not None


# --- the department's response clock -------------------------------------------------------------------------------------


def test_the_close_starts_the_departments_response_clock(setting):
    campaign = setting.campaign
    card = close(campaign)
    due = services.due_for(card)
    assert (due.reason, due.scorecard_id, due.idea_id) == ("scorecard", card.id, None)
    # The service's department answers, not the department that runs the panel.
    assert due.department_id == setting.answering.id != setting.panel_department.id
    assert due.started_at == campaign.closes_at
    assert due.due_at == campaign.closes_at + timedelta(days=10) == campaign.response_due_at
    assert (due.answered_at, due.overdue_reminders) == (None, 0)


def reminders(kind):
    return audits(f"response.reminder.{kind}")


def remind(at):
    with write_transaction():
        return responses.remind_overdue_responses(at)


def test_an_unanswered_scorecard_is_reminded_like_an_idea(setting):
    card = close(setting.campaign)
    due = services.due_for(card)
    assert remind(due.due_at - timedelta(days=4))["due_soon"] == 0
    assert remind(due.due_at - timedelta(days=3))["due_soon"] == 1
    assert remind(due.due_at - timedelta(days=2))["due_soon"] == 0
    assert remind(due.due_at)["overdue"] == 1
    assert remind(due.due_at + timedelta(hours=5))["overdue"] == 0  # the same day: once
    assert remind(due.due_at + timedelta(days=1))["overdue"] == 1
    assert remind(due.due_at + timedelta(days=7)) == {"due_soon": 0, "overdue": 1, "admins": 1}
    assert (reminders("due_soon"), reminders("overdue"), reminders("admins")) == (1, 3, 1)
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("response.reminder.%"))).all()
    assert {(r.subject_type, r.subject_id) for r in rows} == {("scorecards", card.id)}
    assert {r.data["department_id"] for r in rows} == {setting.answering.id}
    db.session.refresh(due)
    assert due.overdue_reminders == 3
    # Once answered, the reminders stop.
    answer(official_of(setting.answering), setting.campaign, at=due.due_at + timedelta(days=8))
    assert remind(due.due_at + timedelta(days=9)) == {"due_soon": 0, "overdue": 0, "admins": 0}


def test_the_scorecard_waits_in_the_departments_inbox_until_answered(setting, make_client):
    campaign = setting.campaign
    card = close(campaign)
    due = services.due_for(card)
    assert due in responses.inbox(setting.answering.id)
    assert due in responses.inbox(None)  # an admin's view of every department
    assert due not in responses.inbox(setting.panel_department.id)
    with current_app.test_request_context(), force_locale("en"):
        entry = responses.inbox_entry(due)
    assert entry.title == "Scorecard: 버스 평가" and entry.context == setting.service.name
    assert entry.view_url == f"/campaigns/{campaign.id}/scorecard" and entry.answer_url == f"/campaigns/{campaign.id}/response"
    staff = make_client()
    staff.login(official_of(setting.answering).email)
    staff.use_english()
    page = staff.get("/responses/inbox").get_data(as_text=True)
    assert "Scorecard: 버스 평가" in page and f"/campaigns/{campaign.id}/response" in page
    elsewhere = make_client()
    elsewhere.login(official_of(setting.panel_department).email)
    assert f"/campaigns/{campaign.id}/response" not in elsewhere.get("/responses/inbox").get_data(as_text=True)
    answer(official_of(setting.answering), campaign, at=now())
    assert due not in responses.inbox(setting.answering.id)


def record_of(department, **kwargs):
    return next((r for r in responses.department_records(now(), **kwargs) if r.department.id == department.id), None)


def test_the_departments_public_record_counts_the_scorecard_once_published(setting):
    campaign = setting.campaign
    close(campaign)
    assert record_of(setting.answering) is None  # not public yet
    working = record_of(setting.answering, published_only=False)
    assert (working.overdue, working.on_time, working.late, working.waiting) == (1, 0, 0, 0)
    services.publish_due_scorecards(campaign.publishes_at)
    public = record_of(setting.answering)
    # Due 10 days after the close, a month ago, still unanswered: overdue, and counted once.
    assert (public.overdue, public.on_time, public.late, public.waiting, public.median_days) == (1, 0, 0, 0, None)


def test_an_answer_on_time_counts_on_time_with_its_days(setting):
    campaign = setting.campaign
    close(campaign)
    answer(official_of(setting.answering), campaign, at=campaign.closes_at + timedelta(days=3))
    services.publish_due_scorecards(campaign.publishes_at)
    record = record_of(setting.answering)
    assert (record.on_time, record.late, record.overdue, record.median_days) == (1, 0, 0, 3.0)


# --- answering --------------------------------------------------------------------------------------------------------------


def test_only_the_services_department_or_an_admin_answers(setting):
    campaign = setting.campaign
    before = refused(lambda: services.answer(setting.admin, campaign, ResponseData("accepted", "네"), now()))
    assert before.code == "not_allowed" and english(before.message) == "The scorecard is answered once the campaign has closed."
    close(campaign)
    for outsider in (official_of(setting.panel_department), official_of(make_department()), make_user(), setting.people[0]):
        error = refused(lambda outsider=outsider: services.answer(outsider, campaign, ResponseData("accepted", "네"), now()))
        assert error.code == "not_allowed"
        assert english(error.message).startswith("Only officials of ") and english(error.message).endswith(
            ", or an administrator, can answer this scorecard.")
    assert count(OfficialResponse) == 0
    answer(setting.admin, campaign, explanation="관리자가 답합니다.")
    assert count(OfficialResponse) == 1


def test_an_answer_needs_a_decision_and_an_explanation(setting):
    campaign = setting.campaign
    close(campaign)
    official = official_of(setting.answering)
    for explanation in ("", "   \n ", None):
        error = refused(lambda e=explanation: services.answer(official, campaign, ResponseData("accepted", e), now()))
        assert (error.code, error.field) == ("empty", "explanation")
        assert english(error.message) == "Explain the decision to residents."
    assert refused(lambda: services.answer(official, campaign, ResponseData("maybe", "네"), now())).code == "bad_decision"
    assert count(OfficialResponse) == 0 and services.due_for(card_of(campaign)).answered_at is None


def test_the_same_answer_twice_is_one_revision_and_a_change_is_a_public_revision(setting, make_client):
    campaign = setting.campaign
    close(campaign)
    official = official_of(setting.answering)
    at = after_close(campaign, days=2)
    first = answer(official, campaign, "under_review", "검토하겠습니다.", at=at)
    again = answer(official, campaign, "under_review", "검토하겠습니다.", at=at + timedelta(seconds=1))  # a double click
    assert again.id == first.id
    response = services.response_for(card_of(campaign))
    assert (response.revision_count, count(ResponseRevision)) == (1, 1)
    assert (audits("scorecard.answered"), audits("scorecard.response_revised")) == (1, 0)
    due = services.due_for(card_of(campaign))
    assert due.answered_at == at
    revised = answer(official, campaign, "accepted", "배차를 늘리겠습니다.", at=at + timedelta(days=1))
    assert revised.number == 2 and count(ResponseRevision) == 2
    assert (audits("scorecard.answered"), audits("scorecard.response_revised")) == (1, 1)
    db.session.expire_all()
    assert services.due_for(card_of(campaign)).answered_at == at  # the clock stopped at the first answer
    # Before publication the answer is the administration's; once published, anyone reads every version.
    visitor = make_client()
    visitor.use_english()
    assert visitor.get(f"/campaigns/{campaign.id}/scorecard").status_code == 302
    services.publish_due_scorecards(campaign.publishes_at)
    page = visitor.get(f"/campaigns/{campaign.id}/scorecard")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "배차를 늘리겠습니다." in text and "검토하겠습니다." in text and "version 2" in text


def test_answering_over_http(setting, make_client):
    campaign = setting.campaign
    url = f"/campaigns/{campaign.id}/response"
    staff = make_client()
    staff.login(official_of(setting.answering).email)
    staff.use_english()
    assert staff.get(url).status_code == 403  # not closed: nothing to answer yet
    close(campaign)
    assert staff.get(url).status_code == 200
    empty = staff.post_form(url, {"decision": "accepted", "explanation": "  "}, token_from=url)
    assert empty.status_code == 422 and count(OfficialResponse) == 0
    other = make_client()
    other.login(official_of(setting.panel_department).email)
    assert other.get(url).status_code == 403
    assert other.post_form(url, {"decision": "accepted", "explanation": "제가 답합니다."}, token_from="/").status_code == 403
    assert make_client().get(url).status_code == 302
    done = staff.post_form(url, {"decision": "partially_accepted", "explanation": "일부 반영합니다."}, token_from=url)
    assert done.status_code == 302 and count(OfficialResponse) == 1


# --- the action plan ----------------------------------------------------------------------------------------------------------


def test_action_progress_is_a_whole_number_from_0_to_100(setting):
    campaign = setting.campaign
    close(campaign)
    official = official_of(setting.answering)
    with write_transaction():
        item = services.add_action_item(official, campaign, "배차 간격 단축", date(2027, 3, 31), now())
    for bad in (-1, 101, 1000, "50", 50.5, True, None):
        error = refused(lambda bad=bad: services.update_action_item(official, campaign, item.id, bad, "", now()))
        assert (error.code, error.field) == ("bad_progress", "progress"), bad
        assert english(error.message) == "Progress is a whole number from 0 to 100."
    for good in (0, 100, 40):
        with write_transaction():
            services.update_action_item(official, campaign, item.id, good, "진행 중", now())
    db.session.expire_all()
    assert (db.session.get(ActionItem, item.id).progress, db.session.get(ActionItem, item.id).note) == (40, "진행 중")
    assert refused(lambda: services.update_action_item(official, campaign, 999_999, 10, "", now())).code == "no_action"


def test_the_action_plan_is_kept_by_the_department_and_admins(setting):
    campaign = setting.campaign
    official, admin = official_of(setting.answering), setting.admin
    early = refused(lambda: services.add_action_item(admin, campaign, "배차", date(2027, 1, 1), now()))
    assert early.code == "not_allowed" and english(early.message) == "The action plan is written once the campaign has closed."
    close(campaign)
    for outsider in (official_of(setting.panel_department), make_user(), setting.people[0]):
        error = refused(lambda outsider=outsider: services.add_action_item(outsider, campaign, "배차", date(2027, 1, 1), now()))
        assert error.code == "not_allowed"
        assert english(error.message) == "Only officials of the responsible department, or an administrator, can change the action plan."
    with write_transaction():
        mine = services.add_action_item(official, campaign, "배차 간격 단축", date(2027, 3, 31), now())
        services.add_action_item(admin, campaign, "정류장 안내 개선", date(2027, 1, 31), now())
    error = refused(lambda: services.update_action_item(official_of(setting.panel_department), campaign, mine.id, 50, "", now()))
    assert error.code == "not_allowed"
    assert [i.title for i in services.action_items(card_of(campaign))] == ["정류장 안내 개선", "배차 간격 단축"]
    assert refused(lambda: services.add_action_item(official, campaign, " ", date(2027, 1, 1), now())).code == "empty"
    assert refused(lambda: services.add_action_item(official, campaign, "배차", campaign.closes_at.date() - timedelta(days=30),
                                                    now())).code == "bad_date"
    assert refused(lambda: services.add_action_item(official, campaign, "배차", None, now())).code == "bad_date"


def test_the_action_plan_over_http(setting, make_client):
    campaign = setting.campaign
    close(campaign)
    official = official_of(setting.answering)
    with write_transaction():
        item = services.add_action_item(official, campaign, "배차 간격 단축", date(2027, 3, 31), now())
    staff, other = make_client(), make_client()
    staff.login(official.email)
    other.login(official_of(setting.panel_department).email)
    progress_url = f"/campaigns/{campaign.id}/actions/{item.id}"
    token_page = f"/campaigns/{campaign.id}/scorecard"
    assert other.post_form(progress_url, {"p-progress": "50"}, token_from="/").status_code == 403
    assert other.post_form(f"/campaigns/{campaign.id}/actions", {"a-title": "x", "a-due_on": "2027-01-01"}, token_from="/").status_code == 403
    assert staff.post_form(progress_url, {"p-progress": "150"}, token_from=token_page).status_code == 422
    assert db.session.get(ActionItem, item.id).progress == 0
    assert staff.post_form(progress_url, {"p-progress": "60"}, token_from=token_page).status_code == 302
    db.session.expire_all()
    assert db.session.get(ActionItem, item.id).progress == 60
    added = staff.post_form(f"/campaigns/{campaign.id}/actions", {"a-title": "정류장 안내", "a-due_on": "2027-02-01"}, token_from=token_page)
    assert added.status_code == 302 and count(ActionItem) == 2


def test_a_refused_plan_form_comes_back_with_its_errors_next_to_the_fields(setting, make_client):
    """Not a flash message at the top of the page after a redirect: the scorecard itself, with the
    error summary in the refused form, the field marked invalid and the summary linking to it."""
    campaign = setting.campaign
    close(campaign)
    official = official_of(setting.answering)
    with write_transaction():
        item = services.add_action_item(official, campaign, "배차 간격 단축", date(2027, 3, 31), now())
        other = services.add_action_item(official, campaign, "정류장 안내", date(2027, 4, 30), now())
    staff = make_client()
    staff.login(official.email)
    staff.use_english()
    token_page = f"/campaigns/{campaign.id}/scorecard"
    refusals = {
        # (url, data): the field whose error is shown, and its words
        (f"/campaigns/{campaign.id}/actions/{item.id}", (("p-progress", "150"),)): (f"p-progress-{item.id}", "out of range"),
        (f"/campaigns/{campaign.id}/actions/{item.id}", (("p-progress", "half"),)): (f"p-progress-{item.id}", "whole number"),
        (f"/campaigns/{campaign.id}/actions", (("a-title", ""), ("a-due_on", "2027-01-01"))): ("a-title", "Say what will be done."),
        (f"/campaigns/{campaign.id}/actions", (("a-title", "안내"), ("a-due_on", "31/12/2027"))): ("a-due_on", "Give a date like"),
    }
    for (url, data), (field_id, words) in refusals.items():
        response = staff.post_form(url, dict(data), token_from=token_page)
        html = response.get_data(as_text=True)
        assert response.status_code == 422, (url, data)
        assert 'class="flash flash-error"' not in html
        summary = html[html.index('class="error-summary"'):]
        summary = summary[:summary.index("</div>")]
        assert f'href="#{field_id}"' in summary and words in summary, (field_id, summary)
        assert html.count('class="error-summary"') == 1  # only the refused form, not every row's
        field_tag = html[html.index(f'id="{field_id}"') - 200:html.index(f'id="{field_id}"') + 200]
        assert 'aria-invalid="true"' in field_tag
    # The other row keeps its own ids and values, and what was typed into the refused one stays.
    response = staff.post_form(f"/campaigns/{campaign.id}/actions/{item.id}", {"p-progress": "150", "p-note": "곧"}, token_from=token_page)
    html = response.get_data(as_text=True)
    assert f'id="p-progress-{other.id}"' in html and f'for="p-progress-{other.id}"' in html
    assert 'value="150"' in html and "곧</textarea>" in html
    db.session.expire_all()
    assert db.session.get(ActionItem, item.id).progress == 0 and count(ActionItem) == 2


# --- the scores CSV ---------------------------------------------------------------------------------------------------------------


def test_the_scores_csv_is_anonymous_and_neutralises_formulas(start, make_client):
    answering = make_department()
    panel, people, admin = panel_drawn_at(5, start)
    service = make_service(admin, answering)
    criteria = (("=SUM(A1:A9)", 1.0), ("+친절도", 1.0), ("-청결도", 1.0), ("@접근성", 1.0), ("정시성", 1.0))
    campaign = campaign_between(admin, panel, service, start + timedelta(days=1), start + timedelta(days=8), criteria=criteria)
    comments = ["=HYPERLINK(\"http://evil.example\",\"click\")", "+82-10-1234", "-3 부족", "@SUM(1,2)", "좋습니다, \"정말\""]
    during = start + timedelta(days=2)
    for n, (person, comment) in enumerate(zip(people[:4], comments, strict=False)):
        evaluate(person, campaign, [n + 1] * 5, comment=comment, at=during)
    evaluate(people[4], campaign, [5] * 5, comment=comments[4], submit=False, at=during)  # a draft is not exported
    close(campaign)
    text = services.scores_csv(campaign)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["respondent", "'=SUM(A1:A9)", "'+친절도", "'-청결도", "'@접근성", "정시성", "comment"]
    assert [row[0] for row in rows[1:]] == ["1", "2", "3", "4"]
    exported = sorted(row[-1] for row in rows[1:])
    assert exported == sorted("'" + c for c in comments[:4])
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert sorted(row[1:6] for row in rows[1:]) == [[str(n)] * 5 for n in range(1, 5)]
    # Nobody is named: no emails, display names, pseudonyms or account ids.
    for person in people:
        application = services.application_of(person, panel)
        assert person.email not in text and person.display_name not in text and application.pseudonym not in text
    assert "user" not in rows[0] and "email" not in rows[0]
    assert neutralise("\t=1") == "'\t=1" and neutralise("\r=1") == "'\r=1" and neutralise(None) == ""
    # Over HTTP: only once the scorecard is public (or for the administration before that).
    url = f"/campaigns/{campaign.id}/scores.csv"
    assert make_client().get(url).status_code == 302
    outsider = make_client()
    outsider.login(make_user().email)
    assert outsider.get(url).status_code == 403
    services.publish_due_scorecards(campaign.publishes_at)
    download = outsider.get(url)
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert download.headers["Content-Disposition"] == (
        f"attachment; filename=\"campaign-{campaign.id}-scores.csv\"; filename*=UTF-8''campaign-{campaign.id}-scores.csv")
    assert download.get_data(as_text=True) == "\ufeff" + text
    # The same scores as Excel, from the scorecard's own link: Korean intact, formulas stored as text.
    from openpyxl import load_workbook

    assert f"/campaigns/{campaign.id}/scores?format=xlsx" in outsider.get(f"/campaigns/{campaign.id}/scorecard").get_data(as_text=True)
    workbook = outsider.get(f"/campaigns/{campaign.id}/scores?format=xlsx")
    assert workbook.status_code == 200 and workbook.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(workbook.data)).active
    assert [c.value for c in sheet[1]] == rows[0]
    assert sorted(sheet.cell(n, 7).value for n in range(2, 6)) == exported
    assert all(sheet.cell(n, 7).data_type == "s" for n in range(2, 6))
    assert sorted(sheet.cell(n, 2).value for n in range(2, 6)) == [1, 2, 3, 4]  # scores stay numbers
    assert outsider.get(f"/campaigns/{campaign.id}/scores?format=doc").status_code == 404
    assert make_client().get(f"/campaigns/{campaign.id}/scores?format=xlsx").status_code == 200


def test_the_csv_order_cannot_be_recomputed_from_public_data(setting, monkeypatch):
    """Rows are shuffled by a keyed hash of the evaluation id: the published draw seed is no key."""
    import hashlib
    import hmac

    campaign = setting.campaign
    close(campaign)
    counted = services.counted_evaluations(campaign)
    text = services.scores_csv(campaign)

    def expected_order(secret: str) -> list[list[str]]:
        ordered = sorted(counted, key=lambda e: hmac.new(secret.encode(), f"scores:{campaign.id}:{e.id}".encode(),
                                                                     hashlib.sha256).hexdigest())
        return [[str(e.score_for(c.id)) for c in campaign.criteria] for e in ordered]

    rows = list(csv.reader(io.StringIO(text)))[1:]
    assert [row[1:3] for row in rows] == expected_order(current_app.config["SECRET_KEY"])
    # The public seed plays no part: changing it changes nothing.
    setting.panel.draw_seed = "another-public-seed"
    db.session.commit()
    assert services.scores_csv(db.session.get(Campaign, campaign.id)) == text
    # The secret does.
    monkeypatch.setitem(current_app.config, "SECRET_KEY", "another-secret-for-this-test")
    rows = list(csv.reader(io.StringIO(services.scores_csv(campaign))))[1:]
    assert [row[1:3] for row in rows] == expected_order("another-secret-for-this-test")


def test_only_members_at_the_close_count_and_the_rate_never_passes_100_percent(start):
    """Evaluations of panelists who left before the close are not counted, nor are they members;
    someone who leaves after the close (before a late sweep) counts as both."""
    panel, people, admin = panel_drawn_at(3, start)
    campaign = campaign_between(admin, panel, make_service(admin), start + timedelta(days=1), start + timedelta(days=8))
    for person, values in zip(people, [(5, 5), (1, 1), (3, 3)], strict=True):
        evaluate(person, campaign, list(values), at=start + timedelta(days=2))
    with write_transaction():
        services.leave(people[0], panel, start + timedelta(days=3))  # before the close: (5, 5) drops out
    with write_transaction():
        services.leave(people[1], panel, campaign.closes_at + timedelta(hours=1))  # after it: (1, 1) stays
    card = close(campaign, campaign.closes_at + timedelta(days=1))
    assert (card.members, card.submitted, card.response_rate) == (2, 2, 1.0)
    assert [entry["stats"]["mean"] for entry in card.criteria] == [2.0, 2.0]
    rows = list(csv.reader(io.StringIO(services.scores_csv(campaign))))
    assert sorted(row[1:3] for row in rows[1:]) == [["1", "1"], ["3", "3"]]
