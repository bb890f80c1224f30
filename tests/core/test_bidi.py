"""Bidirectional control characters cannot reorder what people read: stripped from every one-line
text field of every form, and user text in many lines is isolated where it is shown."""
from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

import participation
from participation.core.forms import Form, is_single_line_text
from participation.core.text import BIDI_CONTROLS
from participation.extensions import db
from participation.ideas.models import Idea
from tests.factories import make_round

SPOOF = "safe\u202etxt.exe" + "".join(sorted(BIDI_CONTROLS)) + "13030"


def _every_form_class() -> list[type]:
    for module in pkgutil.walk_packages(participation.__path__, "participation."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)
    found, todo = [], [FlaskForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.append(sub)
            todo.append(sub)
    return [cls for cls in found if cls.__module__.startswith("participation.")]


def _single_line_fields(form, prefix=""):
    for field in form:
        if field.type == "FormField":
            yield from _single_line_fields(field.form)
        elif field.type == "FieldList":
            for entry in field.entries:
                if entry.type == "FormField":
                    yield from _single_line_fields(entry.form)
                elif is_single_line_text(entry):
                    yield entry
        elif is_single_line_text(field):
            yield field


def test_every_form_of_the_app_is_built_on_the_core_form():
    classes = _every_form_class()
    assert len(classes) > 30
    assert [cls.__qualname__ for cls in classes if cls is not Form and not issubclass(cls, Form)] == []


def test_every_one_line_text_field_of_every_form_strips_bidirectional_controls(app):
    checked = []
    with app.test_request_context(method="POST"):
        for cls in _every_form_class():
            if cls is Form:
                continue
            names = [field.name for field in _single_line_fields(cls(formdata=None, meta={"csrf": False}))]
            form = cls(formdata=MultiDict({name: SPOOF for name in names}), meta={"csrf": False})
            for field in _single_line_fields(form):
                checked.append(f"{cls.__name__}.{field.name}")
                if isinstance(field.data, str):
                    assert field.data == "safetxt.exe13030", f"{cls.__name__}.{field.name} kept {field.data!r}"
                else:  # a text input for something else (an amount in won): the value is refused
                    assert field.process_errors, f"{cls.__name__}.{field.name} took {field.data!r}"
    # Titles, names, reasons, searches and emails are among them.
    assert {"IdeaForm.title", "RegisterForm.display_name", "DepartmentForm.name_ko", "IdeaFilterForm.q", "PanelForm.name"} <= set(checked)
    assert len(checked) > 20


def test_an_idea_title_with_a_right_to_left_override_is_stored_and_shown_without_it(resident_client, app_ctx):
    round_ = make_round("submission")
    url = f"/rounds/{round_.id}/ideas/new"
    response = resident_client.post_form(url, {"title": SPOOF, "body": "본문\u202e입니다", "category_id": str(round_.categories[0].id)},
                                         token_from=url, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    idea = db.session.scalar(select(Idea))
    assert idea.title == "safetxt.exe13030"
    page = resident_client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert not BIDI_CONTROLS & set(page.split("<title>")[1].split("</title>")[0])
    # A body of many lines keeps what was written, and is isolated where it is shown.
    assert "본문\u202e입니다" in page
    # (Its language may be marked too: lang="…" then stands before dir.)
    assert re.search(r'<div class="prose idea-body"(?: lang="\w+")? dir="auto">', page)


def test_a_display_name_with_bidirectional_controls_is_stripped_like_every_other_name(client, app_ctx):
    client.use_english()
    response = client.post_form("/register", {"email": "bidi@example.kr", "display_name": "주민\u202e\u2066아무개", "password": "a-long-enough-secret-7",
                                              "consent": "y"}, token_from="/register")
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    from participation.accounts.models import User

    assert db.session.scalar(select(User.display_name).where(User.email == "bidi@example.kr")) == "주민아무개"


def test_every_template_shows_user_markdown_in_an_isolated_block():
    root = Path(__file__).resolve().parents[2] / "templates"
    bare = []
    for template in root.rglob("*.html"):
        for number, line in enumerate(template.read_text(encoding="utf-8").splitlines(), 1):
            if ("| markdown" in line or "_html | safe" in line) and 'dir="auto"' not in line:
                bare.append(f"{template.relative_to(root)}:{number}")
    assert bare == []


def test_a_title_stored_with_bidirectional_controls_before_the_fix_is_shown_without_them(client, app_ctx):
    from tests.factories import make_idea

    idea = make_idea(make_round("voting"), title="safe\u202etxt.exe13030")
    assert idea.title == "safe\u202etxt.exe13030"  # the service keeps what it is given
    for url in (f"/ideas/{idea.id}", "/ideas"):
        page = client.get(url).get_data(as_text=True)
        assert "safetxt.exe13030" in page
        assert not BIDI_CONTROLS & set(page), url
