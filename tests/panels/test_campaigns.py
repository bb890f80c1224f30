"""Campaigns: the rubric (checked, frozen once scheduled) and evaluations (one per panelist, scores
1–5, every criterion on submit, editable until the close, refused after it; evidence photos)."""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from participation.accounts.models import User
from participation.core.db import write_transaction
from participation.core.errors import ServiceError
from participation.core.time import now
from participation.extensions import db
from participation.panels import services
from participation.panels.models import Campaign, CampaignPhase, Criterion, Evaluation, Score
from tests.factories import jpeg_bytes, make_user
from tests.panels.helpers import LABELS, close, drawn_panel, english, evaluate, make_admin, make_campaign, make_service, refused
from tests.voting.test_concurrency import run_in_parallel


@pytest.fixture
def setting(app_ctx):
    """An open campaign (criteria 정시성 weight 2, 친절도 weight 1) of a drawn panel of three."""
    panel, people, admin = drawn_panel(3, recruiting=False)
    service = make_service(admin)
    campaign = make_campaign(admin, panel, service)
    return campaign, people, admin


def draft_campaign(admin=None, *, criteria=()):
    admin = admin or make_admin()
    panel, _people, _ = drawn_panel(1, admin=admin, recruiting=False)
    return make_campaign(admin, panel, make_service(admin), criteria=criteria, schedule=False), admin


def criterion(name="청결도", weight=1.0, labels=None, description=""):
    return services.CriterionData(name, description, weight, list(LABELS) if labels is None else labels)


def data(campaign, scores, *, submit=True, evaluation_id=None, **extra) -> services.EvaluationData:
    return services.EvaluationData(scores=dict(zip([c.id for c in campaign.criteria], scores, strict=False)), submit=submit,
                                   evaluation_id=evaluation_id, **extra)


# --- the rubric ----------------------------------------------------------------------------------------------


def test_a_criterion_needs_a_positive_weight(app_ctx):
    campaign, admin = draft_campaign()
    for weight in (0, 0.0, -1, -0.5, None, 101):
        error = refused(lambda weight=weight: services.add_criterion(admin, campaign, criterion(weight=weight), now()))
        assert (error.code, error.field) == ("bad_weight", "weight"), weight
        assert english(error.message) == "The weight must be a positive number (up to 100)."
    assert db.session.scalar(select(func.count()).select_from(Criterion)) == 0
    with write_transaction():
        services.add_criterion(admin, campaign, criterion(weight=0.25), now())
    assert db.session.scalar(select(Criterion.weight)) == 0.25


def test_a_criterion_needs_a_label_for_every_level(app_ctx):
    campaign, admin = draft_campaign()
    four = refused(lambda: services.add_criterion(admin, campaign, criterion(labels=LABELS[:4]), now()))
    assert four.code == "labels" and english(four.message) == "Give a label for every level from 1 to 5."
    assert refused(lambda: services.add_criterion(admin, campaign, criterion(labels=[]), now())).code == "labels"
    blank = refused(lambda: services.add_criterion(admin, campaign, criterion(labels=[*LABELS[:2], "  ", *LABELS[3:]]), now()))
    assert (blank.code, blank.field, english(blank.message)) == ("empty", "label_3", "The label for 3 is required.")
    missing = refused(lambda: services.add_criterion(admin, campaign, criterion(labels=[None, *LABELS[1:]]), now()))
    assert (missing.code, missing.field) == ("empty", "label_1")
    nameless = refused(lambda: services.add_criterion(admin, campaign, criterion(name=" "), now()))
    assert (nameless.code, nameless.field) == ("empty", "name")
    assert db.session.scalar(select(func.count()).select_from(Criterion)) == 0


