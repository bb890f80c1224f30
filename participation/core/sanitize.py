"""The one sanitizer: Markdown -> HTML -> bleach allowlist.

Every piece of user-written rich text is rendered through `render_markdown`
and nowhere else. Raw HTML typed by a user is escaped by bleach rather than
trusted, links are limited to http(s) and mailto, and every link gets
rel="nofollow ugc noopener" so that user content passes no search ranking and
cannot reach back into our window.
"""
from __future__ import annotations

from functools import partial
from html.parser import HTMLParser

import bleach
import markdown
from bleach.linkifier import LinkifyFilter
from markupsafe import Markup

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "strong", "em", "b", "i", "del", "code", "pre", "blockquote",
        "ul", "ol", "li", "a", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
    }
)
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"], "th": ["align"], "td": ["align"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"


def _set_link_rel(attrs, new=False):
    href_key = (None, "href")
    href = attrs.get(href_key, "")
    if not href:
        # Anchors without a usable href (for example a stripped javascript: URL) are plain text.
        return None
    attrs[(None, "rel")] = LINK_REL
    return attrs


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[partial(LinkifyFilter, callbacks=[_set_link_rel], skip_tags={"pre", "code"})],
)


def render_markdown(text: str | None) -> Markup:
    """Render user Markdown to safe HTML."""
    if not text:
        return Markup("")
    html = markdown.markdown(text, extensions=["sane_lists", "tables", "fenced_code"], output_format="html")
    # User headings start at h3 so they never outrank the page's own h1/h2.
    for level in (2, 1):
        html = html.replace(f"<h{level}>", f"<h{level + 2}>").replace(f"</h{level}>", f"</h{level + 2}>")
    return Markup(_cleaner.clean(html))  # noqa: S704  (bleach output is the safe HTML)



# Elements after which a reader sees a break: their text must not run into the next element's.
_BLOCK_TAGS = frozenset(
    {"p", "br", "hr", "pre", "blockquote", "ul", "ol", "li", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td"}
)


class _TextOnly(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data):
        self.parts.append(data)


def plain_excerpt(html: str | None, limit: int = 160) -> str:
    """The words of sanitized HTML (render_markdown's output) as one line of plain text,
    cut at a word boundary to at most `limit` characters plus an ellipsis.

    The result is text, not markup: templates escape it like any other string.
    """
    if not html:
        return ""
    parser = _TextOnly()
    parser.feed(str(html))
    parser.close()
    text = " ".join("".join(parser.parts).split())
    if len(text) <= limit:
        return text
    cut = text[: limit + 1]
    space = cut.rfind(" ")
    # At the last space, unless that throws most of the excerpt away (one long word or URL).
    cut = cut[:space] if space > limit // 2 else text[:limit]
    return cut.rstrip(" ,.;:!?·-") + "…"
