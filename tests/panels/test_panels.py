"""Panels: applying, withdrawing, the stratified draw (reproducible from the public list and seed),
appointment, leaving and filling a place from the reserve, and the rules frozen by the draw."""
from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from participation.core.audit import AuditEvent
from participation.core.db import write_transaction
from participation.core.time import now
from participation.extensions import db
from participation.panels import lottery, services
from participation.panels.models import MemberStatus, Panel, PanelMember
from tests.factories import make_district, make_user
from tests.panels.helpers import apply_many, english, make_admin, make_panel, panel_recruiting_between, refused

# Ten applicants over 2 districts x 2 age bands, 4 + 3 + 2 + 1 of them.
LAYOUT = [(0, "30-39")] * 4 + [(0, "60-69")] * 3 + [(1, "30-39")] * 2 + [(1, "60-69")] * 1


def stratified_panel(target=5, layout=LAYOUT, *, admin=None):
    """A lottery panel (district x age band) whose recruitment has closed, with `layout` applicants;
    returns (panel, people, districts, admin, closes_at)."""
    admin = admin or make_admin()
    closes = now() - timedelta(hours=1)
    panel = panel_recruiting_between(admin, closes - timedelta(days=10), closes, size=target)
    districts = [make_district(), make_district()]
    people = [make_user() for _ in layout]
    for person, (district, band) in zip(people, layout, strict=True):
        with write_transaction():
            services.apply(person, panel, districts[district].id, band, True, closes - timedelta(days=5))
    return panel, people, districts, admin, closes


def statuses(panel) -> dict[str, str]:
    db.session.expire_all()
    return {m.pseudonym: m.status for m in db.session.scalars(select(PanelMember).where(PanelMember.panel_id == panel.id))}


def member_rows(panel) -> list[PanelMember]:
    db.session.expire_all()
    return services.members(db.session.get(Panel, panel.id))


# --- applying ----------------------------------------------------------------------------------------


def test_applying_during_recruitment_records_a_pseudonymous_application(app_ctx):
    panel = make_panel()
    person, district = make_user(), make_district()
    with write_transaction():
        member = services.apply(person, panel, district.id, "40-49", True, now())
    assert member.status == MemberStatus.APPLIED and member.pseudonym.startswith("P-") and len(member.pseudonym) == 8
    assert (member.district_id, member.age_band, member.joined_at) == (district.id, "40-49", None)
    assert member.consented_at is not None
    assert [m.id for m in services.applicants(panel)] == [member.id]
    assert services.members(panel) == []


def test_applying_outside_recruitment_is_refused_with_the_reason(app_ctx):
    panel = make_panel()
    person, district = make_user(), make_district()
    early = refused(lambda: services.apply(person, panel, district.id, "30-39", True, panel.recruitment_opens_at - timedelta(seconds=1)))
    assert early.code == "not_allowed" and english(early.message).startswith("Applications open on ")
    late = refused(lambda: services.apply(person, panel, district.id, "30-39", True, panel.recruitment_closes_at))
    assert late.code == "not_allowed" and english(late.message) == "Recruitment for this panel has closed."
    assert services.apply_refusal(person, panel, panel.recruitment_closes_at + timedelta(days=1)) is not None
    assert services.applicants(panel) == []


def test_recruitment_ends_with_the_draw_even_inside_the_window(app_ctx):
    panel = make_panel(size=1)
    admin = make_admin()
    apply_many(panel, [make_user()])
    db.session.execute(Panel.__table__.update().where(Panel.id == panel.id).values(recruitment_closes_at=now() - timedelta(seconds=1)))
    db.session.commit()
    db.session.refresh(panel)
    with write_transaction():
        services.draw(admin, panel, now())
    # Even were the window reopened, a drawn panel takes no more applications.
    inside = panel.recruitment_opens_at + timedelta(minutes=5)
    assert english(services.apply_refusal(make_user(), panel, inside)) == "Recruitment for this panel has closed."