def test_criteria_keep_their_order_weights_and_labels(app_ctx):
    campaign, admin = draft_campaign()
    with write_transaction():
        for name, weight in (("정시성", 2), ("친절도", 1.5), ("청결도", 1)):
            services.add_criterion(admin, campaign, criterion(name, weight), now())
    db.session.expire_all()
    campaign = db.session.get(Campaign, campaign.id)
    assert [(c.position, c.name, c.weight) for c in campaign.criteria] == [(1, "정시성", 2.0), (2, "친절도", 1.5), (3, "청결도", 1.0)]
    assert all(c.labels == LABELS for c in campaign.criteria)
    with write_transaction():
        services.remove_criterion(admin, campaign, campaign.criteria[1].id, now())
    db.session.expire_all()
    campaign = db.session.get(Campaign, campaign.id)
    assert [(c.position, c.name) for c in campaign.criteria] == [(1, "정시성"), (2, "청결도")]


def test_a_campaign_without_criteria_cannot_be_scheduled(app_ctx):
    campaign, admin = draft_campaign()
    error = refused(lambda: services.schedule_campaign(admin, campaign, now()))
    assert error.code == "no_criteria" and english(error.message) == "Add at least one criterion to the rubric first."
    assert db.session.get(Campaign, campaign.id).phase(now()) == CampaignPhase.DRAFT


def test_the_rubric_and_settings_are_frozen_once_scheduled(app_ctx):
    campaign, admin = draft_campaign(criteria=(("정시성", 2.0),))
    with write_transaction():
        services.schedule_campaign(admin, campaign, now())
    frozen = "The campaign is scheduled, so its settings and rubric can no longer change."
    added = refused(lambda: services.add_criterion(admin, campaign, criterion(), now()))
    assert added.code == "not_draft" and english(added.message) == frozen
    removed = refused(lambda: services.remove_criterion(admin, campaign, campaign.criteria[0].id, now()))
    assert removed.code == "not_draft"
    settings = services.CampaignData(campaign.title, campaign.panel_id, campaign.service_id, campaign.opens_at, campaign.closes_at)
    assert refused(lambda: services.update_campaign(admin, campaign, settings, now())).code == "not_draft"
    assert refused(lambda: services.schedule_campaign(admin, campaign, now())).code == "not_draft"
    db.session.expire_all()
    assert [(c.name, c.weight) for c in db.session.get(Campaign, campaign.id).criteria] == [("정시성", 2.0)]


def test_the_rubric_is_managed_by_admins_only(app_ctx):
    campaign, admin = draft_campaign(criteria=(("정시성", 2.0),))
    resident = make_user()
    assert refused(lambda: services.add_criterion(resident, campaign, criterion(), now())).code == "not_allowed"
    assert refused(lambda: services.remove_criterion(resident, campaign, campaign.criteria[0].id, now())).code == "not_allowed"
    assert refused(lambda: services.schedule_campaign(resident, campaign, now())).code == "not_allowed"
    assert refused(lambda: services.remove_criterion(admin, campaign, 999_999, now())).code == "no_criterion"


def test_a_campaign_whose_close_has_passed_cannot_be_scheduled(app_ctx):
    campaign, admin = draft_campaign(criteria=(("정시성", 2.0),))
    assert refused(lambda: services.schedule_campaign(admin, campaign, campaign.closes_at)).code == "past"


def test_campaign_settings_are_checked(app_ctx):
    campaign, admin = draft_campaign()

    def settings(**changes):
        values = dict(title=campaign.title, panel_id=campaign.panel_id, service_id=campaign.service_id, opens_at=campaign.opens_at,
                      closes_at=campaign.closes_at, response_days=14, publish_delay_days=14)
        values.update(changes)
        return services.CampaignData(**values)

    cases = [
        ("bad_window", {"closes_at": campaign.opens_at}),
        ("bad_days", {"response_days": 0}),
        ("bad_days", {"publish_delay_days": -1}),
        ("bad_panel", {"panel_id": 999_999}),
        ("bad_service", {"service_id": None}),
        ("empty", {"title": ""}),
    ]
    for code, change in cases:
        assert refused(lambda change=change: services.update_campaign(admin, campaign, settings(**change), now())).code == code, change


