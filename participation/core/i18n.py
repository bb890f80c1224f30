"""Translation helpers.

Flask-Babel's lazy strings mark themselves as safe HTML, so a lazy message
carrying user data (a name, a title) would reach the page unescaped. Ours
escape, like any other value: use `lazy_gettext` from here, never Flask-Babel's.
"""
from __future__ import annotations

from flask_babel import gettext, ngettext
from flask_babel.speaklater import LazyString
from markupsafe import escape


class EscapedLazyString(LazyString):
    def __html__(self):
        return escape(str(self))


def lazy_gettext(string: str, **variables) -> EscapedLazyString:
    return EscapedLazyString(gettext, string, **variables)


def lazy_ngettext(singular: str, plural: str, num: int, **variables) -> EscapedLazyString:
    """The form for `num` of a message counting something ("1 vote", "2 votes"), made when shown."""
    return EscapedLazyString(ngettext, singular, plural, num, **variables)


def is_translated(message) -> bool:
    """Every form of the message has a translation (plural messages have several)."""
    if isinstance(message.string, (tuple, list)):
        return all(message.string)
    return bool(message.string)


def compile_stale_catalogs(translations) -> list[str]:
    """Compile each messages.po whose .mo is missing or older; returns the languages compiled."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    compiled = []
    for po in sorted(Path(translations).glob("*/LC_MESSAGES/messages.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime > po.stat().st_mtime:
            continue
        with open(po, "rb") as f:
            catalog = read_po(f)
        with open(mo, "wb") as f:
            write_mo(f, catalog)
        compiled.append(po.parent.parent.name)
    return compiled


EXTRACT_ARGS = ["--no-location", "--sort-output", "-k", "_l", "-k", "lazy_gettext", "-k", "lazy_ngettext:1,2", "--ignore-dirs", ".* __pycache__"]


def extract_messages(root, pot) -> None:
    """Write every translatable message of the code and templates under `root` to `pot`.

    Directories starting with "_" (templates/_macros) are included on purpose:
    Babel's default skips them.
    """
    from babel.messages.frontend import CommandLineInterface

    CommandLineInterface().run(
        ["pybabel", "-q", "extract", *EXTRACT_ARGS, "-F", str(root / "babel.cfg"), "-o", str(pot), str(root)]
    )


def update_catalogs(root, languages=("ko", "en"), source_language: str = "en") -> dict[str, list[str]]:
    """Extract messages, merge them into every catalog, and fill the source-language one.

    Returns, for each language, the message ids still waiting for a translation.
    """
    from pathlib import Path

    from babel.messages.frontend import CommandLineInterface
    from babel.messages.pofile import read_po, write_po

    root = Path(root)
    translations = root / "participation" / "translations"
    pot = translations / "messages.pot"
    cli = CommandLineInterface()
    extract_messages(root, pot)
    pending = {}
    for language in languages:
        po = translations / language / "LC_MESSAGES" / "messages.po"
        if po.exists():
            cli.run(["pybabel", "-q", "update", "--no-fuzzy-matching", "-i", str(pot), "-d", str(translations), "-l", language])
        else:
            cli.run(["pybabel", "-q", "init", "-i", str(pot), "-d", str(translations), "-l", language])
        with open(po, "rb") as f:
            catalog = read_po(f)
        if language == source_language:
            for message in catalog:
                if message.id and not is_translated(message):
                    message.string = message.id if isinstance(message.id, str) else tuple(message.id)
            with open(po, "wb") as f:
                write_po(f, catalog, sort_output=True, omit_header=False)
        pending[language] = [m.id for m in catalog if m.id and not is_translated(m)]
    return pending