def test_applying_twice_is_refused_but_reapplying_after_withdrawing_is_allowed(app_ctx):
    panel = make_panel()
    person, district = make_user(), make_district()
    at = now()
    with write_transaction():
        first = services.apply(person, panel, district.id, "30-39", True, at)
    pseudonym = first.pseudonym
    again = refused(lambda: services.apply(person, panel, district.id, "40-49", True, at))
    assert again.code == "not_allowed" and english(again.message) == "You have already applied to this panel."
    with write_transaction():
        services.withdraw_application(person, panel, at)
    with write_transaction():
        back = services.apply(person, panel, district.id, "40-49", True, at + timedelta(minutes=1))
    # The same row comes back, with the same pseudonym and the new answers.
    assert (back.id, back.pseudonym, back.status, back.age_band) == (first.id, pseudonym, "applied", "40-49")
    assert db.session.scalar(select(func.count()).select_from(PanelMember)) == 1


def test_an_application_needs_a_district_an_age_band_and_consent(app_ctx):
    panel = make_panel()
    person = make_user()
    district = make_district().id
    cases = [
        (district, "30-39", False, "no_consent", "consent", "Agree to how your application is used to apply."),
        (district, "25-35", True, "bad_age_band", "age_band", "Choose your age band."),
        (district, None, True, "bad_age_band", "age_band", "Choose your age band."),
        (999_999, "30-39", True, "bad_district", "district_id", "Choose the district you live in."),
        (None, "30-39", True, "bad_district", "district_id", "Choose the district you live in."),
    ]
    for district_id, band, consent, code, field, message in cases:
        error = refused(lambda d=district_id, b=band, c=consent: services.apply(person, panel, d, b, c, now()))
        assert (error.code, error.field, english(error.message)) == (code, field, message)
    assert services.applicants(panel) == []


def test_a_retired_district_cannot_be_chosen(app_ctx):
    panel = make_panel()
    district = make_district()
    district.retired_at = now()
    db.session.commit()
    error = refused(lambda: services.apply(make_user(), panel, district.id, "30-39", True, now()))
    assert error.code == "bad_district"


def test_withdrawing_takes_the_application_off_the_public_list(app_ctx):
    panel = make_panel()
    stays, leaves = make_user(), make_user()
    apply_many(panel, [stays, leaves])
    at = now()
    with write_transaction():
        services.withdraw_application(leaves, panel, at)
    assert [m.user_id for m in services.applicants(panel)] == [stays.id]
    withdrawn = services.application_of(leaves, panel)
    assert withdrawn.status == MemberStatus.WITHDRAWN
    assert withdrawn.pseudonym not in services.applicants_csv(panel)
    twice = refused(lambda: services.withdraw_application(leaves, panel, at))
    assert twice.code == "no_application" and english(twice.message) == "You have no application waiting for the draw."
    never = refused(lambda: services.withdraw_application(make_user(), panel, at))
    assert never.code == "no_application"


def test_withdrawing_is_for_applications_waiting_for_the_draw(app_ctx):
    panel, people, _districts, admin, closes = stratified_panel(target=10)
    with write_transaction():
        services.draw(admin, panel, closes + timedelta(seconds=1), seed="s")
    error = refused(lambda: services.withdraw_application(people[0], panel, closes + timedelta(minutes=1)))
    assert error.code == "no_application"
    assert services.application_of(people[0], panel).status == MemberStatus.SELECTED


# --- the draw ------------------------------------------------------------------------------------------


def test_the_draw_is_the_published_lottery_on_the_public_list(app_ctx, client):
    panel, people, _districts, admin, closes = stratified_panel()
    seed = "2026-panel-seed"
    with write_transaction():
        result = services.draw(admin, panel, closes + timedelta(seconds=1), seed=seed)
    panel = db.session.get(Panel, panel.id)
    assert (panel.draw_seed, panel.drawn_at) == (seed, closes + timedelta(seconds=1))
    members = {m.pseudonym for m in member_rows(panel)}
    assert members == set(result.selected) and len(members) == 5
    # Anyone can re-run it: the downloaded list (with its byte order mark) and the seed give the same members.
    download = client.get(f"/panels/{panel.id}/applicants.csv")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    public = lottery.read_applicants_csv(io.BytesIO(download.data))
    assert len(public) == 10 and {a.pseudonym for a in public} == set(statuses(panel))
    rerun = lottery.draw(seed, public, panel.target_size)
    assert set(rerun.selected) == members
    assert lottery.draw(seed, list(reversed(public)), panel.target_size) == rerun  # the list's order does not matter
    assert services.draw_result(panel) == rerun
    # The same seed and applicants always give the same members; the statuses say who is in reserve.
    assert {p for p, s in statuses(panel).items() if s == MemberStatus.NOT_SELECTED} == set(rerun.reserve)
    assert {m.selected_by for m in member_rows(panel)} == {"lottery"}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "panel.drawn"))
    assert event.data == {"seed": seed, "selected": 5, "applicants": 10}
    # The applicant list names nobody: pseudonyms, districts and age bands only.
    text = download.get_data(as_text=True)
    assert all(p.email not in text and p.display_name not in text for p in people)
    assert text.lstrip("\ufeff").splitlines()[0] == "pseudonym,district,age_band"


