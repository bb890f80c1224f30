"""The panels benchmark: `make bench-panels` closes a large evaluation campaign and renders its scorecard.

For each engine (SQLite file, PostgreSQL database `gongron_bench`) it migrates a
fresh database and bulk-inserts one panel of 1,000 members (the largest allowed, every one drawn),
one open campaign with a rubric of 10 criteria, and 950 submitted evaluations
with a score for every criterion (9,500 scores), then:

- times the close (the counted evaluations read, per-criterion statistics with
  t intervals, Krippendorff's ordinal alpha over 950 raters x 10 criteria, the
  frozen scorecard, the response clock), and checks a second close finds nothing
  to do;
- renders the scorecard page as an admin before publication and the CSV of the
  anonymised scores, printing medians, 95th percentiles and SQL statements.

A measurement, not a test: it asserts nothing about speed.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import bench_app, measure, print_page, statement_counter, write_report  # noqa: E402

MEMBERS = 1_000  # the largest panel allowed
SUBMITTED = 950
CRITERIA = 10


def _build(app, members: int, submitted: int, criteria: int):
    from sqlalchemy import insert, select, text

    from participation.accounts.models import User
    from participation.core.db import write_transaction
    from participation.extensions import db
    from participation.panels import services
    from participation.panels.models import Evaluation, PanelMember, Score
    from tests.factories import make_department, make_district, make_user
    from tests.panels.helpers import LABELS

    with app.app_context():
        admin = make_user(roles={"admin"})
        department = make_department()
        district = make_district()
        now = datetime.now(UTC)
        with write_transaction():
            panel = services.create_panel(admin, services.PanelData(
                name="벤치 모니터링단", purpose="측정", department_id=department.id, term_starts_on=now.date(),
                term_ends_on=now.date() + timedelta(days=365), target_size=members, strata=["district"], selection_method="lottery",
                recruitment_opens_at=now - timedelta(days=30), recruitment_closes_at=now - timedelta(days=20)), now)
            service = services.create_service(admin, "벤치 서비스", "", department.id, now)
            campaign = services.create_campaign(admin, services.CampaignData(
                title="벤치 평가", panel_id=panel.id, service_id=service.id, opens_at=now - timedelta(days=1),
                closes_at=now + timedelta(days=1)), now)
            for n in range(criteria):
                services.add_criterion(admin, campaign, services.CriterionData(f"항목 {n}", "", 1.0 + n % 3, list(LABELS)), now)
            services.schedule_campaign(admin, campaign, now)
        panel_id, campaign_id = panel.id, campaign.id
        with write_transaction():
            db.session.execute(insert(User), [{
                "email": f"panelist{n}@bench.kr", "display_name": f"위원{n}", "password_hash": "x", "privacy_consented_at": now,
                "created_at": now} for n in range(members)])
            user_ids = list(db.session.scalars(select(User.id).where(User.email.like("panelist%")).order_by(User.id)))
            db.session.execute(insert(PanelMember), [{
                "panel_id": panel_id, "user_id": user_id, "pseudonym": f"P-{n:06d}", "district_id": district.id, "district_name": district.name_ko, "age_band": "30-39",
                "consented_at": now, "status": "selected", "selected_by": "lottery", "joined_at": now - timedelta(days=19),
                "created_at": now - timedelta(days=25)} for n, user_id in enumerate(user_ids)])
            db.session.execute(insert(Evaluation), [{
                "campaign_id": campaign_id, "user_id": user_id, "status": "submitted", "comment": f"의견 {n}",
                "submitted_at": now - timedelta(hours=1), "created_at": now - timedelta(hours=2), "updated_at": now - timedelta(hours=1)}
                for n, user_id in enumerate(user_ids[:submitted])])
            evaluation_ids = list(db.session.scalars(select(Evaluation.id).where(Evaluation.campaign_id == campaign_id)))
            criterion_ids = [c.id for c in db.session.get(type(campaign), campaign_id).criteria]
            rng = random.Random(7)
            # Each criterion has a quality of its own; each panelist is a little harsher or kinder, and noisy.
            quality = {cid: 1.5 + 3 * rng.random() for cid in criterion_ids}
            rows = []
            for evaluation_id in evaluation_ids:
                mood = rng.choice((-1, 0, 0, 0, 1))
                rows += [{"evaluation_id": evaluation_id, "criterion_id": cid,
                          "value": min(5, max(1, round(quality[cid] + mood + rng.gauss(0, 0.6))))} for cid in criterion_ids]
            for offset in range(0, len(rows), 5000):
                db.session.execute(insert(Score), rows[offset:offset + 5000])
        if db.session.get_bind().dialect.name == "postgresql":
            # What autovacuum would do after such a load: without statistics the planner
            # picks nested loops for a few rows and meets thousands.
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        closes_at = db.session.get(type(campaign), campaign_id).closes_at
        admin_email = db.session.get(User, admin.id).email
        db.session.remove()
    return campaign_id, admin_email, closes_at


def bench_engine(engine: str, repeats: int, members: int, submitted: int, criteria: int) -> dict:


    from participation.core.db import write_transaction
    from participation.extensions import db
    from participation.panels import services

    app = bench_app(engine, "panels")
    campaign_id, admin_email, closes_at = _build(app, members, submitted, criteria)

    with app.app_context():
        after = closes_at + timedelta(seconds=1)
        started = time.perf_counter()
        with write_transaction():
            card = services.close_campaign(campaign_id, after)
            alpha, overall, counted = card.alpha, card.overall, card.submitted
        close_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        with write_transaction():
            again = services.close_campaign(campaign_id, after)
        again_ms = (time.perf_counter() - started) * 1000
    print(f"  {engine:8} close: {members:,} members, {counted:,} evaluations x {criteria} criteria   {close_ms:8.1f} ms   "
          f"(alpha {alpha:.3f}, overall {overall:.2f}; second close: {'nothing to do' if again is None else 'CLOSED AGAIN'}, "
          f"{again_ms:.1f} ms)", flush=True)

    count_statements = statement_counter(app)

    admin = app.test_client()
    admin.login(admin_email)
    results = {"close_ms": round(close_ms, 1), "members": members, "evaluations": counted, "criteria": criteria}
    for key, path in (("scorecard/admin", f"/campaigns/{campaign_id}/scorecard"), ("scores.csv/admin", f"/campaigns/{campaign_id}/scores.csv")):
        results[key] = measure(admin, path, count_statements, repeats)
        print_page(engine, key, results[key])
    with app.app_context():
        db.engine.dispose()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--members", type=int, default=MEMBERS)
    parser.add_argument("--submitted", type=int, default=SUBMITTED)
    parser.add_argument("--criteria", type=int, default=CRITERIA)
    args = parser.parse_args()
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    print(f"Closing a campaign of {args.submitted:,} evaluations x {args.criteria} criteria, then its pages ({args.repeats} renders each)")
    report = {"engines": {}}
    for engine in engines:
        report["engines"][engine] = bench_engine(engine, args.repeats, args.members, args.submitted, args.criteria)
    write_report("panels", report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