# --- evaluations ---------------------------------------------------------------------------------------------


def test_a_score_outside_one_to_five_is_refused(setting):
    campaign, people, _admin = setting
    first, second = campaign.criteria
    for bad in (0, 6, -1, "x", "4", 4.5, True):
        error = refused(lambda bad=bad: services.save_evaluation(people[0], campaign, data(campaign, [bad, 3]), now()))
        assert (error.code, error.field) == ("bad_score", f"score_{first.id}"), bad
        assert english(error.message) == "Score each criterion from 1 to 5."
        # Not even as a draft.
        draft = refused(lambda bad=bad: services.save_evaluation(people[0], campaign, data(campaign, [3, bad], submit=False), now()))
        assert (draft.code, draft.field) == ("bad_score", f"score_{second.id}"), bad
    assert db.session.scalar(select(func.count()).select_from(Evaluation)) == 0


def test_a_final_submit_needs_every_criterion_but_a_draft_does_not(setting):
    campaign, people, _admin = setting
    second = campaign.criteria[1]
    error = refused(lambda: services.save_evaluation(people[0], campaign, data(campaign, [4, None]), now()))
    assert (error.code, error.field) == ("missing_score", f"score_{second.id}")
    assert english(error.message) == "Score every criterion before submitting: 친절도."
    assert db.session.scalar(select(func.count()).select_from(Evaluation)) == 0
    draft = evaluate(people[0], campaign, [4, None], submit=False)
    assert (draft.status, draft.submitted_at) == ("draft", None)
    assert {s.criterion_id: s.value for s in draft.scores} == {campaign.criteria[0].id: 4}
    empty = evaluate(people[1], campaign, [None, None], submit=False)
    assert empty.status == "draft" and empty.scores == []
    done = evaluate(people[0], campaign, [4, 2])
    assert (done.id, done.status) == (draft.id, "submitted") and done.submitted_at is not None


def test_a_criterion_not_in_the_rubric_is_refused(setting):
    campaign, people, _admin = setting
    scores = {c.id: 3 for c in campaign.criteria} | {999_999: 4}
    error = refused(lambda: services.save_evaluation(people[0], campaign, services.EvaluationData(scores=scores, submit=True), now()))
    assert error.code == "no_criterion"


def test_a_second_evaluation_by_the_same_panelist_is_refused(setting):
    campaign, people, _admin = setting
    first = evaluate(people[0], campaign, [4, 4], submit=False)
    error = refused(lambda: services.save_evaluation(people[0], campaign, data(campaign, [2, 2], evaluation_id=None), now()))
    assert error.code == "duplicate"
    assert english(error.message) == "You have already started an evaluation for this campaign. Open it again to edit it."
    # Nor with somebody else's evaluation.
    other = evaluate(people[1], campaign, [3, 3])
    assert refused(lambda: services.save_evaluation(people[0], campaign, data(campaign, [2, 2], evaluation_id=other.id), now())).code == "duplicate"
    assert db.session.scalar(select(func.count()).select_from(Evaluation).where(Evaluation.user_id == people[0].id)) == 1
    db.session.expire_all()
    assert [s.value for s in db.session.get(Evaluation, first.id).scores] == [4, 4]
    # An evaluation id given when none exists (deleted meanwhile): start again.
    assert refused(lambda: services.save_evaluation(people[2], campaign, data(campaign, [2, 2], evaluation_id=first.id), now())).code == "gone"


