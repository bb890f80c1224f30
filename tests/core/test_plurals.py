"""Counts read as English does: "1 vote", "2 votes". Every plural message, and no count outside one."""
from __future__ import annotations

import re

import pytest
from flask_babel import force_locale, get_translations

from tests.core.test_i18n import ROOT, read_catalog

PLACEHOLDER = re.compile(r"%\((\w+)\)([ds])")


def plural_messages(locale: str):
    return [m for m in read_catalog(locale) if m.id and isinstance(m.id, (tuple, list))]


def forms(translations, message, n: int) -> str:
    singular, plural = message.id
    if message.context:
        return translations.unpgettext(message.context, singular, plural, n)
    return translations.ungettext(singular, plural, n)


def filled(message_id: str, n: int) -> dict:
    """Every placeholder filled: numbers with the count, words with a marker naming them."""
    return {name: (n if kind == "d" else f"<{name}>") for name, kind in PLACEHOLDER.findall(message_id)}


def test_the_catalog_has_the_plural_messages_this_test_covers():
    ids = {m.id[0] for m in plural_messages("en")}
    assert {"%(num)d vote", "%(count)d account found.", "You support this idea. You have %(count)d vote left in this round."} <= ids


@pytest.mark.parametrize("message", plural_messages("en"), ids=lambda m: m.id[0][:60])
def test_every_plural_message_reads_singular_at_one_and_plural_at_two(app, message):
    singular, plural = message.id
    with app.test_request_context("/"), force_locale("en"):
        translations = get_translations()
        one = forms(translations, message, 1) % filled(singular, 1)
        two = forms(translations, message, 2) % filled(plural, 2)
    assert one == singular % filled(singular, 1)
    assert two == plural % filled(plural, 2)
    # The words change, not only the number.
    assert one.replace("1", "N") != two.replace("2", "N"), (one, two)


@pytest.mark.parametrize("message", plural_messages("ko"), ids=lambda m: m.id[0][:60])
def test_every_korean_plural_message_has_its_one_form_and_renders(app, message):
    singular, plural = message.id
    with app.test_request_context("/"), force_locale("ko"):
        translations = get_translations()
        one = forms(translations, message, 1) % filled(singular, 1)
        two = forms(translations, message, 2) % filled(plural, 2)
    assert message.string[0] and one != singular
    assert one.replace("1", "N") == two.replace("2", "N")  # Korean has one form


# A number placeholder followed by a plural noun ("%(count)d votes", "all %(count)d of your votes").
# `%(name)s` counts only under these names: other string placeholders are words (a title, "20–29").
NUMERIC_STRINGS = {"votes", "threshold", "count", "num", "n"}
COUNTED_NOUN = re.compile(r"%\((\w+)\)([ds])(?:-| of (?:your|the) | )([A-Za-z]+)\b(?!\.[A-Za-z])")  # not a file name
NOT_NOUNS = {"is", "has", "was", "this", "its", "us", "as", "yes"}


def counted_plural_nouns(text: str) -> list[str]:
    found = []
    for name, kind, word in COUNTED_NOUN.findall(text):
        if kind == "s" and name not in NUMERIC_STRINGS:
            continue
        # Field lengths ("%(max)d characters") are WTForms' own interpolation, and never one.
        if name in ("max", "min") and word == "characters":
            continue
        if len(word) > 2 and word.endswith("s") and word.lower() not in NOT_NOUNS:
            found.append(f"%({name}){kind} {word}")
    return found


def test_the_check_recognises_a_count_with_a_plural_noun():
    assert counted_plural_nouns("You have %(count)d votes left in this round.") == ["%(count)d votes"]
    assert counted_plural_nouns("You have used all %(count)d of your votes.") == ["%(count)d votes"]
    assert counted_plural_nouns("%(votes)s votes: %(who)s answers") == ["%(votes)s votes"]
    assert counted_plural_nouns("%(department)s has not answered yet.") == []
    assert counted_plural_nouns("Use at most %(max)d characters.") == []
    assert counted_plural_nouns("python lottery.py SEED %(target)d applicants.csv") == []


def test_no_singular_message_shows_a_count_with_a_plural_noun():
    offenders = {m.id: found for m in read_catalog("en") if m.id and isinstance(m.id, str) for found in [counted_plural_nouns(m.id)] if found}
    assert not offenders, f"use ngettext for: {offenders}"


# In a template, a number printed next to a hard-coded noun: `{{ n }} votes` or `{{ n }}</span> {{ _("votes") }}`.
TEMPLATE_COUNT = re.compile(r"\{\{[^{}]*\}\}(?:\s*</\w+>)?\s*(?:\{\{\s*_\(\s*[\"']([A-Za-z]+)[\"']\s*\)\s*\}\}|([A-Za-z]+)\b)")


def templates_counting_without_ngettext(root) -> list[str]:
    found = []
    for path in sorted((root / "templates").rglob("*")):
        if path.suffix not in (".html", ".txt"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in TEMPLATE_COUNT.finditer(line):
                word = match.group(1) or match.group(2)
                if len(word) > 2 and word.endswith("s") and word.lower() not in NOT_NOUNS:
                    found.append(f"{path.relative_to(root)}:{number}: {word}")
    return found


def test_the_template_check_recognises_a_count_beside_a_noun(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "t.html").write_text(
        '<p>{{ idea.vote_count }} votes</p>\n<span class="stat">{{ counts.users }}</span> {{ _("accounts") }}\n'
        "<p>{{ ngettext('%(num)d vote', '%(num)d votes', n) }}</p>\n", encoding="utf-8"
    )
    assert templates_counting_without_ngettext(tmp_path) == ["templates/t.html:1: votes", "templates/t.html:2: accounts"]


def test_no_template_prints_a_number_beside_a_hard_coded_plural_noun():
    assert templates_counting_without_ngettext(ROOT) == []
