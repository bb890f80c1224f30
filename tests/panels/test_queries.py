"""Panel, campaign and scorecard pages cost a fixed number of SQL statements, however many people take part."""
from __future__ import annotations

from participation.extensions import db
from tests.factories import make_department, make_district, make_user
from tests.panels.helpers import apply_many, close, drawn_panel, evaluate, make_campaign, make_panel, make_service


def _statements(client, count_queries, url):
    client.get(url)  # warm: templates compiled, reference data cached
    db.session.expire_all()
    with count_queries() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_panel_page_statements_do_not_grow_with_applicants(client, app_ctx, count_queries):
    districts = [make_district(), make_district()]
    small, large = make_panel(), make_panel()
    apply_many(small, [make_user() for _ in range(3)], districts=districts, bands=("30-39", "60-69"))
    apply_many(large, [make_user() for _ in range(15)], districts=districts, bands=("30-39", "60-69"))
    assert _statements(client, count_queries, f"/panels/{small.id}") == _statements(client, count_queries, f"/panels/{large.id}")


def test_scorecard_and_campaign_pages_statements_do_not_grow_with_evaluations(client, app_ctx, count_queries):
    counts = {}
    for size in (3, 9):
        panel, people, admin = drawn_panel(size)
        service = make_service(admin, make_department())
        campaign = make_campaign(admin, panel, service)
        for n, person in enumerate(people):
            evaluate(person, campaign, [1 + n % 5, 1 + (n * 2) % 5], comment=f"의견 {n}")
        close(campaign)
        campaign.published_at = campaign.closes_at
        db.session.commit()
        counts[size] = (_statements(client, count_queries, f"/campaigns/{campaign.id}/scorecard"),
                        _statements(client, count_queries, f"/campaigns/{campaign.id}"))
    assert counts[3] == counts[9]
    scorecard, campaign_page = counts[3]
    assert scorecard <= 10 and campaign_page <= 10, counts  # 8 and 8 when written
