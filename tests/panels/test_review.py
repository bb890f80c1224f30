"""Defects found in review of the monitoring panels, each pinned by a test."""
from __future__ import annotations

import io
import unicodedata
from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from participation.core.db import write_transaction
from participation.core.time import now
from participation.extensions import db
from participation.panels import lottery, services
from participation.panels.models import MemberStatus, Panel, PanelMember
from tests.factories import make_district, make_user
from tests.panels.helpers import (
    apply_many,
    campaign_between,
    evaluate,
    make_admin,
    make_service,
    panel_recruiting_between,
)
from tests.panels.test_scorecard import answer, close, official_of, scored_campaign


def _panel_with_reserve(start, *, members=2, reserve=1):
    """A lottery panel without strata drawn at `start`: `members` members and `reserve` in reserve."""
    admin = make_admin()
    panel = panel_recruiting_between(admin, start - timedelta(days=10), start, size=members, strata=())
    people = [make_user() for _ in range(members + reserve)]
    apply_many(panel, people)
    with write_transaction():
        services.draw(admin, panel, start, seed="review")
    db.session.expire_all()
    chosen = {m.user_id for m in services.members(db.session.get(Panel, panel.id))}
    return panel, admin, [p for p in people if p.id in chosen], [p for p in people if p.id not in chosen]


# --- the campaign page's count of evaluations --------------------------------------------------------------


def test_the_campaign_page_never_counts_more_evaluations_than_members(app_ctx, make_client):
    """An evaluation left behind by a member who left does not count (as at the close), so the
    page never says "3 of 2 members"; after the close it shows the frozen scorecard's figures."""
    start = now() - timedelta(days=3)
    panel, admin, (first, second), (spare,) = _panel_with_reserve(start)
    campaign = campaign_between(admin, panel, make_service(admin), start + timedelta(hours=1), now() + timedelta(days=3))
    evaluate(first, campaign, [3, 3], at=now())
    evaluate(second, campaign, [4, 4], at=now())
    with write_transaction():
        services.leave(first, panel, now())
    with write_transaction():
        assert services.fill_place(admin, panel, now()).user_id == spare.id
    evaluate(spare, campaign, [5, 5], at=now())
    visitor = make_client()
    visitor.use_english()
    page = visitor.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "2 of 2 members" in page and "3 of 2 members" not in page
    card = close(campaign, campaign.closes_at + timedelta(minutes=1))
    assert (card.submitted, card.members) == (2, 2)
    with write_transaction():
        services.leave(second, panel, campaign.closes_at + timedelta(hours=1))  # after the close: the card does not move
    page = visitor.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "2 of 2 members" in page


# --- a published scorecard must not give an unpublished one away -----------------------------------------


def test_the_change_against_an_unpublished_previous_scorecard_is_not_shown(app_ctx, make_client):
    start = now() - timedelta(days=60)
    first = scored_campaign(start, scores=[(1, 1)] * 4, title="상반기", publish_delay_days=300)
    close(first.campaign)
    second = scored_campaign(start + timedelta(days=10), service=first.service, admin=first.admin, title="하반기")
    close(second.campaign)
    answer(official_of(first.service.department), second.campaign)
    with write_transaction():
        services.publish_early(first.admin, second.campaign, now())
    visitor = make_client()
    visitor.use_english()
    assert visitor.get(f"/campaigns/{first.campaign.id}/scorecard").status_code in (302, 401)  # not public yet
    page = visitor.get(f"/campaigns/{second.campaign.id}/scorecard").get_data(as_text=True)
    assert "against the previous campaign" not in page  # overall minus the change would be the hidden score
    trend = visitor.get(f"/services/{first.service.id}").get_data(as_text=True)
    assert "+2.67" not in trend
    # The administration, who may read the earlier scorecard, still sees the change.
    boss = make_client()
    boss.login(first.admin.email)
    boss.use_english()
    assert "+2.67 against the previous campaign" in boss.get(f"/campaigns/{second.campaign.id}/scorecard").get_data(as_text=True)
    # Once the earlier one is published, everyone does.
    with write_transaction():
        services.publish_due_scorecards(first.campaign.publishes_at)
    assert "+2.67 against the previous campaign" in visitor.get(f"/campaigns/{second.campaign.id}/scorecard").get_data(as_text=True)
    assert "+2.67" in visitor.get(f"/services/{first.service.id}").get_data(as_text=True)


# --- the agreement reading ------------------------------------------------------------------------------------


