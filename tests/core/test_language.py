"""Language of parts (WCAG 3.1.2): what language a text is in, stored when written, marked on pages."""
from __future__ import annotations

import re

import pytest
from markupsafe import Markup

from participation.core.db import write_transaction
from participation.core.language import detect_language, in_language, lang_attribute
from participation.extensions import db
from tests.factories import make_idea, make_round, make_user


@pytest.mark.parametrize(("text", "language"), [
    ("공원에 벤치를 놓아 주세요", "ko"),
    ("Please put a bench in the park", "en"),
    ("CCTV 설치 요청", "ko"),  # a Korean sentence with an English acronym
    ("LED 가로등으로 교체해 주세요", "ko"),
    ("Bus stop near 시청 is too dark at night", "en"),  # an English sentence naming a Korean place
    ("Café crème in the 공원", "en"),  # Latin letters with accents count as Latin
    ("ㅋㅋㅋ", "ko"),  # compatibility jamo are Hangul
])
def test_the_language_is_the_share_of_hangul_among_the_letters(text, language):
    assert detect_language(text) == language


@pytest.mark.parametrize("text", ["", None, "1234", "!!! ?", "2026-12-31 10:00", "😀"])
def test_text_without_letters_takes_the_writers_language(text):
    assert detect_language(text, fallback="en") == "en"
    assert detect_language(text, fallback="ko") == "ko"
    assert detect_language(text, fallback="xx") == "ko"  # an unknown fallback is the site's own language


def test_several_texts_are_counted_together():
    assert detect_language("Bench", "공원에 벤치를 놓아 주세요") == "ko"
    assert detect_language("벤치", "Please put a bench in the park near the library") == "en"


def test_the_attribute_appears_only_when_the_text_differs_from_the_page():
    assert lang_attribute("ko", "en") == Markup(' lang="ko"')
    assert lang_attribute("en", "ko") == Markup(' lang="en"')
    assert lang_attribute("ko", "ko") == "" and lang_attribute(None, "en") == ""
    assert in_language("교통정책과", "ko", "en") == Markup('<span lang="ko">교통정책과</span>')
    assert in_language("<b>과</b>", "ko", "en") == Markup('<span lang="ko">&lt;b&gt;과&lt;/b&gt;</span>')
    assert in_language("Transport", "en", "en") == "Transport"


def test_written_text_stores_its_language_and_an_edit_detects_it_again(app_ctx):
    round_ = make_round("submission", title="생활안전 제안")
    assert round_.language == "ko"
    idea = make_idea(round_, title="Please put a bench in the park", body="There is nowhere to sit near the library.")
    assert idea.language == "en"
    idea.title, idea.body = "공원에 벤치를 놓아 주세요", "도서관 근처에 앉을 곳이 없습니다."
    db.session.flush()
    assert idea.language == "ko"


def test_text_without_letters_stores_the_language_of_the_page_it_was_written_on(app, app_ctx):
    round_ = make_round("submission")
    writer = make_user()
    with app.test_request_context("/"):
        from flask import session

        session["lang"] = "en"
        with write_transaction():
            idea = make_idea(round_, writer, title="2026!!", body="1, 2, 3")
    assert idea.language == "en"
    writer.locale = "en"
    idea = make_idea(round_, writer, title="12345", body="...")
    assert idea.language == "en"  # outside a request: the writer's saved language


def _tag_with(html: str, text: str) -> str:
    index = html.index(text)
    return html[html.rindex("<", 0, index):index]


def test_an_english_page_marks_korean_titles_names_and_reference_data(client, app_ctx):
    round_ = make_round("voting", title="생활안전 투표")
    category = round_.categories[0]
    category.name_en = ""  # a category with only its Korean name
    db.session.commit()
    author = make_user(display_name="벤치주민")
    korean = make_idea(round_, author, title="공원에 벤치를 놓아 주세요", category=category)
    make_idea(round_, make_user(display_name="Jane Doe"), title="More buses to the station at night", category=category)
    db.session.commit()

    client.use_english()
    html = client.get(f"/ideas/{korean.id}").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert 'id="idea-title" lang="ko">공원에 벤치를 놓아 주세요</h1>' in html
    assert 'lang="ko"' in _tag_with(html, "벤치주민")
    assert 'lang="ko"' in _tag_with(html, "생활안전 투표")  # the round's title in the back link
    assert f'<span lang="ko">{category.name_ko}</span>' in html
    assert "<title>공원에 벤치를 놓아 주세요 · " in html  # the tab's title carries no markup

    listing = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert 'lang="ko"' in _tag_with(listing, "공원에 벤치를 놓아 주세요")
    assert "lang=" not in _tag_with(listing, "More buses to the station at night")
    assert "lang=" not in _tag_with(listing, "Jane Doe")


def test_a_korean_page_marks_english_text_and_leaves_korean_alone(client, app_ctx):
    round_ = make_round("voting", title="생활안전 투표")
    korean = make_idea(round_, title="공원에 벤치를 놓아 주세요")
    english = make_idea(round_, title="More buses to the station at night")
    db.session.commit()
    html = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert '<html lang="ko">' in html
    assert "lang=" not in _tag_with(html, "공원에 벤치를 놓아 주세요")
    assert 'lang="en"' in _tag_with(html, "More buses to the station at night")
    assert not re.search(r'<span lang="ko">', html)
    detail = client.get(f"/ideas/{english.id}").get_data(as_text=True)
    assert 'id="idea-title" lang="en">More buses' in detail
    assert korean.language == "ko"


def test_similar_ideas_say_the_language_of_their_titles(client, app_ctx):
    """The idea form lists similar ideas by script; each link is marked like the server-rendered ones."""
    round_ = make_round("submission")
    make_idea(round_, title="Shade over the park benches", body="The benches are in full sun all afternoon.")
    make_idea(round_, title="공원 벤치에 그늘막")
    db.session.commit()
    found = client.get(f"/rounds/{round_.id}/similar", query_string={"title": "공원 벤치 park benches"}).json["ideas"]
    assert {(idea["title"], idea["language"]) for idea in found} == {
        ("Shade over the park benches", "en"), ("공원 벤치에 그늘막", "ko"),
    }