def test_two_evaluations_submitted_at_once_make_one(app, setting):
    campaign, people, _admin = setting
    campaign_id, user_id, moment = campaign.id, people[0].id, now()
    criteria = [c.id for c in campaign.criteria]
    db.session.commit()

    def submit(values):
        def task():
            user = db.session.get(User, user_id)
            campaign_ = db.session.get(Campaign, campaign_id)
            try:
                with write_transaction():
                    services.save_evaluation(user, campaign_, services.EvaluationData(scores=dict(zip(criteria, values, strict=True)),
                                                                                      submit=True), moment)
            except ServiceError as error:
                return error.code
            return "saved"
        return task

    results = run_in_parallel(app, [submit([5, 5]), submit([1, 1])])
    assert sorted(results) == ["duplicate", "saved"]
    db.session.commit()
    rows = db.session.scalars(select(Evaluation).where(Evaluation.campaign_id == campaign_id)).all()
    assert len(rows) == 1 and rows[0].status == "submitted"
    assert db.session.scalar(select(func.count()).select_from(Score)) == 2
    assert len({s.value for s in rows[0].scores}) == 1  # one whole evaluation, never a mix of the two


def test_an_evaluation_after_the_close_is_refused_even_before_any_sweep(setting):
    campaign, people, _admin = setting
    evaluation = evaluate(people[0], campaign, [4, 4])
    after = campaign.closes_at + timedelta(seconds=1)
    assert db.session.get(Campaign, campaign.id).closed_at is None  # no sweep has run
    error = refused(lambda: services.save_evaluation(people[1], campaign, data(campaign, [3, 3]), after))
    assert error.code == "not_allowed" and english(error.message).startswith("The campaign closed on ")
    assert english(error.message).endswith("; evaluations can no longer be changed.")
    at_the_deadline = refused(lambda: services.save_evaluation(people[1], campaign, data(campaign, [3, 3]), campaign.closes_at))
    assert at_the_deadline.code == "not_allowed"
    edit = refused(lambda: services.save_evaluation(people[0], campaign, data(campaign, [1, 1], evaluation_id=evaluation.id), after))
    assert edit.code == "not_allowed"
    db.session.expire_all()
    assert [s.value for s in db.session.get(Evaluation, evaluation.id).scores] == [4, 4]
    assert db.session.scalar(select(func.count()).select_from(Evaluation)) == 1
    # One second before the deadline still counts.
    evaluate(people[1], campaign, [3, 3], at=campaign.closes_at - timedelta(seconds=1))


def test_an_evaluation_before_the_campaign_opens_is_refused(app_ctx):
    panel, people, admin = drawn_panel(1, recruiting=False)
    campaign = make_campaign(admin, panel, make_service(admin), opens=now() + timedelta(days=1), closes=now() + timedelta(days=3))
    error = refused(lambda: services.save_evaluation(people[0], campaign, data(campaign, [3, 3]), now()))
    assert error.code == "not_allowed" and english(error.message).startswith("The campaign opens on ")


def test_only_current_members_of_the_panel_evaluate(setting):
    campaign, people, admin = setting
    for outsider in (make_user(), admin, make_user(roles={"official"}, department=campaign.service.department)):
        error = refused(lambda outsider=outsider: services.save_evaluation(outsider, campaign, data(campaign, [3, 3]), now()))
        assert error.code == "not_allowed"
        assert english(error.message) == f"Only members of {campaign.panel.name} evaluate in this campaign."
    # A member of another panel is no member of this one.
    _other_panel, others, _ = drawn_panel(1, recruiting=False)
    assert refused(lambda: services.save_evaluation(others[0], campaign, data(campaign, [3, 3]), now())).code == "not_allowed"
    # Someone who has left the panel cannot evaluate any more.
    draft = evaluate(people[0], campaign, [3, None], submit=False)
    with write_transaction():
        services.leave(people[0], campaign.panel, now())
    error = refused(lambda: services.save_evaluation(people[0], campaign, data(campaign, [3, 3], evaluation_id=draft.id), now()))
    assert error.code == "not_allowed"
    assert db.session.scalar(select(func.count()).select_from(Evaluation)) == 1


def test_a_suspended_panelist_cannot_evaluate(setting):
    campaign, people, _admin = setting
    people[0].suspended_until = now() + timedelta(days=3)
    db.session.commit()
    error = refused(lambda: services.save_evaluation(people[0], campaign, data(campaign, [3, 3]), now()))
    assert error.code == "not_allowed" and english(error.message) == "Your account is suspended, so you cannot evaluate now."


