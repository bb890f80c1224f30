"""Links in emails point at the server actually running, unless PUBLIC_URL names the site.

Emails are written when the outbox sweep delivers them, outside any request,
so these tests deliver through the sweep, as the scheduler does.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest
from sqlalchemy import select

from participation.core import origin
from participation.core.db import write_transaction
from participation.core.time import now
from participation.extensions import db
from participation.notifications import mail
from participation.notifications import services as notes
from participation.notifications.models import OutboxMessage
from tests.factories import make_user

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"https?://[^\s\"'<>]+")


@pytest.fixture
def unconfigured(app, monkeypatch, tmp_path):
    """A development server with no PUBLIC_URL, that has served nothing yet."""
    monkeypatch.setitem(app.config, "PUBLIC_URL", None)
    monkeypatch.setitem(app.config, "MAIL_OUTBOX_DIR", str(tmp_path))
    monkeypatch.setitem(app.extensions, origin._SERVED, None)  # restored afterwards, whatever a test serves
    monkeypatch.delenv("FLASK_RUN_HOST", raising=False)
    monkeypatch.delenv("FLASK_RUN_PORT", raising=False)
    return tmp_path


def delivered_links(outbox: Path) -> set[str]:
    """Every link of the email the sweep delivers for a new answer, in both parts and the headers."""
    user = make_user()
    with write_transaction():
        notes.notify([user.id], "answered", f"links:{user.id}", notes.Subject("idea", 7, "/ideas/7"),
                     {"title": "그늘막", "decision": "accepted"}, now())
    assert mail.deliver_email_outbox(now())["sent"] >= 1
    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.user_id == user.id))
    parsed = message_from_bytes((outbox / mail.file_name(row)).read_bytes(), policy=default_policy)
    text = parsed["List-Unsubscribe"] + "".join(
        part.get_content() for part in parsed.walk() if not part.is_multipart())
    links = set(LINK.findall(text))
    assert any("/unsubscribe/" in link for link in links) and any("/ideas/7" in link for link in links)
    return links


def origins(links: set[str]) -> set[str]:
    return {re.match(r"https?://[^/]+", link).group(0) for link in links}


def test_links_use_the_host_and_port_make_run_serves_on(app_ctx, unconfigured, monkeypatch):
    monkeypatch.setenv("FLASK_RUN_HOST", "127.0.0.1")
    monkeypatch.setenv("FLASK_RUN_PORT", "5101")
    assert origins(delivered_links(unconfigured)) == {"http://127.0.0.1:5101"}


def test_a_server_on_every_interface_is_linked_at_its_own_machine(app_ctx, unconfigured, monkeypatch):
    monkeypatch.setenv("FLASK_RUN_HOST", "0.0.0.0")  # noqa: S104
    monkeypatch.setenv("FLASK_RUN_PORT", "5102")
    assert origins(delivered_links(unconfigured)) == {"http://127.0.0.1:5102"}


def test_links_follow_the_origin_the_server_was_reached_at(app, app_ctx, unconfigured, monkeypatch):
    monkeypatch.setenv("FLASK_RUN_PORT", "5101")
    client = app.test_client()
    assert client.get("/", base_url="http://localhost:5107").status_code == 200
    # Delivered later by the sweep, outside that request.
    assert origins(delivered_links(unconfigured)) == {"http://localhost:5107"}


def test_a_configured_public_url_wins(app, app_ctx, unconfigured, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://participate.city.go.kr/")
    monkeypatch.setenv("FLASK_RUN_PORT", "5101")
    app.test_client().get("/", base_url="http://localhost:5107")
    assert origins(delivered_links(unconfigured)) == {"https://participate.city.go.kr"}


def test_without_any_hint_links_use_the_default_development_address(app_ctx, unconfigured):
    assert origins(delivered_links(unconfigured)) == {origin.DEFAULT_ORIGIN}


def test_make_run_tells_the_app_its_host_and_port():
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    dry_run = subprocess.run([make, "-n", "run", "HOST=127.0.0.1", "PORT=5101"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout
    command = next(line for line in dry_run.splitlines() if " run " in line and "flask" in line)
    assert "FLASK_RUN_HOST=127.0.0.1" in command and "FLASK_RUN_PORT=5101" in command
