"""The one sanitizer: Markdown in, safe HTML out."""
from __future__ import annotations

import pytest

from participation.core.sanitize import render_markdown


def test_markdown_becomes_html():
    html = render_markdown("**굵게** 그리고 *기울임*\n\n- 하나\n- 둘")
    assert "<strong>굵게</strong>" in html and "<em>기울임</em>" in html and "<li>하나</li>" in html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        '<a href="https://x.kr" onclick="alert(1)">x</a>',
        "<iframe src='https://x.kr'></iframe>",
        "<svg onload=alert(1)>",
        '<div style="background:url(javascript:alert(1))">x</div>',
    ],
)
def test_dangerous_html_is_removed(source):
    html = str(render_markdown(source))
    for needle in ("<script", "onerror", "onclick", "<iframe", "<svg", "onload", "style=", "<img", "javascript:"):
        assert needle not in html.lower()


@pytest.mark.parametrize(
    "link",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](vbscript:msgbox(1))",
        '<a href="javascript:alert(1)">x</a>',
        '<a href="data:text/html,hi">x</a>',
    ],
)
def test_javascript_and_data_urls_are_refused(link):
    html = str(render_markdown(link)).lower()
    assert "href" not in html
    assert "javascript:" not in html and "data:" not in html


def test_links_get_nofollow_ugc_noopener():
    html = str(render_markdown("[구청](https://example.go.kr) 그리고 https://bare.example.kr"))
    assert html.count('rel="nofollow ugc noopener"') == 2
    assert 'href="https://example.go.kr"' in html and 'href="https://bare.example.kr"' in html


def test_user_headings_never_outrank_the_page():
    html = str(render_markdown("# 제목\n\n## 소제목"))
    assert "<h1>" not in html and "<h2>" not in html
    assert "<h3>제목</h3>" in html and "<h4>소제목</h4>" in html


def test_empty_input_renders_nothing():
    assert render_markdown(None) == "" and render_markdown("") == ""