def test_a_submitted_evaluation_can_be_edited_until_the_close_and_stays_submitted(setting):
    campaign, people, _admin = setting
    at = now()
    first = evaluate(people[0], campaign, [4, 4], at=at, comment="처음")
    submitted_at = first.submitted_at
    # Saved again without "submit" (the draft button): it stays submitted, with the new scores.
    edited = evaluate(people[0], campaign, [2, 5], submit=False, at=at + timedelta(hours=1), comment="고쳤습니다")
    assert (edited.id, edited.status, edited.submitted_at) == (first.id, "submitted", submitted_at)
    assert edited.updated_at == at + timedelta(hours=1)
    db.session.expire_all()
    evaluation = db.session.get(Evaluation, first.id)
    assert ([s.value for s in sorted(evaluation.scores, key=lambda s: s.criterion_id)], evaluation.comment) == ([2, 5], "고쳤습니다")
    # A submitted evaluation cannot lose a score: it would no longer be complete.
    error = refused(lambda: services.save_evaluation(people[0], campaign, data(campaign, [2, None], evaluation_id=first.id), now()))
    assert error.code == "missing_score"
    # The last second before the close is still "until the close".
    last = evaluate(people[0], campaign, [1, 1], at=campaign.closes_at - timedelta(seconds=1))
    assert last.status == "submitted"
    card = close(campaign)
    assert card.submitted == 1 and card.criteria[0]["stats"]["mean"] == 1.0


def test_drafts_do_not_count_in_the_scorecard(setting):
    campaign, people, _admin = setting
    evaluate(people[0], campaign, [5, 5])
    evaluate(people[1], campaign, [1, 1], submit=False)  # complete, but never submitted
    evaluate(people[2], campaign, [1, None], submit=False)
    card = close(campaign)
    assert (card.submitted, card.members) == (1, 3)
    assert [entry["stats"]["n"] for entry in card.criteria] == [1, 1]
    assert card.overall == 5.0
    assert card.response_rate == pytest.approx(1 / 3)


def test_a_visit_date_must_not_be_in_the_future(setting):
    campaign, people, _admin = setting
    error = refused(lambda: services.save_evaluation(people[0], campaign, data(campaign, [3, 3], visit_date=now().date() + timedelta(days=5)),
                                                     now()))
    assert (error.code, error.field) == ("bad_date", "visit_date")
    ok = evaluate(people[0], campaign, [3, 3], visit_date=now().date() - timedelta(days=2))
    assert ok.visit_date == now().date() - timedelta(days=2)
    assert isinstance(ok.visit_date, date)


def test_a_comment_is_limited_in_length(setting):
    campaign, people, _admin = setting
    error = refused(lambda: services.save_evaluation(people[0], campaign, data(campaign, [3, 3], comment="가" * 3001), now()))
    assert (error.code, error.field) == ("too_long", "comment")


# --- evidence photos ----------------------------------------------------------------------------------------------------


def test_a_photo_is_taken_when_the_campaign_allows_it(setting):
    campaign, people, _admin = setting
    assert campaign.photo_allowed
    evaluation = evaluate(people[0], campaign, [4, 4], photo=io.BytesIO(jpeg_bytes()))
    token = evaluation.photo_token
    assert token is not None and len(token) == 32
    folder, name = services.photo_path(token, thumbnail=False)
    assert (folder / name).read_bytes()[:2] == b"\xff\xd8"  # re-encoded as JPEG
    assert (folder / services.photo_path(token, thumbnail=True)[1]).exists()
    # Replacing it stores a new one; removing it forgets it.
    replaced = evaluate(people[0], campaign, [4, 4], photo=io.BytesIO(jpeg_bytes(colour=(10, 10, 10))))
    assert replaced.photo_token not in (None, token)
    removed = evaluate(people[0], campaign, [4, 4], remove_photo=True)
    assert removed.photo_token is None