def test_the_draw_gives_each_stratum_its_largest_remainder_quota(app_ctx):
    panel, _people, districts, admin, closes = stratified_panel(target=5)
    with write_transaction():
        result = services.draw(admin, panel, closes + timedelta(seconds=1), seed="quota-seed")
    a, b = districts[0].name_ko, districts[1].name_ko
    applied = {(a, "30-39"): 4, (a, "60-69"): 3, (b, "30-39"): 2, (b, "60-69"): 1}
    # Shares of 5 seats: 4*5/10 = 2.0, 3*5/10 = 1.5, 2*5/10 = 1.0, 1*5/10 = 0.5. Floors 2 + 1 + 1 + 0 = 4;
    # the last seat goes to the largest remainder: 0.5 and 0.5 tie, the stratum with more applicants (3) wins.
    expected = {(a, "30-39"): 2, (a, "60-69"): 2, (b, "30-39"): 1, (b, "60-69"): 0}
    assert lottery.allocate_quotas(applied, 5) == expected == result.quotas
    held = Counter(m.stratum(panel.strata) for m in member_rows(panel))
    assert {s: held.get(s, 0) for s in expected} == expected


def test_a_panel_without_strata_draws_from_one_pool(app_ctx):
    admin = make_admin()
    closes = now() - timedelta(hours=1)
    panel = panel_recruiting_between(admin, closes - timedelta(days=3), closes, size=2, strata=())
    apply_many(panel, [make_user() for _ in range(5)], districts=[make_district(), make_district()], bands=("30-39", "70+"))
    with write_transaction():
        result = services.draw(admin, panel, closes, seed="one-pool")
    assert result.quotas == {(): 2} and len(member_rows(panel)) == 2
    assert services.applicants_csv(panel).splitlines()[0] == "pseudonym"


def test_the_draw_waits_for_recruitment_to_close(app_ctx):
    panel, _people, _districts, admin, closes = stratified_panel()
    early = refused(lambda: services.draw(admin, panel, closes - timedelta(seconds=1), seed="s"))
    assert early.code == "recruiting" and english(early.message).startswith("The draw is made after recruitment closes on ")
    assert db.session.get(Panel, panel.id).drawn_at is None
    assert set(statuses(panel).values()) == {"applied"}


def test_the_draw_is_made_once(app_ctx):
    panel, _people, _districts, admin, closes = stratified_panel()
    with write_transaction():
        services.draw(admin, panel, closes, seed="first")
    before = statuses(panel)
    again = refused(lambda: services.draw(admin, panel, closes + timedelta(days=1), seed="second"))
    assert again.code == "already_drawn" and english(again.message) == "The draw has already been made."
    assert statuses(panel) == before and db.session.get(Panel, panel.id).draw_seed == "first"


def test_the_draw_is_refused_to_non_admins_appointment_panels_and_empty_panels(app_ctx):
    panel, _people, _districts, _admin, closes = stratified_panel()
    assert refused(lambda: services.draw(make_user(), panel, closes)).code == "not_allowed"
    admin = make_admin()
    appointed = panel_recruiting_between(admin, closes - timedelta(days=2), closes, method="appointment")
    assert refused(lambda: services.draw(admin, appointed, closes)).code == "not_lottery"
    empty = panel_recruiting_between(admin, closes - timedelta(days=2), closes)
    error = refused(lambda: services.draw(admin, empty, closes))
    assert error.code == "no_applicants" and english(error.message) == "Nobody has applied, so there is nothing to draw."


def test_a_drawn_seed_is_random_and_published(app_ctx):
    panel, _people, _districts, admin, closes = stratified_panel()
    with write_transaction():
        result = services.draw(admin, panel, closes)
    seed = db.session.get(Panel, panel.id).draw_seed
    assert seed == result.seed and len(seed) == 32 and int(seed, 16) >= 0


