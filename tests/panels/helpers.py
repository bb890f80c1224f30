"""Panels, services and campaigns built through the services, for the panels tests."""
from __future__ import annotations

from datetime import date, timedelta

from participation.core.db import write_transaction
from participation.core.time import now
from participation.extensions import db
from participation.panels import services
from tests.factories import make_department, make_district, make_user

LABELS = ["매우 나쁨", "나쁨", "보통", "좋음", "매우 좋음"]


def make_admin():
    return make_user(roles={"admin"})


def make_panel(admin=None, *, size=4, method="lottery", strata=("district", "age_band"), recruiting=True, department=None):
    """A panel; recruiting now (or recruitment already closed when recruiting=False)."""
    admin = admin or make_admin()
    moment = now()
    opens, closes = (moment - timedelta(days=1), moment + timedelta(days=7)) if recruiting else (moment - timedelta(days=10), moment - timedelta(hours=1))
    data = services.PanelData(
        name="버스 서비스 시민 모니터링단", purpose="시내버스 서비스를 평가합니다.", department_id=(department or make_department()).id,
        term_starts_on=date.today(), term_ends_on=date.today() + timedelta(days=365), target_size=size, strata=list(strata),
        selection_method=method, recruitment_opens_at=opens, recruitment_closes_at=closes,
    )
    with write_transaction():
        panel = services.create_panel(admin, data, moment)
    return panel


def apply_many(panel, people, *, districts=None, bands=("30-39",), at=None):
    """Each person applies (recruitment is opened around `at` for the occasion if need be)."""
    districts = districts or [make_district()]
    at = at or panel.recruitment_opens_at + timedelta(minutes=1)
    members = []
    for n, person in enumerate(people):
        with write_transaction():
            members.append(services.apply(person, panel, districts[n % len(districts)].id, bands[n % len(bands)], True, at))
    return members


def drawn_panel(n_members=3, *, admin=None, seed="test-seed", **panel_args):
    """A lottery panel with `n_members` members (everyone who applied is drawn)."""
    admin = admin or make_admin()
    panel_args.setdefault("recruiting", False)  # recruitment is over: people applied while it ran
    panel = make_panel(admin, size=n_members, **panel_args)
    people = [make_user() for _ in range(n_members)]
    apply_many(panel, people)
    with write_transaction():
        services.draw(admin, panel, max(now(), panel.recruitment_closes_at + timedelta(seconds=1)), seed=seed)
    db.session.commit()
    return panel, people, admin


def make_service(admin, department=None):
    with write_transaction():
        return services.create_service(admin, "시내버스 7번 노선", "배차 간격과 친절도", (department or make_department()).id, now())


def make_campaign(admin, panel, service, *, criteria=(("정시성", 2.0), ("친절도", 1.0)), opens=None, closes=None, photo_allowed=True,
                  schedule=True, response_days=14, publish_delay_days=14):
    moment = now()
    data = services.CampaignData(
        title="2026년 하반기 버스 평가", panel_id=panel.id, service_id=service.id, opens_at=opens or moment - timedelta(hours=1),
        closes_at=closes or moment + timedelta(days=7), photo_allowed=photo_allowed, response_days=response_days,
        publish_delay_days=publish_delay_days,
    )
    with write_transaction():
        campaign = services.create_campaign(admin, data, moment)
        for name, weight in criteria:
            services.add_criterion(admin, campaign, services.CriterionData(name, f"{name} 설명", weight, list(LABELS)), moment)
        if schedule:
            services.schedule_campaign(admin, campaign, moment)
    return campaign


def evaluate(person, campaign, scores, *, submit=True, at=None, **extra):
    """scores: values in the rubric's order (None leaves one out)."""
    existing = services.evaluation_of(person, campaign)
    data = services.EvaluationData(
        scores={c.id: v for c, v in zip(campaign.criteria, scores, strict=False)}, submit=submit,
        evaluation_id=existing.id if existing else None, **extra,
    )
    with write_transaction():
        return services.save_evaluation(person, campaign, data, at or now())


def close(campaign, at=None):
    with write_transaction():
        return services.close_campaign(campaign.id, at or campaign.closes_at + timedelta(seconds=1))


# --- added for the panels' service, permission and scorecard tests ---------------------------------


def english(message) -> str:
    """A service's (lazy) message as an English reader gets it."""
    from flask_babel import force_locale

    with force_locale("en"):
        return str(message)


def refused(action):
    """Run `action` in a write transaction, expect a ServiceError and return it (rolled back)."""
    import pytest

    from participation.core.errors import ServiceError

    with pytest.raises(ServiceError) as info:
        with write_transaction():
            action()
    db.session.rollback()
    return info.value


def panel_recruiting_between(admin, opens, closes, *, size=4, method="lottery", strata=("district", "age_band"), department=None):
    """A panel whose recruitment window is [opens, closes), created at `opens`."""
    data = services.PanelData(
        name="공원 관리 시민 모니터링단", purpose="공원 관리를 평가합니다.", department_id=(department or make_department()).id,
        term_starts_on=opens.date(), term_ends_on=opens.date() + timedelta(days=365), target_size=size, strata=list(strata),
        selection_method=method, recruitment_opens_at=opens, recruitment_closes_at=closes,
    )
    with write_transaction():
        return services.create_panel(admin, data, opens)


def panel_drawn_at(n_members, drawn_at, *, admin=None, seed="test-seed", department=None):
    """A lottery panel of `n_members` (everyone who applied is drawn), recruited in the ten days
    before `drawn_at` and drawn then: its members have been members since `drawn_at`."""
    admin = admin or make_admin()
    panel = panel_recruiting_between(admin, drawn_at - timedelta(days=10), drawn_at, size=n_members, department=department)
    people = [make_user() for _ in range(n_members)]
    apply_many(panel, people)
    with write_transaction():
        services.draw(admin, panel, drawn_at, seed=seed)
    db.session.commit()
    return panel, people, admin


def campaign_between(admin, panel, service, opens, closes, *, criteria=(("정시성", 2.0), ("친절도", 1.0)), schedule=True,
                     photo_allowed=False, response_days=14, publish_delay_days=14, title="버스 평가"):
    """A campaign open over [opens, closes), created and scheduled a day before it opens."""
    created = opens - timedelta(days=1)
    data = services.CampaignData(
        title=title, panel_id=panel.id, service_id=service.id, opens_at=opens, closes_at=closes, photo_allowed=photo_allowed,
        response_days=response_days, publish_delay_days=publish_delay_days,
    )
    with write_transaction():
        campaign = services.create_campaign(admin, data, created)
        for name, weight in criteria:
            services.add_criterion(admin, campaign, services.CriterionData(name, f"{name} 설명", weight, list(LABELS)), created)
        if schedule:
            services.schedule_campaign(admin, campaign, created)
    return campaign
