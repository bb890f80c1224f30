"""The language a piece of text is written in, so pages can mark it (WCAG 3.1.2, language of parts).

Residents and officials write in Korean or English whatever the page's language, and
reference data has Korean names. A screen reader reads Korean text with an English voice
(or the reverse) unless the element says `lang="ko"`. Texts people write store the language
detected when they are written (`WrittenLanguageMixin`); short texts with no stored language
(names) are detected when shown.
"""
from __future__ import annotations

from markupsafe import Markup, escape
from sqlalchemy import String, event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

LANGUAGES = ("ko", "en")
DEFAULT_LANGUAGE = "ko"

# One Hangul syllable carries about as much as three Latin letters ("설치" ~ "install"), so a
# Korean sentence with an English word or two ("CCTV 설치") stays Korean.
HANGUL_WEIGHT = 3


def _is_hangul(char: str) -> bool:
    code = ord(char)
    return (
        0xAC00 <= code <= 0xD7A3  # syllables
        or 0x1100 <= code <= 0x11FF  # jamo
        or 0x3130 <= code <= 0x318F  # compatibility jamo
        or 0xA960 <= code <= 0xA97F
        or 0xD7B0 <= code <= 0xD7FF
    )


def _is_latin(char: str) -> bool:
    return char.isalpha() and (char.isascii() or 0x00C0 <= ord(char) <= 0x024F)


def detect_language(*texts: str | None, fallback: str = DEFAULT_LANGUAGE) -> str:
    """"ko" or "en" by the share of Hangul among the letters of `texts`; `fallback` (the writer's
    language) when they hold no Hangul or Latin letter at all ("1234", "!!!", "")."""
    hangul = latin = 0
    for text in texts:
        for char in text or "":
            if _is_hangul(char):
                hangul += 1
            elif _is_latin(char):
                latin += 1
    if not hangul and not latin:
        return fallback if fallback in LANGUAGES else DEFAULT_LANGUAGE
    return "ko" if hangul * HANGUL_WEIGHT >= latin else "en"


def lang_attribute(language: str | None, page_language: str | None) -> Markup:
    """` lang="ko"` when the text's language differs from the page's, else nothing."""
    if not language or language == page_language:
        return Markup("")
    return Markup(' lang="%s"') % language


def in_language(text: str, language: str | None, page_language: str | None) -> Markup:
    """`text`, escaped, inside `<span lang="…">` when its language differs from the page's."""
    if not language or language == page_language or not text:
        return escape(text)
    return Markup('<span lang="%s">%s</span>') % (language, text)


class WrittenLanguageMixin:
    """Text people write, with the language it was written in.

    A model lists its text attributes in `__language_of__` (and, optionally, the relationship
    to its writer in `__language_writer__`); `language` is set again whenever one of them
    changes, before the row is written. Text without letters takes the language of the page
    it was written on, or else the writer's saved language.
    """

    __language_of__: tuple[str, ...] = ()
    __language_writer__: str | None = None

    language: Mapped[str] = mapped_column(String(8), default=DEFAULT_LANGUAGE, server_default=DEFAULT_LANGUAGE)

    def detected_language(self) -> str:
        return detect_language(*(getattr(self, name, None) for name in self.__language_of__), fallback=self._writer_language())

    def _writer_language(self) -> str:
        from flask import has_request_context

        if has_request_context():
            from flask_babel import get_locale

            locale = get_locale()
            if locale is not None and str(locale) in LANGUAGES:
                return str(locale)
        writer = getattr(self, self.__language_writer__, None) if self.__language_writer__ else None
        locale = getattr(writer, "locale", None)
        return locale if locale in LANGUAGES else DEFAULT_LANGUAGE


def _text_changed(obj: WrittenLanguageMixin) -> bool:
    state = inspect(obj)
    if state.pending or obj.language is None:
        return True
    return any(state.attrs[name].history.has_changes() for name in obj.__language_of__)


@event.listens_for(Session, "before_flush")
def _set_written_language(session: Session, _context, _instances) -> None:
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, WrittenLanguageMixin) and _text_changed(obj):
            with session.no_autoflush:
                obj.language = obj.detected_language()