# --- appointment ---------------------------------------------------------------------------------------


def test_an_appointment_panel_is_filled_by_hand_up_to_its_size(app_ctx):
    admin = make_admin()
    panel = make_panel(admin, size=2, method="appointment")
    applications = apply_many(panel, [make_user() for _ in range(3)])
    at = now()
    for member in applications[:2]:
        with write_transaction():
            services.appoint(admin, panel, member, at)
    assert {m.id for m in member_rows(panel)} == {applications[0].id, applications[1].id}
    assert {m.selected_by for m in member_rows(panel)} == {"appointment"}
    # The selection has begun: its rules are history; applications stay open within the window
    # (an appointment panel keeps appointing), unlike a lottery panel after its draw.
    assert db.session.get(Panel, panel.id).drawn_at == at
    assert db.session.get(Panel, panel.id).is_recruiting(at)
    full = refused(lambda: services.appoint(admin, panel, db.session.get(PanelMember, applications[2].id), at))
    assert full.code == "full" and english(full.message) == "The panel is full (2 members)."
    assert db.session.get(PanelMember, applications[2].id).status == MemberStatus.APPLIED


def test_appointing_needs_an_admin_an_applicant_and_for_a_lottery_panel_the_draw(app_ctx):
    admin = make_admin()
    panel = make_panel(admin, size=3, method="appointment")
    first, second = apply_many(panel, [make_user(), make_user()])
    assert refused(lambda: services.appoint(make_user(), panel, first, now())).code == "not_allowed"
    with write_transaction():
        services.withdraw_application(db.session.get(PanelMember, second.id).user, panel, now())
    assert refused(lambda: services.appoint(admin, panel, db.session.get(PanelMember, second.id), now())).code == "not_applicant"
    with write_transaction():
        services.appoint(admin, panel, db.session.get(PanelMember, first.id), now())
    assert refused(lambda: services.appoint(admin, panel, db.session.get(PanelMember, first.id), now())).code == "not_applicant"
    other = make_panel(admin, size=3)
    assert refused(lambda: services.appoint(admin, other, db.session.get(PanelMember, first.id), now())).code == "not_applicant"
    lottery_panel = make_panel(admin, size=3)
    (waiting,) = apply_many(lottery_panel, [make_user()])
    error = refused(lambda: services.appoint(admin, lottery_panel, waiting, now()))
    assert error.code == "not_drawn"


# --- leaving and filling a place ---------------------------------------------------------------------------


def test_a_place_left_is_filled_from_the_same_stratum_by_the_published_rule(app_ctx):
    panel, people, districts, admin, closes = stratified_panel(target=5)
    seed = "fill-seed"
    with write_transaction():
        result = services.draw(admin, panel, closes, seed=seed)
    by_user = {p.id: p for p in people}
    stratum_b = (districts[0].name_ko, "60-69")  # 3 applicants, 2 seats: one in reserve
    leaver = next(m for m in member_rows(panel) if m.stratum(panel.strata) == stratum_b)
    later = closes + timedelta(days=1)
    with write_transaction():
        services.leave(by_user[leaver.user_id], panel, later)
    assert db.session.get(PanelMember, leaver.id).status == MemberStatus.LEFT
    assert db.session.get(PanelMember, leaver.id).left_at == later
    assert len(member_rows(panel)) == 4
    with write_transaction():
        filled = services.fill_place(admin, panel, later + timedelta(hours=1))
    # The published rule: the first of the same stratum, by key, who is neither a member nor has left.
    public = lottery.read_applicants_csv(io.StringIO(services.applicants_csv(panel)))
    members_and_left = {p for p, s in statuses(panel).items() if s in ("selected", "left")} - {filled.pseudonym}
    assert filled.pseudonym == lottery.replacement(seed, public, stratum_b, members_and_left)
    assert filled.pseudonym == next(p for p in result.reserve if p in {a.pseudonym for a in public if a.stratum == stratum_b})
    assert filled.stratum(panel.strata) == stratum_b
    assert (filled.status, filled.selected_by, filled.joined_at) == ("selected", "replacement", later + timedelta(hours=1))
    assert len(member_rows(panel)) == 5
    full = refused(lambda: services.fill_place(admin, panel, later + timedelta(hours=2)))
    assert full.code == "full" and english(full.message) == "The panel is full (5 members)."