def test_the_agreement_reading_says_why_alpha_is_missing(app_ctx, make_client):
    start = now() - timedelta(days=40)
    same = scored_campaign(start, scores=[(4, 4)] * 4, title="모두 같음")
    card = close(same.campaign)
    assert card.alpha is None and card.submitted == 4
    boss = make_client()
    boss.login(same.admin.email)
    boss.use_english()
    page = boss.get(f"/campaigns/{same.campaign.id}/scorecard").get_data(as_text=True)
    assert "Too few scores" not in page  # four panelists scored: there were enough, they did not vary
    assert "the scores did not vary" in page
    assert services.agreement_reading(card) == "no_variation"
    # One criterion: alpha is left out by construction, whatever the number of scores.
    single = SimpleCampaign.one_criterion(start)
    assert services.agreement_reading(single) == "one_criterion"


class SimpleCampaign:
    @staticmethod
    def one_criterion(start):
        from tests.panels.helpers import panel_drawn_at

        panel, people, admin = panel_drawn_at(3, start)
        campaign = campaign_between(admin, panel, make_service(admin), start + timedelta(days=1), start + timedelta(days=8),
                                    criteria=(("정시성", 1.0),))
        for person, value in zip(people, (2, 4, 5), strict=True):
            evaluate(person, campaign, [value], at=start + timedelta(days=2))
        return close(campaign)


# --- appointing by hand on a lottery panel -----------------------------------------------------------------


def test_a_place_given_by_hand_on_a_lottery_panel_is_not_shown_as_the_published_rule(app_ctx, make_client):
    start = now() - timedelta(days=3)
    panel, admin, (first, _second), reserve = _panel_with_reserve(start, reserve=2)
    with write_transaction():
        services.leave(first, panel, now())
    db.session.expire_all()
    by_rule = lottery.fill(panel.draw_seed, lottery.read_applicants_csv(io.StringIO(services.applicants_csv(panel))),
                           panel.target_size, [m.pseudonym for m in services.members(panel)],
                           {m.pseudonym for m in services.applicants(panel) if m.status != MemberStatus.NOT_SELECTED})
    chosen = next(services.application_of(p, panel) for p in reserve if services.application_of(p, panel).pseudonym != by_rule)
    with write_transaction():
        member = services.appoint(admin, db.session.get(Panel, panel.id), db.session.get(PanelMember, chosen.id), now())
    assert member.selected_by == "appointment"  # not "replacement", which reads "from the reserve" by the rule
    visitor = make_client()
    visitor.use_english()
    page = visitor.get(f"/panels/{panel.id}").get_data(as_text=True)
    assert "from the reserve" not in page and "(appointed)" in page


# --- the lottery's published list and rule --------------------------------------------------------------------


def test_the_published_list_gives_the_same_draw_whatever_the_unicode_form_of_its_names(app_ctx, client):
    """A 구 whose name was typed decomposed (jamo) sorts before precomposed names, so a copy of the list
    normalised by an editor re-ran to another draw. Strata are NFC on both sides now."""
    admin = make_admin()
    closes = now() - timedelta(hours=1)
    panel = panel_recruiting_between(admin, closes - timedelta(days=10), closes, size=3, strata=("district",))
    decomposed = make_district(unicodedata.normalize("NFD", "하늘구"))
    composed = make_district("가람구")
    dong = make_district("구름동", parent=decomposed)
    people = [make_user() for _ in range(6)]
    for person, district in zip(people, [dong, decomposed, decomposed, composed, composed, composed], strict=True):
        with write_transaction():
            services.apply(person, panel, district.id, "30-39", True, closes - timedelta(days=5))
    with write_transaction():
        result = services.draw(admin, panel, closes, seed="nfc")
    text = client.get(f"/panels/{panel.id}/applicants.csv").data.decode("utf-8-sig")
    assert unicodedata.normalize("NFC", text) == text  # published in NFC, 동 counted in its 구
    assert text.count("하늘구") == 3 and "구름동" not in text
    members = {m.pseudonym for m in services.members(panel)}
    for form in ("NFC", "NFD"):
        rerun = lottery.draw("nfc", lottery.read_applicants_csv(io.StringIO(unicodedata.normalize(form, text))), 3)
        assert set(rerun.selected) == members == set(result.selected)


