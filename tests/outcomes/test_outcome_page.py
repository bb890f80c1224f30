"""The outcome page: counted but not selected before publication; ranked results, answers and overdue answers after."""
from __future__ import annotations

from datetime import timedelta

from participation.core.db import write_transaction
from participation.extensions import db
from participation.outcomes import services
from participation.responses import services as responses
from participation.responses.services import ResponseData
from participation.rounds.models import Round
from tests.deliberation.helpers import signed_in, text_of, visitor
from tests.factories import make_user
from tests.outcomes.helpers import after, close, voting_round


def freeze(monkeypatch, moment):
    """Pages see `moment` as now."""
    import participation.outcomes.views as views

    monkeypatch.setattr(views, "now", lambda: moment)


def test_before_the_close_the_page_says_when_voting_ends(app_ctx, make_client):
    round_, _ideas, _ = voting_round()
    page = visitor(make_client).get(f"/rounds/{round_.id}/outcome")
    assert page.status_code == 200
    assert "Voting is open until" in text_of(page)


def test_before_publication_residents_see_the_count_but_not_the_selection(app_ctx, make_client, monkeypatch):
    round_, ideas, _ = voting_round(votes=(6, 4, 1), publish_delay_hours=24)
    close(round_)
    freeze(monkeypatch, after(round_, hours=1))
    for client in (visitor(make_client), signed_in(make_client, make_user())):
        text = text_of(client.get(f"/rounds/{round_.id}/outcome"))
        assert "will be published on" in text
        assert ideas[0].title in text and "6" in text  # the tally as during voting
        assert "Selected" not in text and "Not selected" not in text
    admin_text = text_of(signed_in(make_client, make_user(roles={"admin"})).get(f"/rounds/{round_.id}/outcome"))
    assert "Selected" in admin_text and "you work for the administration" in admin_text


def test_after_publication_answers_and_overdue_answers_are_public(app_ctx, make_client, monkeypatch):
    round_, ideas, _ = voting_round(votes=(6, 4, 1))
    close(round_)
    with write_transaction():
        responses.answer(make_user(roles={"admin"}), ideas[0], ResponseData("accepted", "내년 예산에 **반영**합니다."), after(round_, days=1))
    services.publish_due_outcomes(after(round_, days=1))
    due = responses.due_for(ideas[1])
    freeze(monkeypatch, due.due_at + timedelta(days=3))  # the same time of day: three Seoul days later
    text = text_of(visitor(make_client).get(f"/rounds/{round_.id}/outcome"))
    assert "Accepted" in text and "내년 예산에 반영합니다." in text
    assert "Overdue by 3 days" in text
    assert "Selected" in text and "Not selected" in text


def test_an_admin_publishes_early_from_the_page_once_answers_are_complete(app_ctx, make_client, monkeypatch):
    round_, ideas, _ = voting_round(votes=(6,), publish_delay_hours=72)
    close(round_)
    freeze(monkeypatch, after(round_, hours=2))
    admin = signed_in(make_client, make_user(roles={"admin"}))
    refused = admin.post_form(f"/rounds/{round_.id}/outcome/publish", {})
    assert refused.status_code == 302
    assert db.session.get(Round, round_.id).published_at is None
    with write_transaction():
        responses.answer(make_user(roles={"admin"}), ideas[0], ResponseData("in_progress", "이미 추진 중입니다."), after(round_, hours=1))
    assert admin.post_form(f"/rounds/{round_.id}/outcome/publish", {}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Round, round_.id).published_at == after(round_, hours=2)


def test_only_admins_publish_early(app_ctx, make_client):
    round_, _ideas, _ = voting_round(votes=(6,), publish_delay_hours=72)
    close(round_)
    resident = signed_in(make_client, make_user())
    assert resident.post_form(f"/rounds/{round_.id}/outcome/publish", {}).status_code == 403
    official = signed_in(make_client, make_user(roles={"official"}, department=round_.department))
    assert official.post_form(f"/rounds/{round_.id}/outcome/publish", {}).status_code == 403
    assert visitor(make_client).post(f"/rounds/{round_.id}/outcome/publish").status_code in (400, 401)


def test_publishing_over_get_is_not_allowed(app_ctx, make_client):
    round_, _ideas, _ = voting_round(votes=(6,))
    close(round_)
    assert signed_in(make_client, make_user(roles={"admin"})).get(f"/rounds/{round_.id}/outcome/publish").status_code == 405


def test_a_big_rounds_ranking_is_paged_but_its_answers_owed_are_whole(app_ctx, make_client, monkeypatch):
    from participation.outcomes import reading

    monkeypatch.setattr(reading, "RANKING_PER_PAGE", 2)
    round_, ideas, _ = voting_round(votes=(6, 5, 4, 1, 0))
    close(round_)
    services.publish_due_outcomes(after(round_))
    client = visitor(make_client)
    first = text_of(client.get(f"/rounds/{round_.id}/outcome"))
    assert ideas[0].title in first and ideas[4].title not in first.split("순위별 결과")[-1].split("분야별")[0]
    assert "Page 1 of 3" in first
    last = client.get(f"/rounds/{round_.id}/outcome?page=3").get_data(as_text=True)
    assert ideas[4].title in last
    assert client.get(f"/rounds/{round_.id}/outcome?page=99").status_code == 200  # past the end: the last page


def test_the_tally_exports_as_csv_and_excel_with_the_selection_only_for_those_who_see_it(app_ctx, make_client, monkeypatch):
    import csv
    import io

    from openpyxl import load_workbook

    round_, ideas, _ = voting_round(votes=(6, 4, 1), publish_delay_hours=24)
    ideas[1].title = "=HYPERLINK(\"http://evil.example\") 공원"
    ideas[2].status = "withdrawn"
    db.session.commit()
    url = f"/rounds/{round_.id}/outcome/export"
    assert visitor(make_client).get(url + "?format=csv").status_code == 404  # no outcome before the close
    close(round_)
    freeze(monkeypatch, after(round_, hours=1))
    resident = signed_in(make_client, make_user())
    as_csv = resident.get(url + "?format=csv")
    assert as_csv.status_code == 200 and as_csv.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(as_csv.data[3:].decode(), newline="")))
    assert rows[0] == ["Rank", "Number", "Idea", "Category", "Votes"]  # no result column before publication
    assert [(row[0], row[2], row[4]) for row in rows[1:]] == [("1", ideas[0].title, "6"), ("2", "'" + ideas[1].title, "4")]
    sheet = load_workbook(io.BytesIO(resident.get(url + "?format=xlsx").data)).active
    assert [c.value for c in sheet[1]] == rows[0]
    assert sheet.cell(3, 3).value == "'" + ideas[1].title and sheet.cell(3, 3).data_type == "s" and sheet.cell(3, 5).value == 4
    assert f"{url}?format=xlsx" in resident.get(f"/rounds/{round_.id}/outcome").get_data(as_text=True)

    admin = signed_in(make_client, make_user(roles={"admin"}))
    rows = list(csv.reader(io.StringIO(admin.get(url + "?format=csv").data[3:].decode(), newline="")))
    assert rows[0][-2:] == ["Result", "Tier reached"] and rows[1][5] in ("Selected", "Not selected")
    assert len(rows) == 3  # the withdrawn idea is never exported
    assert admin.get(url + "?format=odt").status_code == 404