def test_when_the_stratum_has_nobody_left_the_place_goes_to_the_first_by_key_among_all(app_ctx):
    panel, people, districts, admin, closes = stratified_panel(target=5)
    seed = "empty-stratum"
    with write_transaction():
        result = services.draw(admin, panel, closes, seed=seed)
    by_user = {p.id: p for p in people}
    stratum = (districts[1].name_ko, "30-39")  # 2 applicants, 1 seat: one in reserve
    (leaver,) = [m for m in member_rows(panel) if m.stratum(panel.strata) == stratum]
    with write_transaction():
        services.leave(by_user[leaver.user_id], panel, closes + timedelta(days=1))
    with write_transaction():
        first = services.fill_place(admin, panel, closes + timedelta(days=1))
    assert first.stratum(panel.strata) == stratum
    with write_transaction():
        services.leave(by_user[first.user_id], panel, closes + timedelta(days=2))
    with write_transaction():
        second = services.fill_place(admin, panel, closes + timedelta(days=2))
    # Nobody is left in that stratum: the first remaining reserve applicant by key, whatever the stratum.
    remaining = [p for p in result.reserve if p != first.pseudonym]
    assert second.pseudonym == min(remaining, key=lambda p: lottery.order_key(seed, p))
    assert second.stratum(panel.strata) != stratum


def test_filling_needs_a_drawn_lottery_panel_and_someone_in_reserve(app_ctx):
    panel, people, _districts, admin, closes = stratified_panel(target=10)  # everyone is drawn: no reserve
    assert refused(lambda: services.fill_place(admin, panel, closes)).code == "not_drawn"
    with write_transaction():
        services.draw(admin, panel, closes)
    with write_transaction():
        services.leave(people[0], panel, closes + timedelta(hours=1))
    error = refused(lambda: services.fill_place(admin, panel, closes + timedelta(hours=2)))
    assert error.code == "reserve_empty" and english(error.message) == "Nobody is left on the reserve list."
    assert refused(lambda: services.fill_place(make_user(), panel, closes)).code == "not_allowed"


def test_leaving_is_for_members(app_ctx):
    panel, people, _districts, admin, closes = stratified_panel(target=5)
    with write_transaction():
        services.draw(admin, panel, closes, seed="s")
    outsider = next(p for p in people if services.application_of(p, panel).status == MemberStatus.NOT_SELECTED)
    error = refused(lambda: services.leave(outsider, panel, closes))
    assert error.code == "not_member" and english(error.message) == "You are not a member of this panel."
    member = next(p for p in people if services.application_of(p, panel).status == MemberStatus.SELECTED)
    with write_transaction():
        services.leave(member, panel, closes)
    assert refused(lambda: services.leave(member, panel, closes)).code == "not_member"


# --- the rules the draw freezes -------------------------------------------------------------------------------


def panel_data(panel, **changes) -> services.PanelData:
    values = dict(
        name=panel.name, purpose=panel.purpose, department_id=panel.department_id, term_starts_on=panel.term_starts_on,
        term_ends_on=panel.term_ends_on, target_size=panel.target_size, strata=list(panel.strata), selection_method=panel.selection_method,
        recruitment_opens_at=panel.recruitment_opens_at, recruitment_closes_at=panel.recruitment_closes_at,
    )
    values.update(changes)
    return services.PanelData(**values)


def test_before_the_draw_everything_can_change(app_ctx):
    panel, _people, _districts, admin, _closes = stratified_panel()
    with write_transaction():
        services.update_panel(admin, panel, panel_data(panel, target_size=7, strata=["district"]), now())
    panel = db.session.get(Panel, panel.id)
    assert (panel.target_size, panel.strata) == (7, ["district"])


