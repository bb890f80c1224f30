"""An author's edit, update note or withdrawal reaches visitors at once, not after the kept page expires."""
from __future__ import annotations

import pytest

from participation.core.pagecache import forget_pages
from tests.deliberation.helpers import signed_in, text_of, visitor
from tests.factories import make_idea, make_round, make_user


@pytest.fixture
def page_cache(app):
    app.config["PAGE_CACHE_SECONDS"] = 60
    forget_pages()
    yield
    app.config["PAGE_CACHE_SECONDS"] = 0
    forget_pages()


def test_the_authors_changes_replace_the_kept_page(app_ctx, page_cache, make_client):
    author = make_user()
    round_ = make_round("submission")
    idea = make_idea(round_, author, title="처음 제목", body="처음 본문입니다.")
    client = signed_in(make_client, author)
    reader = visitor(make_client)
    assert "처음 본문입니다." in text_of(reader.get(f"/ideas/{idea.id}"))

    edit = {"title": "고친 제목", "body": "고친 본문입니다.", "category_id": str(round_.categories[0].id), "district_id": "",
            "latitude": "", "longitude": ""}
    assert client.post_form(f"/ideas/{idea.id}/edit", edit, content_type="multipart/form-data").status_code == 302
    page = text_of(reader.get(f"/ideas/{idea.id}"))
    assert "고친 본문입니다." in page and "처음 본문입니다." not in page

    assert client.post_form(f"/ideas/{idea.id}/updates", {"body": "주민 서명을 모았습니다."}).status_code == 302
    assert "주민 서명을 모았습니다." in text_of(reader.get(f"/ideas/{idea.id}"))

    assert client.post_form(f"/ideas/{idea.id}/withdraw", {"reason": "다른 제안과 합칩니다."}).status_code == 302
    page = text_of(reader.get(f"/ideas/{idea.id}"))
    assert "고친 본문입니다." not in page and "다른 제안과 합칩니다." in page