def test_a_photo_is_refused_when_the_campaign_does_not_take_photos(app_ctx):
    panel, people, admin = drawn_panel(1, recruiting=False)
    campaign = make_campaign(admin, panel, make_service(admin), photo_allowed=False)
    error = refused(lambda: services.save_evaluation(people[0], campaign, data(campaign, [3, 3], photo=io.BytesIO(jpeg_bytes())), now()))
    assert (error.code, error.field) == ("no_photos", "photo")
    assert english(error.message) == "This campaign does not take photos."
    assert db.session.scalar(select(func.count()).select_from(Evaluation)) == 0


def test_a_file_that_is_not_a_photo_is_refused(setting):
    campaign, people, _admin = setting
    for content in (b"%PDF-1.4 not an image", b"GIF89a" + b"\x00" * 40, b"<svg xmlns='http://www.w3.org/2000/svg'/>"):
        error = refused(lambda content=content: services.save_evaluation(people[0], campaign, data(campaign, [3, 3], photo=io.BytesIO(content)),
                                                                         now()))
        assert error.code == "photo_type" and english(error.message) == "Photos must be JPEG, PNG or WebP images.", content
    empty = refused(lambda: services.save_evaluation(people[0], campaign, data(campaign, [3, 3], photo=io.BytesIO(b"")), now()))
    assert empty.code == "photo_empty"
    assert db.session.scalar(select(func.count()).select_from(Evaluation)) == 0


# --- over HTTP -----------------------------------------------------------------------------------------------------------


def test_evaluating_over_http_refuses_bad_scores_and_a_second_evaluation(setting, make_client):
    campaign, people, _admin = setting
    c1, c2 = campaign.criteria
    client = make_client()
    client.login(people[0].email)
    client.use_english()
    url = f"/campaigns/{campaign.id}/evaluation"
    bad = client.post_form(url, {f"score_{c1.id}": "x", f"score_{c2.id}": "6", "action": "submit"}, token_from=url)
    assert bad.status_code == 422 and "Score each criterion from 1 to 5." in bad.get_data(as_text=True)
    photo = {"photo": (io.BytesIO(b"not an image"), "evil.jpg")}
    wrong = client.post_form(url, {f"score_{c1.id}": "3", f"score_{c2.id}": "3", "action": "submit", **photo}, token_from=url,
                             content_type="multipart/form-data")
    assert wrong.status_code == 422 and "Photos must be JPEG, PNG or WebP images." in wrong.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Evaluation)) == 0
    good = {f"score_{c1.id}": "3", f"score_{c2.id}": "4", "action": "submit", "photo": (io.BytesIO(jpeg_bytes()), "bus.jpg")}
    assert client.post_form(url, good, token_from=url, content_type="multipart/form-data").status_code == 302
    evaluation = services.evaluation_of(people[0], campaign)
    assert evaluation.status == "submitted" and evaluation.photo_token
    # The same form posted again from a stale page (no evaluation id): refused, the first one kept.
    again = client.post_form(url, {f"score_{c1.id}": "1", f"score_{c2.id}": "1", "action": "submit"}, token_from=url)
    assert again.status_code == 422 and "You have already started an evaluation" in again.get_data(as_text=True)
    db.session.expire_all()
    assert sorted(s.value for s in db.session.get(Evaluation, evaluation.id).scores) == [3, 4]
    # The evidence photo: its panelist sees it, another resident does not.
    photo_url = f"/evaluations/photos/{evaluation.photo_token}.jpg"
    seen = client.get(photo_url)
    assert seen.status_code == 200 and seen.mimetype == "image/jpeg" and seen.headers["Cache-Control"] == "private, no-store"
    assert client.get(f"/evaluations/photos/{evaluation.photo_token}-thumb.jpg").status_code == 200
    stranger = make_client()
    stranger.login(make_user().email)
    assert stranger.get(photo_url).status_code == 404
    assert make_client().get(photo_url).status_code == 404
    assert client.get("/evaluations/photos/../secret.jpg").status_code == 404