def test_after_the_draw_size_strata_method_and_recruitment_cannot_change(app_ctx):
    panel, _people, _districts, admin, closes = stratified_panel()
    with write_transaction():
        services.draw(admin, panel, closes, seed="s")
    panel = db.session.get(Panel, panel.id)
    changes = [
        {"target_size": 6},
        {"strata": ["district"]},
        {"strata": []},
        {"selection_method": "appointment"},
        {"recruitment_closes_at": panel.recruitment_closes_at + timedelta(days=1)},
        {"recruitment_opens_at": panel.recruitment_opens_at - timedelta(days=1)},
    ]
    for change in changes:
        error = refused(lambda change=change, panel=panel: services.update_panel(admin, panel, panel_data(panel, **change), now()))
        assert error.code == "frozen", change
        assert english(error.message) == "Members have been selected, so the size, strata, method and recruitment dates can no longer change."
        db.session.expire_all()
        panel = db.session.get(Panel, panel.id)
        assert (panel.target_size, panel.strata, panel.selection_method) == (5, ["district", "age_band"], "lottery")


def test_after_the_draw_the_name_and_purpose_can_still_change(app_ctx):
    panel, _people, _districts, admin, closes = stratified_panel()
    with write_transaction():
        services.draw(admin, panel, closes, seed="s")
    panel = db.session.get(Panel, panel.id)
    # The same strata in another order are the same strata.
    data = panel_data(panel, name="새 이름", purpose="새 목적", strata=["age_band", "district"])
    with write_transaction():
        services.update_panel(admin, panel, data, now())
    db.session.expire_all()
    panel = db.session.get(Panel, panel.id)
    assert (panel.name, panel.purpose, panel.strata) == ("새 이름", "새 목적", ["district", "age_band"])


def test_panel_settings_are_checked(app_ctx):
    admin = make_admin()
    panel = make_panel(admin)
    cases = {
        "bad_size": {"target_size": 0},
        "bad_strata": {"strata": ["income"]},
        "bad_method": {"selection_method": "auction"},
        "bad_window": {"recruitment_closes_at": panel.recruitment_opens_at},
        "bad_term": {"term_ends_on": panel.term_starts_on - timedelta(days=1)},
        "empty": {"name": "  "},
        "bad_department": {"department_id": 999_999},
    }
    for code, change in cases.items():
        assert refused(lambda change=change: services.update_panel(admin, panel, panel_data(panel, **change), now())).code == code, code
    assert refused(lambda: services.update_panel(make_user(), panel, panel_data(panel), now())).code == "not_allowed"
    assert refused(lambda: services.create_panel(make_user(), panel_data(panel), now())).code == "not_allowed"


# --- over HTTP ------------------------------------------------------------------------------------------------------


def test_applying_withdrawing_and_leaving_over_http(make_client, app_ctx):
    admin = make_admin()
    panel = make_panel(admin, size=1)
    district = make_district()
    person = make_user(district=district)
    client = make_client()
    client.login(person.email)
    client.use_english()
    url = f"/panels/{panel.id}/apply"
    bad = client.post_form(url, {"district_id": district.id, "age_band": "12-18", "consent": "y"}, token_from=url)
    assert bad.status_code == 422
    assert client.post_form(url, {"district_id": district.id, "age_band": "30-39", "consent": "y"}, token_from=url).status_code == 302
    assert services.application_of(person, panel).status == MemberStatus.APPLIED
    # Applied already: the form is not offered again.
    assert client.get(url).status_code == 403
    withdrawn = client.post_form(f"/panels/{panel.id}/withdraw", {}, token_from=f"/panels/{panel.id}")
    assert withdrawn.status_code == 302
    db.session.expire_all()
    assert services.application_of(person, panel).status == MemberStatus.WITHDRAWN
    assert client.post_form(url, {"district_id": district.id, "age_band": "30-39", "consent": "y"}, token_from=url).status_code == 302
    # The draw, by an admin, after recruitment.
    db.session.execute(Panel.__table__.update().where(Panel.id == panel.id).values(recruitment_closes_at=now() - timedelta(seconds=1)))
    db.session.commit()
    staff = make_client()
    staff.login(admin.email)
    assert client.post_form(f"/panels/{panel.id}/draw", {}, token_from=f"/panels/{panel.id}").status_code == 403
    assert staff.post_form(f"/panels/{panel.id}/draw", {}, token_from=f"/panels/{panel.id}").status_code == 302
    db.session.expire_all()
    assert services.application_of(person, panel).status == MemberStatus.SELECTED
    page = client.get(f"/panels/{panel.id}")
    assert page.status_code == 200 and db.session.get(Panel, panel.id).draw_seed in page.get_data(as_text=True)
    left = client.post_form(f"/panels/{panel.id}/leave", {}, token_from=f"/panels/{panel.id}")
    assert left.status_code == 302
    db.session.expire_all()
    assert services.application_of(person, panel).status == MemberStatus.LEFT
    # No reserve is left: the admin is told so, and nothing changes.
    refusal = staff.post_form(f"/panels/{panel.id}/fill", {}, token_from=f"/panels/{panel.id}")
    assert refusal.status_code == 302
    assert services.members(db.session.get(Panel, panel.id)) == []


