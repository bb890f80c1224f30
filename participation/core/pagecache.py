"""A short-lived cache of public list pages for visitors who are not signed in.

When a popular round draws a crowd, most of it reads the same few list pages.
Each worker process keeps the HTML of those pages for a couple of seconds
(PAGE_CACHE_SECONDS; 0 turns it off), so a visitor may see a vote count that
is that much old; signed-in residents, who vote and write, always get a page
rendered for them. The page's CSRF token belongs to the visitor's session, so
it is cut out before storing and the current visitor's is put back in.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from functools import wraps

from flask import Response, current_app, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

# Only the list's own parameters make a cacheable page; anything else (junk
# added to dodge or flood the cache) is rendered normally and not kept.
LIST_PARAMETERS = frozenset({"q", "round_id", "category_id", "district_id", "status", "sort", "page"})
TOKEN_MARK = "\x00csrf\x00"  # noqa: S105  (a placeholder, not a secret)
MAX_PAGES = 500

_pages: OrderedDict = OrderedDict()
_lock = threading.Lock()


def _cacheable_request() -> bool:
    return (
        current_app.config.get("PAGE_CACHE_SECONDS", 0) > 0
        and request.method == "GET"
        and not current_user.is_authenticated
        and not session.get("_flashes")
        and request.args.get("sort") != "random"  # that order belongs to one visitor
        and set(request.args) <= LIST_PARAMETERS
    )


def cached_for_visitors(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not _cacheable_request():
            return view(*args, **kwargs)
        key = (request.full_path, str(get_locale()))
        now = time.monotonic()
        with _lock:
            entry = _pages.get(key)
        if entry and now - entry[0] < current_app.config["PAGE_CACHE_SECONDS"]:
            return Response(entry[1].replace(TOKEN_MARK, generate_csrf()), status=200, mimetype="text/html")
        response = current_app.make_response(view(*args, **kwargs))
        if response.status_code == 200 and response.mimetype == "text/html":
            html = response.get_data(as_text=True).replace(generate_csrf(), TOKEN_MARK)
            with _lock:
                _pages[key] = (now, html)
                _pages.move_to_end(key)
                while len(_pages) > MAX_PAGES:
                    _pages.popitem(last=False)
        return response

    return wrapped


def forget_pages() -> None:
    """Drop every kept page. Views call it once a write that changes what visitors may
    read has committed (a comment posted, edited, deleted or hidden, a moderator's
    decision, an idea edited or withdrawn), so hidden or taken-back words are not shown
    on from a kept copy. Other worker processes still keep theirs for at most
    PAGE_CACHE_SECONDS."""
    with _lock:
        _pages.clear()
