"""Answer deadlines in the inbox and on the idea page's response clock read in the reader's locale format."""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest

from participation.core.time import SEOUL, now
from participation.extensions import db
from tests.deliberation.helpers import plain, signed_in, visitor
from tests.factories import make_department
from tests.responses.helpers import closed_round, official_of, set_due
from tests.responses.test_clock_inbox_records import owe

ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
FORMATS = {"ko": lambda d: f"{d.year}. {d.month}. {d.day}.", "en": lambda d: f"{d:%b} {d.day}, {d.year}"}


def seoul_at(days_from_today: int, hh: int = 18):
    today = now().astimezone(SEOUL).date()
    return today + timedelta(days=days_from_today), datetime.combine(today + timedelta(days=days_from_today), time(hh), tzinfo=SEOUL)


def in_language(client, language):
    with client.session_transaction() as s:
        s["lang"] = language
    return client


@pytest.mark.parametrize("language", ["ko", "en"])
def test_the_inbox_shows_due_dates_in_the_locale_format(app_ctx, make_client, language):
    department = make_department()
    day, due_at = seoul_at(5)
    owe(department, due_at, title="그늘막 설치")
    # Midnight at the start of day 4 is the end of day 3: the inbox says D-3 and day 3.
    midnight_day, _ = seoul_at(3)
    owe(department, datetime.combine(midnight_day + timedelta(days=1), time(0), tzinfo=SEOUL), title="자정 마감")
    client = in_language(signed_in(make_client, official_of(department)), language)
    body = client.get("/responses/inbox").get_data(as_text=True)
    page = plain(body)
    assert FORMATS[language](day) in page
    assert re.search(rf"D-3\W.*{re.escape(FORMATS[language](midnight_day))}", page)
    assert not ISO_DAY.search(page), ISO_DAY.findall(page)
    # The machine-readable attribute keeps ISO 8601.
    assert re.search(r'<time datetime="\d{4}-\d{2}-\d{2}T', body)


@pytest.mark.parametrize("language", ["ko", "en"])
def test_the_response_clock_on_the_idea_page_shows_the_locale_format(app_ctx, make_client, language):
    setting = closed_round(publish=True)
    day, due_at = seoul_at(4)
    set_due(setting.selected, due_at)
    db.session.commit()
    client = in_language(visitor(make_client), language)
    body = client.get(f"/ideas/{setting.selected.id}").get_data(as_text=True)
    clock = plain(re.search(r'<p class="response-clock[^"]*">(.*?)</p>', body, re.S).group(1))
    assert FORMATS[language](day) in clock
    assert not ISO_DAY.search(clock)
