"""Dates and times are shown one way, in the reader's language; a deadline at midnight ends the day before."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask import session

from participation.core.time import SEOUL, deadline_day, format_local_date, format_local_datetime


def seoul(y, m, d, hh=0, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SEOUL).astimezone(UTC)


def shown(app, language, helper, value):
    with app.test_request_context("/"):
        session["lang"] = language
        return helper(value)


@pytest.mark.parametrize(
    ("language", "expected"),
    [("ko", "2026. 12. 9. 24:00"), ("en", "Dec 9, 2026, 24:00")],
)
def test_a_midnight_deadline_reads_as_24_00_of_the_day_before(app, language, expected):
    assert shown(app, language, format_local_datetime, seoul(2026, 12, 10)) == expected


@pytest.mark.parametrize(("language", "expected"), [("ko", "2026. 12. 9."), ("en", "Dec 9, 2026")])
def test_a_midnight_deadline_shown_as_a_date_belongs_to_the_day_before(app, language, expected):
    assert shown(app, language, format_local_date, seoul(2026, 12, 10)) == expected
    assert deadline_day(seoul(2026, 12, 10)) == date(2026, 12, 9)


@pytest.mark.parametrize(
    ("language", "moment", "expected"),
    [
        ("ko", seoul(2026, 12, 10, 0, 1), "2026. 12. 10. 오전 12:01"),
        ("en", seoul(2026, 12, 10, 0, 1), "Dec 10, 2026, 12:01 AM"),
        ("ko", seoul(2026, 12, 9, 23, 59), "2026. 12. 9. 오후 11:59"),
        ("en", seoul(2026, 12, 9, 12, 0), "Dec 9, 2026, 12:00 PM"),
    ],
)
def test_other_moments_keep_their_own_day_and_clock(app, language, moment, expected):
    assert shown(app, language, format_local_datetime, moment) == expected


@pytest.mark.parametrize(("language", "expected"), [("ko", "2026. 12. 16."), ("en", "Dec 16, 2026")])
def test_a_date_and_a_moment_on_that_day_read_alike(app, language, expected):
    assert shown(app, language, format_local_date, date(2026, 12, 16)) == expected
    # 20:00 UTC on the 15th is already the 16th in Seoul.
    assert shown(app, language, format_local_date, datetime(2026, 12, 15, 20, 0, tzinfo=UTC)) == expected
    assert shown(app, language, format_local_date, datetime(2026, 12, 15, 20, 0)) == expected  # naive, as SQLite returns it


def test_the_template_filters_are_the_helpers(app):
    assert app.jinja_env.filters["date"] is format_local_date
    assert app.jinja_env.filters["datetime"] is format_local_datetime


def test_nothing_shown_for_a_missing_value(app):
    assert shown(app, "en", format_local_date, None) == "" == shown(app, "ko", format_local_datetime, None)


@pytest.mark.parametrize("language", ["ko", "en"])
def test_a_round_closing_at_midnight_shows_24_00_of_its_last_day(app_ctx, make_client, language):
    from datetime import time, timedelta

    from participation.core.time import now
    from tests.factories import make_round

    tomorrow = now().astimezone(SEOUL).date() + timedelta(days=1)
    round_ = make_round("voting", at=datetime.combine(tomorrow, time(0), tzinfo=SEOUL).astimezone(UTC))
    last_day = tomorrow + timedelta(days=9)  # voting closes at 00:00 ten days after `at`
    client = make_client()
    with client.session_transaction() as s:
        s["lang"] = language
    page = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    expected = f"{last_day.year}. {last_day.month}. {last_day.day}. 24:00" if language == "ko" else f"{last_day:%b} {last_day.day}, {last_day.year}, 24:00"
    assert expected in page
    assert "오전 12:00" not in page and "12:00 AM" not in page
