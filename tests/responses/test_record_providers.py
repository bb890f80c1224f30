"""Other domains add tables to the departments' record through a provider hook; responses shows
whatever they return and imports none of them."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from participation.core.time import now
from participation.responses import services
from tests.factories import make_department


@pytest.fixture
def providers(monkeypatch):
    """The registry as the app left it, put back after the test."""
    monkeypatch.setattr(services, "_record_providers", dict(services._record_providers))
    return services._record_providers


def _table(department, cells=("7", "<b>bold</b>"), overdue=False):
    return services.RecordTable(
        heading="Street cleaning",
        caption="Cleaning by department",
        columns=("Swept", "Note"),
        rows=(services.RecordRow(department, cells, overdue=overdue),),
        empty="Nothing swept yet.",
        notes=("Counted every morning.",),
    )


def test_a_registered_table_is_shown_with_its_columns_rows_and_notes(app_ctx, client, providers):
    parks = make_department(name_ko="공원녹지과", name_en="Parks")
    services.register_record_provider("cleaning", lambda now: _table(parks, overdue=True))
    client.use_english()
    body = client.get("/responses/departments").get_data(as_text=True)
    section = body.split('<h2 id="record-table-')[-1]
    assert "Street cleaning</h2>" in section and "Cleaning by department, as of" in section
    assert '<th scope="col">Swept</th><th scope="col">Note</th>' in section
    assert '<tr class="overdue">' in section and '<th scope="row">Parks</th>' in section
    assert "<td>7</td><td>&lt;b&gt;bold&lt;/b&gt;</td>" in section  # cells are text, escaped
    assert "Counted every morning." in section


def test_a_provider_without_rows_says_so_and_one_returning_none_adds_nothing(app_ctx, client, providers):
    services.register_record_provider("cleaning", lambda now: services.RecordTable("Street cleaning", "c", ("Swept",), (), "Nothing swept yet."))
    services.register_record_provider("nothing", lambda now: None)
    client.use_english()
    body = client.get("/responses/departments").get_data(as_text=True)
    assert "Nothing swept yet." in body
    assert len(services.record_tables(now())) == len(providers) - 1


def test_registering_again_under_the_same_name_replaces_the_table(providers):
    services.register_record_provider("cleaning", lambda now: "first")
    services.register_record_provider("cleaning", lambda now: "second")
    assert [p(None) for name, p in providers.items() if name == "cleaning"] == ["second"]


def test_responses_imports_no_civil_requests():
    root = Path(services.__file__).parent
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in getattr(node, "names", [])] if isinstance(node, ast.Import) else []
            assert not any(name.startswith("participation.civil_requests") for name in names), path
