"""Panels, services and campaigns in every state the API shows (or must not): a drawn panel, a
published scorecard with an answer and an action item, closed, open, upcoming and draft campaigns."""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from participation.core.db import write_transaction
from participation.core.time import now
from participation.extensions import db
from participation.panels import services
from participation.responses.services import ResponseData
from tests.factories import make_department, make_district, make_user
from tests.panels.helpers import (
    apply_many,
    campaign_between,
    evaluate,
    make_admin,
    make_panel,
    make_service,
    panel_recruiting_between,
)

COMMENTS = ["기사님이 불친절했어요 비밀의견가", "정류장이 더러웠어요 비밀의견나", "배차가 들쭉날쭉 비밀의견다"]
EVALUATOR_NAMES = ["평가자갑돌", "평가자을순", "평가자병철", "평가자정희", "평가자무진"]
# The aggregate figures a scorecard criterion holds, and nothing else.
FIGURES = {"criterion_id", "name", "weight", "n", "mean", "median", "sd", "ci_low", "ci_high", "distribution"}


def _close(campaign, at):
    with write_transaction():
        return services.close_campaign(campaign.id, at)


def build_panels_scene(suffix: str = ""):
    """`suffix` keeps its names apart from another scene's in the same database.

    A drawn panel with a reserve, a recruiting panel with a withdrawn application, one service with
    a published, a closed-unpublished, an open, an upcoming and a draft campaign, and a service with none."""
    moment = now()
    start = moment - timedelta(days=40)
    admin = make_admin()
    answering = make_department("교통정책과" + suffix, "Transport Policy" + suffix)
    gu = make_district("마포구" + suffix, name_en="Mapo-gu" + suffix)
    dong = make_district("서교동" + suffix, parent=gu, name_en="Seogyo-dong" + suffix)

    drawn = panel_recruiting_between(admin, start - timedelta(days=10), start, size=4)
    people = [make_user(display_name=name, email=f"evaluator{n}@example.kr") for n, name in enumerate(EVALUATOR_NAMES)]
    apply_many(drawn, people, districts=[dong, gu], bands=("30-39", "60-69"))
    with write_transaction():
        services.draw(admin, drawn, start, seed="공개-시드")
    db.session.commit()
    members = [m.user for m in services.members(drawn)]
    assert len(members) == 4

    service = make_service(admin, answering)
    quiet_service = make_service(admin)
    published = campaign_between(admin, drawn, service, start + timedelta(days=1), start + timedelta(days=8), title="공개된 평가")
    for person, values, comment in zip(members, [(4, 2), (5, 3), (3, 3)], COMMENTS, strict=False):
        evaluate(person, published, list(values), at=start + timedelta(days=2), comment=comment)
    _close(published, published.closes_at + timedelta(seconds=1))
    official = make_user(roles={"official"}, department=answering, display_name="담당공무원김")
    with write_transaction():
        services.answer(official, published, ResponseData("accepted", "배차를 늘리겠습니다."), published.closes_at + timedelta(days=1))
    with write_transaction():
        item = services.add_action_item(official, published, "배차 간격 줄이기", (start + timedelta(days=60)).date(),
                                        published.closes_at + timedelta(days=1))
    with write_transaction():
        services.update_action_item(official, published, item.id, 40, "절반 진행", published.closes_at + timedelta(days=2))
    assert services.publish_due_scorecards(published.publishes_at) == 1

    closed = campaign_between(admin, drawn, service, moment - timedelta(days=5), moment - timedelta(hours=1), title="마감된 평가")
    evaluate(members[0], closed, [2, 2], at=moment - timedelta(days=4), comment="마감 캠페인 비밀의견라")
    _close(closed, moment - timedelta(minutes=59))
    open_ = campaign_between(admin, drawn, service, moment - timedelta(hours=1), moment + timedelta(days=7), title="진행 중 평가")
    evaluate(members[1], open_, [5, 5], comment="진행 중 비밀의견마")
    upcoming = campaign_between(admin, drawn, service, moment + timedelta(days=1), moment + timedelta(days=8), title="예정 평가")
    draft = campaign_between(admin, drawn, service, moment + timedelta(days=2), moment + timedelta(days=9), schedule=False, title="초안 평가")

    recruiting = make_panel(admin, recruiting=True)
    stayed, withdrawn = apply_many(recruiting, [make_user(display_name="지원자남음"), make_user(display_name="지원자철회")],
                                   districts=[gu], at=moment)
    with write_transaction():
        services.withdraw_application(withdrawn.user, recruiting, moment)
    db.session.commit()
    return SimpleNamespace(
        admin=admin, drawn=drawn, recruiting=recruiting, service=service, quiet_service=quiet_service, published=published,
        closed=closed, open=open_, upcoming=upcoming, draft=draft, members=members, people=people, official=official,
        stayed=stayed, withdrawn=withdrawn, item=item,
    )
