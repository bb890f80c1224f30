"""The discussion summary quotes the most agreed comment on each side as plain text: never
raw Markdown, never markup, cut short at a word with an ellipsis."""
from __future__ import annotations

import re

from participation.core.sanitize import plain_excerpt, render_markdown
from participation.core.time import now
from participation.deliberation import services
from participation.extensions import db
from tests.deliberation.helpers import post, visitor
from tests.factories import make_idea, make_round, make_user


def test_plain_excerpt_keeps_the_words_and_drops_the_markup():
    html = render_markdown("**굵은** 말과 _기울인_ 말, [링크](https://example.kr) & `코드`\n\n- 하나\n- 둘\n\n> 인용")
    assert plain_excerpt(html) == "굵은 말과 기울인 말, 링크 & 코드 하나 둘 인용"
    # Blocks never run together; entities come back as the characters they stand for.
    assert plain_excerpt("<p>첫 문단</p><p>둘째 문단 &lt;b&gt; &amp;</p>") == "첫 문단 둘째 문단 <b> &"
    assert plain_excerpt("") == "" and plain_excerpt(None) == ""


def test_plain_excerpt_cuts_at_a_word_with_an_ellipsis():
    words = " ".join(f"단어{n}" for n in range(100))
    excerpt = plain_excerpt(render_markdown(words), 160)
    assert excerpt.endswith("…") and len(excerpt) <= 161
    assert words.startswith(excerpt[:-1]) and words[len(excerpt) - 1] == " "  # whole words only
    assert plain_excerpt(render_markdown("짧은 글"), 160) == "짧은 글"
    # One endless word is cut where the limit falls rather than dropped.
    assert plain_excerpt("<p>" + "가" * 300 + "</p>", 20) == "가" * 20 + "…"


def test_the_summary_quotes_plain_text_not_markdown(app_ctx, make_client):
    idea = make_idea(make_round("voting"))
    body = "**벤치**가 꼭 _필요_ 합니다. `정말`\n\n" + " ".join(["그늘 아래에 두면 좋겠습니다."] * 20)
    best = post(make_user(), idea, body, stance="for")
    services.vote_comment(make_user(), best, 1, now())
    db.session.commit()

    page = visitor(make_client).get(f"/ideas/{idea.id}").get_data(as_text=True)
    quote = re.search(r'<blockquote class="best-comment stance-for">.*?</blockquote>', page, re.S).group(0)
    text = re.findall(r'<p(?: lang="\w+")?>(.*?)</p>', quote, re.S)[0]
    assert text.startswith("벤치가 꼭 필요 합니다. 정말 그늘 아래에")
    assert "**" not in text and "_필요_" not in text and "`" not in text and "<" not in text
    assert text.endswith("…") and len(text) <= 161