def test_the_downloadable_program_applies_the_fill_rule_the_site_applies(app_ctx):
    """lottery.py described another rule (the leaver's own stratum, no word on ties); the site fills the
    stratum furthest below its seats, which after a fall-back to another stratum is not the leaver's. The
    downloadable program now holds the site's rule, so anyone can check a fill as they check the draw."""
    admin = make_admin()
    closes = now() - timedelta(hours=1)
    panel = panel_recruiting_between(admin, closes - timedelta(days=10), closes, size=4, strata=("district",))
    a, b = make_district("가구"), make_district("나구")
    # 가구: 1 applicant (1 seat, nobody in reserve), 나구: 6 applicants (3 seats, 3 in reserve)
    layout = [a, b, b, b, b, b, b]
    people = [make_user() for _ in layout]
    for person, district in zip(people, layout, strict=True):
        with write_transaction():
            services.apply(person, panel, district.id, "30-39", True, closes - timedelta(days=5))
    with write_transaction():
        services.draw(admin, panel, closes, seed="fill-rule")
    by_user = {p.id: p for p in people}

    def member_in(name):
        return next(m for m in services.members(db.session.get(Panel, panel.id)) if m.stratum(panel.strata) == (name,))

    moment = closes + timedelta(days=1)
    with write_transaction():  # 가구 loses a member and has no reserve: the place falls back to 나구
        services.leave(by_user[member_in("가구").user_id], panel, moment)
    with write_transaction():
        assert services.fill_place(admin, panel, moment).stratum(panel.strata) == ("나구",)
    with write_transaction():  # now a 나구 member leaves
        services.leave(by_user[member_in("나구").user_id], panel, moment)
    db.session.expire_all()
    panel = db.session.get(Panel, panel.id)
    public = lottery.read_applicants_csv(io.StringIO(services.applicants_csv(panel)))
    rows = services.applicants(panel)
    members = [m.pseudonym for m in rows if m.status == MemberStatus.SELECTED]
    unavailable = {m.pseudonym for m in rows if m.status != MemberStatus.NOT_SELECTED}
    expected = lottery.fill("fill-rule", public, 4, members, unavailable)
    with write_transaction():
        filled = services.fill_place(admin, panel, moment)
    assert filled.pseudonym == expected
    held = Counter(m.stratum(panel.strata) for m in services.members(db.session.get(Panel, panel.id)))
    assert held == {("나구",): 4}


# --- bad input ----------------------------------------------------------------------------------------------------


def test_an_odd_panel_id_in_the_new_campaign_link_is_ignored(admin_client):
    for odd in ("²", "٣", "9" * 5000, "-1", "abc"):
        assert admin_client.get(f"/campaigns/new?panel_id={odd}").status_code == 200


def test_counting_queries_stays_on_members(app_ctx):
    """participation() counts only the panel's current members' submitted evaluations."""
    start = now() - timedelta(days=3)
    panel, admin, (first, second), _reserve = _panel_with_reserve(start)
    campaign = campaign_between(admin, panel, make_service(admin), start + timedelta(hours=1), now() + timedelta(days=3))
    evaluate(first, campaign, [3, None], submit=False, at=now())
    evaluate(second, campaign, [4, 4], at=now())
    assert services.participation(campaign) == (1, 2)
    assert db.session.scalar(select(PanelMember.status).where(PanelMember.user_id == first.id)) == MemberStatus.SELECTED


# --- messages ---------------------------------------------------------------------------------------------------


def test_the_scorecard_answer_form_explains_decisions_about_findings_not_an_idea(app_ctx, make_client):
    start = now() - timedelta(days=40)
    setting = scored_campaign(start)
    close(setting.campaign)
    official = make_client()
    official.login(official_of(setting.answering).email)
    official.use_english()
    page = official.get(f"/campaigns/{setting.campaign.id}/response").get_data(as_text=True)
    assert "the idea" not in page
    assert "accepts the panel's findings" in page


def test_a_visit_date_too_far_back_is_refused_with_its_own_reason(app_ctx):
    from datetime import date

    from tests.panels.helpers import english, refused

    start = now() - timedelta(days=3)
    panel, admin, (first, _second), _reserve = _panel_with_reserve(start)
    campaign = campaign_between(admin, panel, make_service(admin), start + timedelta(hours=1), now() + timedelta(days=3))
    data = services.EvaluationData(scores={c.id: 3 for c in campaign.criteria}, visit_date=date(2000, 1, 1), submit=True)
    error = refused(lambda: services.save_evaluation(first, campaign, data, now()))
    assert error.field == "visit_date"
    assert "no later than today" not in english(error.message)  # 2000 is not in the future
    assert "no earlier than" in english(error.message)
