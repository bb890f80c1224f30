"""Korean first, English second: complete catalogs, a working switch, Seoul time."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from participation.core.i18n import extract_messages, is_translated
from participation.extensions import db
from tests.factories import make_user

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = ROOT / "participation" / "translations"


def read_catalog(locale: str):
    with open(CATALOGS / locale / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f)


def extracted_messages(tmp_path) -> set[str]:
    pot = tmp_path / "messages.pot"
    extract_messages(ROOT, pot)
    with open(pot, "rb") as f:
        return {m.id for m in read_po(f) if m.id}


@pytest.mark.parametrize("locale", ["ko", "en"])
def test_catalog_is_complete_and_up_to_date(locale, tmp_path):
    catalog = read_catalog(locale)
    missing = [m.id for m in catalog if m.id and not is_translated(m)]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    problems = [(m.id, errors) for m in catalog if m.id for errors in [list(m.check(catalog))] if errors]
    assert not missing, f"untranslated in {locale}: {missing}"
    assert not fuzzy, f"fuzzy in {locale}: {fuzzy}"
    assert not problems, problems
    in_code = extracted_messages(tmp_path)
    not_in_catalog = in_code - {m.id for m in catalog if m.id}
    assert not not_in_catalog, f"run `make extract-messages` and translate: {sorted(not_in_catalog)}"


def test_korean_is_the_default_and_english_is_one_click_away(client):
    body = client.get("/").get_data(as_text=True)
    assert '<html lang="ko">' in body and "본문 바로가기" in body
    response = client.post_form("/language", {"lang": "en", "next": "/privacy"})
    assert response.status_code == 302 and response.location == "/privacy"
    body = client.get("/privacy").get_data(as_text=True)
    assert '<html lang="en">' in body and "Skip to main content" in body
    client.post_form("/language", {"lang": "ko", "next": "/"})
    assert '<html lang="ko">' in client.get("/").get_data(as_text=True)


def test_unknown_language_is_refused(client):
    response = client.post_form("/language", {"lang": "fr", "next": "/"})
    assert response.status_code == 400


def test_language_switch_never_redirects_off_site(client):
    response = client.post_form("/language", {"lang": "en", "next": "https://evil.example/"})
    assert response.location == "/"


def test_a_signed_in_persons_choice_is_remembered_in_their_account(client, make_client, app_ctx):
    user = make_user()
    client.login(user.email)
    client.post_form("/language", {"lang": "en", "next": "/"})
    db.session.refresh(user)
    assert user.locale == "en"
    other_device = make_client()
    other_device.login(user.email)
    assert '<html lang="en">' in other_device.get("/account").get_data(as_text=True)


def test_dates_are_shown_in_seoul_time(app):
    from flask_babel import format_datetime

    late_evening_utc = datetime(2026, 3, 1, 20, 30, tzinfo=UTC)  # 05:30 on 2 March in Seoul
    with app.test_request_context("/"):
        shown = format_datetime(late_evening_utc, "yyyy-MM-dd HH:mm")
    assert shown == "2026-03-02 05:30"


def test_timestamps_read_naturally_in_each_language(app):
    from participation.core.web import format_local_datetime

    morning_in_seoul = datetime(2026, 3, 1, 23, 5, tzinfo=UTC)
    with app.test_request_context("/"):
        assert format_local_datetime(morning_in_seoul) == "2026. 3. 2. 오전 8:05"
    with app.test_request_context("/"):
        from flask import session

        session["lang"] = "en"
        assert format_local_datetime(morning_in_seoul) == "Mar 2, 2026, 8:05 AM"
