"""Shared helpers for the deliberation tests: posting through the services, bulk threads, reading pages."""
from __future__ import annotations

import html
import re
import secrets
from datetime import datetime, timedelta
from html.parser import HTMLParser

from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select

from participation.core.sanitize import render_markdown
from participation.core.time import now
from participation.deliberation import services
from participation.deliberation.models import Comment, CommentStatus, ModerationItem
from participation.extensions import db

COMMENT_LI = re.compile(r'<li class="comment depth-(\d)(?: comment-highlight)?" id="comment-(\d+)"')


def post(author, subject, body: str = "좋은 생각입니다.", *, stance: str = "for", parent: Comment | None = None, at: datetime | None = None) -> Comment:
    """A comment (or reply) through the service, committed."""
    comment = services.post_comment(author, subject, stance, body, parent, at or now())
    db.session.commit()
    return comment


def flag(user, target, reason: str = "abuse", text: str | None = None, at: datetime | None = None):
    row = services.flag(user, target, reason, text, at or now())
    db.session.commit()
    return row


def _session_token(client) -> str:
    """A CSRF token for the client's session, made as Flask-WTF makes it, without loading a page for it."""
    app = client.application
    with client.session_transaction() as session:
        raw = session.setdefault("csrf_token", secrets.token_hex(20))
    secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
    return URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)


def _one_token(client):
    """Forms from this client carry the session's CSRF token, made once rather than fetched before every post."""
    token = _session_token(client)
    post_form = client.post_form

    def post_with_token(url, data=None, **kwargs):
        return post_form(url, {"csrf_token": token, **(data or {})}, **kwargs)

    client.post_form = post_with_token
    client.csrf_token = lambda path="/": token
    return client


def signed_in(make_client, user):
    """A client of its own, signed in as `user`, reading English."""
    client = make_client()
    client.login(user.email, csrf_token=_session_token(client))
    client.use_english()
    client.user = user
    return _one_token(client)


def visitor(make_client):
    client = make_client()
    client.use_english()
    return _one_token(client)


def text_of(response) -> str:
    """The page as a reader sees its text (entities decoded)."""
    return html.unescape(response.get_data(as_text=True))


def comment_ids(response, depth: int | None = None) -> list[int]:
    """Ids of the comments on a page, in page order (optionally only those at one depth)."""
    return [int(i) for d, i in COMMENT_LI.findall(response.get_data(as_text=True)) if depth is None or int(d) == depth]


def visible_count(thread_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Comment).where(Comment.thread_id == thread_id, Comment.status == CommentStatus.VISIBLE)
    )


def open_item_for(comment=None, idea=None) -> ModerationItem | None:
    column = ModerationItem.comment_id if comment is not None else ModerationItem.idea_id
    target = comment if comment is not None else idea
    return db.session.scalar(select(ModerationItem).where(column == target.id, ModerationItem.closed_at.is_(None)))


def decision_form(item_id: int, decision: str, reason: str, note: str = "") -> dict:
    prefix = f"item-{item_id}-"
    return {prefix + "decision": decision, prefix + "reason": reason, prefix + "note": note}


def bulk_thread(subject, authors, *, tops: int, replies_per_top: int = 0, start: datetime | None = None, body: str = "의견 {n}") -> list[Comment]:
    """Many comments at once, inserted directly (the services' rules are tested elsewhere), then recounted.

    Top-level comments are a second apart, oldest first; replies (depth 1) follow
    all of them. Returns the top-level comments.
    """
    start = start or now() - timedelta(hours=2)
    thread = services._thread_for_writing(subject, start)
    second = timedelta(seconds=1)
    top_rows = []
    for n in range(tops):
        text = body.format(n=n)
        top_rows.append(
            Comment(
                thread_id=thread.id, depth=0, author_id=authors[n % len(authors)].id, stance=("for", "against", "neutral")[n % 3],
                body=text, body_html=str(render_markdown(text)), status="visible", up_count=0, down_count=0, best_score=0.0,
                reply_count=replies_per_top, created_at=start + n * second,
            )
        )
    db.session.add_all(top_rows)
    db.session.flush()
    for top in top_rows:
        top.root_id = top.id
    replies = []
    moment = start + tops * second
    for top in top_rows:
        for r in range(replies_per_top):
            text = f"답글 {top.id}-{r}"
            moment += second
            replies.append(
                Comment(
                    thread_id=thread.id, parent_id=top.id, root_id=top.id, depth=1, author_id=authors[(r + 1) % len(authors)].id,
                    stance="neutral", body=text, body_html=str(render_markdown(text)), status="visible", up_count=0,
                    down_count=0, best_score=0.0, reply_count=0, created_at=moment,
                )
            )
    db.session.add_all(replies)
    services._recount(thread, subject)
    db.session.commit()
    return top_rows


class _Markup(HTMLParser):
    """Collects what a browser would act on: elements, attributes and script contents."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        self._in_script = tag == "script"

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


def active_markup_problems(response) -> list[str]:
    """Anything in the page a browser would run: inline scripts, event handlers, javascript: links."""
    parser = _Markup()
    parser.feed(response.get_data(as_text=True))
    problems = []
    for tag, attrs in parser.tags:
        for name, value in attrs:
            if name.startswith("on"):
                problems.append(f"<{tag} {name}={value!r}>")
            if value and value.strip().lower().replace("\t", "").startswith(("javascript:", "data:text")):
                problems.append(f"<{tag} {name}={value!r}>")
        if tag == "script" and not dict(attrs).get("src"):
            problems.append("inline <script>")
        if tag == "img" and dict(attrs).get("src") == "x":
            problems.append("<img src=x>")
    problems += [f"script body {s!r}" for s in parser.scripts if s.strip()]
    return problems


def english(message) -> str:
    """A service's (lazy) message as an English reader gets it."""
    from flask_babel import force_locale

    with force_locale("en"):
        return str(message)


def plain(markup: str) -> str:
    """A piece of a page as text: tags dropped, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def section_of(response, element_id: str, end: str = "</section>") -> str:
    """The markup from the element with this id up to the end marker."""
    page = response.get_data(as_text=True)
    start = page.index(f'id="{element_id}"')
    return page[start : page.index(end, start)]
