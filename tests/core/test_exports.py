"""CSV (with a BOM) and XLSX downloads: Korean intact, formulas neutralised in both, streamed, and
each export shows what its page shows to the same people."""
from __future__ import annotations

import csv
import io
from datetime import timedelta
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from participation.core import exports
from participation.core.time import now
from tests.factories import (
    make_category,
    make_civil_request,
    make_department,
    make_district,
    make_idea,
    make_request_category,
    make_round,
    make_user,
)

DANGEROUS = ["=1+1", "+82-10", "-3 부족", "@SUM(1,2)", "\t=cmd", "\r=cmd"]


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "the BOM comes first, so Excel reads UTF-8"
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline="")))


def read_xlsx(data: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    return [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]


def both(client, url: str) -> tuple[list[list[str]], list[list]]:
    as_csv = client.get(url + ("&" if "?" in url else "?") + "format=csv")
    as_xlsx = client.get(url + ("&" if "?" in url else "?") + "format=xlsx")
    assert as_csv.status_code == 200 and as_csv.mimetype == "text/csv"
    assert as_xlsx.status_code == 200 and as_xlsx.mimetype == exports.XLSX_MIMETYPE
    for response in (as_csv, as_xlsx):
        assert response.headers["Content-Disposition"].startswith("attachment; filename=")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    return read_csv(as_csv.data), read_xlsx(as_xlsx.data)


# --- the writer ----------------------------------------------------------------------------------------


def test_neutralise_prefixes_every_formula_start_and_leaves_numbers_alone():
    for value in DANGEROUS:
        assert exports.neutralise(value) == "'" + value
    assert exports.neutralise("공원 벤치") == "공원 벤치"
    assert exports.neutralise(None) == ""
    assert exports.neutralise(-3) == -3 and exports.neutralise(2.5) == 2.5
    assert exports.neutralise("-3") == "'-3"  # text that looks like a number is still text


def test_csv_round_trips_with_korean_and_stays_neutralised():
    rows = [[value, "한글 셀", 7, 1.5, None] for value in DANGEROUS] + [["쉼표, \"따옴표\"\n줄바꿈", "", 0, -2, "x"]]
    data = b"".join(exports.csv_chunks(["제목", "설명", "수", "비율", "기타"], rows))
    read = read_csv(data)
    assert read[0] == ["제목", "설명", "수", "비율", "기타"]
    assert [row[0] for row in read[1:7]] == ["'" + value for value in DANGEROUS]
    assert read[7] == ["쉼표, \"따옴표\"\n줄바꿈", "", "0", "-2", "x"]
    assert all(not cell.startswith(exports.text.SPREADSHEET_FORMULA_STARTS) for row in read for cell in row if cell != "-2")
    # Written back and read again, it is the same: nothing is lost or neutralised twice.
    again = io.StringIO()
    csv.writer(again, lineterminator="\r\n").writerows(read)
    assert list(csv.reader(io.StringIO(again.getvalue(), newline=""))) == read


def test_xlsx_keeps_korean_stores_formulas_as_text_and_numbers_as_numbers():
    rows = [[value, "한글 셀", 7, 1.5] for value in DANGEROUS]
    data = b"".join(exports.xlsx_chunks(["제목", "설명", "수", "비율"], rows, sheet="시트: 아이디어/목록"))
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.active
    assert sheet.title == "시트  아이디어 목록"
    assert [c.value for c in sheet[1]] == ["제목", "설명", "수", "비율"]
    for number, value in enumerate(DANGEROUS, start=2):
        cell = sheet.cell(number, 1)
        # (a CR is stored as the escape _x000D_, which Excel shows as the character and openpyxl leaves as is)
        assert cell.value.replace("_x000D_", "\r") == "'" + value and cell.data_type == "s"  # a string, never a formula ("f")
        assert sheet.cell(number, 2).value == "한글 셀"
        assert sheet.cell(number, 3).value == 7 and sheet.cell(number, 3).data_type == "n"
        assert sheet.cell(number, 4).value == 1.5


def test_the_csv_is_written_in_chunks_not_at_once():
    chunks = exports.csv_chunks(["n"], ([n] for n in range(exports.ROWS_PER_CHUNK * 3)))
    assert sum(1 for _ in chunks) == 4


def test_the_filename_is_ascii_with_a_utf8_twin():
    header = exports.content_disposition("아이디어-20261203.csv")
    assert header.startswith('attachment; filename="')
    assert header.encode("ascii")
    assert unquote(header.split("filename*=UTF-8''")[1]) == "아이디어-20261203.csv"


# --- the ideas list, as filtered ------------------------------------------------------------------------


def test_the_ideas_export_follows_the_filters_and_never_shows_hidden_or_withdrawn_ideas(client, app_ctx):
    parks, roads = make_category(name_ko="공원"), make_category(name_ko="도로")
    round_ = make_round("voting", categories=[parks, roads])
    author = make_user()
    make_idea(round_, author, title="놀이터에 그늘막을", category=parks)
    make_idea(round_, author, title="=HYPERLINK(\"http://evil.example\")", category=parks)
    make_idea(round_, author, title="횡단보도를 넓혀 주세요", category=roads)
    make_idea(round_, author, title="숨겨진 아이디어", category=parks, status="hidden")
    make_idea(round_, author, title="철회한 아이디어", category=parks, status="withdrawn")

    as_csv, as_xlsx = both(client, f"/ideas/export?category_id={parks.id}")
    for rows in (as_csv, as_xlsx):
        titles = {row[2] for row in rows[1:]}
        assert titles == {"놀이터에 그늘막을", "'=HYPERLINK(\"http://evil.example\")"}
        assert rows[1][3] == "공원"
        assert all(str(row[9]).startswith("http://localhost/ideas/") for row in rows[1:])
        text = repr(rows)
        assert author.email not in text and author.display_name not in text
    assert isinstance(as_xlsx[1][6], int)  # votes stay numbers

    everything, _ = both(client, "/ideas/export")
    assert {row[2] for row in everything[1:]} == {"놀이터에 그늘막을", "'=HYPERLINK(\"http://evil.example\")", "횡단보도를 넓혀 주세요"}
    assert client.get("/ideas/export?format=pdf").status_code == 404
    page = client.get(f"/ideas?category_id={parks.id}&page=1").get_data(as_text=True)
    assert f"/ideas/export?category_id={parks.id}&amp;format=xlsx" in page


def test_the_ideas_export_in_english_has_english_headers(client, app_ctx):
    round_ = make_round("voting")
    make_idea(round_)
    client.post_form("/language", {"lang": "en", "next": "/"})
    rows, _ = both(client, "/ideas/export")
    assert rows[0][:3] == ["Number", "Round", "Title"]


# --- the departments' record and civil-request figures ---------------------------------------------------


def test_the_departments_record_and_civil_request_statistics_export(client, app_ctx):
    from participation.core.time import to_local

    department = make_department(name_ko="도로과")
    category = make_request_category(department, name_ko="=가로등")
    gu = make_district(name_ko="중구")
    dong = make_district(name_ko="명동", parent=gu)
    old = now() - timedelta(days=60)
    make_civil_request(category, at=old, district=dong, is_public=False, title="비공개 민원의 제목")
    make_civil_request(category, at=old, district=dong)
    make_civil_request(category)

    record_csv, record_xlsx = both(client, "/responses/departments/export")
    assert record_csv[0][0] == "부서" and record_xlsx[0][0] == "부서"

    stats_csv, stats_xlsx = both(client, "/requests/statistics/export")
    for rows in (stats_csv, stats_xlsx):
        assert rows[0][:4] == ["분야", "행정구역", "접수 월", "접수한 민원"]
        assert len(rows) == 3  # two groups: 명동 sixty days ago, no place today
        by_place = {row[1]: row for row in rows[1:]}
        assert by_place["중구 명동"][0] == "'=가로등"
        assert by_place["중구 명동"][2] == to_local(old).strftime("%Y-%m")
        assert [str(cell) for cell in by_place["중구 명동"][3:6]] == ["2", "0", "0"]
        assert str(by_place["중구 명동"][-1]) == "2"  # both overdue now
        assert "비공개 민원의 제목" not in repr(rows)
    assert {row[3] for row in stats_xlsx[1:]} == {2, 1}  # counts stay numbers
    page = client.get("/responses/departments").get_data(as_text=True)
    assert "/requests/statistics/export?format=xlsx" in page and "Excel 내려받기" in page
    assert "/responses/departments/export" not in page  # no published round has owed an answer: nothing to download


@pytest.mark.parametrize("url", ["/ideas/export", "/responses/departments/export", "/requests/statistics/export"])
def test_an_unknown_format_is_not_found(client, url):
    assert client.get(url + "?format=ods").status_code == 404


def test_bad_filters_give_a_download_not_an_error(client, app_ctx):
    make_idea(make_round("voting"), title="그늘막")
    for query in ("category_id=abc&district_id=-1&sort=zzz", "round_id=999999", "q=" + "가" * 500, "page=x"):
        response = client.get(f"/ideas/export?format=csv&{query}")
        assert response.status_code == 200, query
        assert read_csv(response.data)[0][0] == "번호"


def test_export_links_ignore_url_for_options_in_the_query(client, app_ctx):
    """The same class as the pagination links: a query argument never becomes url_for's own option."""
    from tests.factories import make_idea, make_round

    make_idea(make_round("voting"), title="제안")
    for query in ("endpoint=x", "_method=POST", "_external=1", "format=xlsx&_anchor=x"):
        response = client.get(f"/ideas?{query}")
        assert response.status_code == 200, query
        body = response.get_data(as_text=True)
        assert 'href="http://' not in body and "/ideas/export?format=csv" in body.replace("&amp;", "&"), query


def test_exports_are_rate_limited_per_person_with_a_clear_answer(app, client, app_ctx):
    """Every export streams a whole list: EXPORT_LIMIT of them, then a 429 that says why."""
    app.config["EXPORT_LIMIT"] = "2 per 10 minutes"
    client.use_english()
    try:
        assert [client.get("/ideas/export?format=csv").status_code for _ in range(2)] == [200, 200]
        refused = client.get("/responses/departments/export?format=csv")  # one budget for every export
        assert refused.status_code == 429
        assert "Please wait a few minutes and try again." in refused.get_data(as_text=True)
    finally:
        app.config["EXPORT_LIMIT"] = "30 per 10 minutes"