def test_appointing_and_editing_over_http(admin_client, make_client, app_ctx):
    panel = make_panel(admin_client.user, size=2, method="appointment")
    (member,) = apply_many(panel, [make_user()])
    resident = make_client()
    resident.login(make_user().email)
    url = f"/panels/{panel.id}/members/{member.id}/appoint"
    assert resident.post_form(url, {}, token_from=f"/panels/{panel.id}").status_code == 403
    assert admin_client.post_form(f"/panels/{panel.id}/members/999999/appoint", {}, token_from=f"/panels/{panel.id}").status_code == 404
    assert admin_client.post_form(url, {}, token_from=f"/panels/{panel.id}").status_code == 302
    assert db.session.get(PanelMember, member.id).status == MemberStatus.SELECTED
    assert resident.get(f"/panels/{panel.id}/edit").status_code == 403
    assert admin_client.get(f"/panels/{panel.id}/edit").status_code == 200
    assert admin_client.get("/panels/999999").status_code == 404


# District names an administrator could have typed before such names were refused at entry. With one
# applicant each and 3 seats for 7, the seats go by code point order of the names, which the ' in front
# of a neutralised name would change: the draw is reproducible only if lottery.py removes it again.
FORMULA_DISTRICTS = ["*구", "-구", '=HYPERLINK("http://evil.example","구")', "@구", "+구", "'s구", "'=구"]


def test_the_applicant_csv_neutralises_formulas_and_still_reproduces_the_draw(client, app_ctx, tmp_path, capsys):
    layout = [(n, "30-39") for n in range(len(FORMULA_DISTRICTS))]
    admin = make_admin()
    closes = now() - timedelta(hours=1)
    panel = panel_recruiting_between(admin, closes - timedelta(days=10), closes, size=3)
    districts = [make_district(name) for name in FORMULA_DISTRICTS]
    for person, (district, band) in zip([make_user() for _ in layout], layout, strict=True):
        with write_transaction():
            services.apply(person, panel, districts[district].id, band, True, closes - timedelta(days=5))
    with write_transaction():
        drawn = services.draw(admin, panel, now(), seed="formula-seed")

    response = client.get(f"/panels/{panel.id}/applicants.csv")
    assert response.status_code == 200
    cells = [cell for row in csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))) for cell in row]
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert "'=HYPERLINK(\"http://evil.example\",\"구\")" in cells and "''s구" in cells

    path = tmp_path / "applicants.csv"
    path.write_bytes(response.data)
    applicants = lottery.read_applicants_csv(path)
    assert sorted(a.stratum[0] for a in applicants) == sorted(FORMULA_DISTRICTS)
    again = lottery.draw("formula-seed", applicants, 3)
    assert again.selected == drawn.selected
    assert {m.pseudonym for m in db.session.scalars(select(PanelMember).where(
        PanelMember.panel_id == panel.id, PanelMember.status == MemberStatus.SELECTED.value))} == set(drawn.selected)
    # The command line gives the same members, with their names as stored.
    assert lottery.main(["formula-seed", "3", str(path)]) == 0
    printed = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert [row[0] for row in printed[1:]] == list(drawn.selected)
    assert {row[1] for row in printed[1:]} == {"'=구", "'s구", "*구"}


def test_the_spreadsheet_neutraliser_is_undone_exactly_by_the_lottery():
    from participation.core.text import SPREADSHEET_FORMULA_STARTS, neutralise

    assert lottery.FORMULA_STARTS == SPREADSHEET_FORMULA_STARTS + ("'",)
    for value in ["", "'", "''", "'=", "=1+1", "+82", "-3", "@SUM(1)", "\t=1", "\r=1", "'s-Hertogenbosch", "구", "a=b", "-"]:
        assert lottery.restore(neutralise(value)) == value
        assert not neutralise(value).startswith(SPREADSHEET_FORMULA_STARTS)
