"""Issue 8 done in the browser, as a new user would: a resident follows an idea (the button then says
"Following"); an official answers it from the response inbox; the resident reloads, sees the unread
count in the header (announced as "unread" to screen readers), opens Notifications and clicks the
message, which marks it read and lands on the idea's official response. The scheduler starts, as
`make run` starts it, and its catch-up pass delivers the email outbox: in development the email is a
file, which an admin sees on /admin/outbox. The test reads that .eml file, takes the unsubscribe link
from its text part, opens it in the resident's browser and presses the one button; the notification
settings then show that kind as "In the list only".

Each person is a browser context of their own at 360 px wide, signed in through the Korean form and
then reading English (kept for the session, and saved as the account's language, so the email is in
English too). Every page is watched for dialogs, script errors and console errors such as CSP refusals.

The round was closed and published with the outcome services before the test (voting ended two days
ago), so the official's answer is public, and news, at once.
"""
from __future__ import annotations

import email.policy
import re
import time
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from participation.core.db import write_transaction
from participation.core.time import now
from participation.extensions import db
from participation.notifications import mail
from participation.notifications.models import Notification, OutboxMessage
from participation.outcomes import services as outcomes
from participation.responses.services import due_for
from tests.browser.conftest import open_menu, reload_until
from tests.factories import make_category, make_department, make_idea, make_round, make_user
from tests.outcomes.helpers import SMALL_TIERS, after, close, vote

pytestmark = pytest.mark.browser

IDEA = "버스정류장 그늘막 설치"
ROUND = "2026 주민참여예산"
EXPLANATION = "올여름 안에 그늘막 2개를 설치하겠습니다."


@pytest.fixture
def scene(app):
    with app.app_context():
        department = make_department("교통정책과", name_en="Transport Policy Division")
        category = make_category(department, "교통·보행")
        # Voting closed two days ago; the round is closed and its outcome published.
        round_ = make_round("voting", categories=[category], department=department, tiers=SMALL_TIERS, votes_per_resident=None,
                            title=ROUND, at=now() - timedelta(days=12))
        idea = make_idea(round_, title=IDEA, category=category)
        vote(idea, [make_user() for _ in range(4)], round_.voting_opens_at + timedelta(hours=1))
        close(round_)
        with write_transaction():
            outcomes.publish_due_outcomes(after(round_, hours=1))
        resident = make_user(email="follower@example.kr", display_name="따라가는주민")
        official = make_user(email="official@example.kr", display_name="교통정책과 주무관", roles={"official"},
                             department=due_for(idea).department)
        admin = make_user(email="admin@example.kr", display_name="운영자", roles={"admin"})
        db.session.commit()
        yield {"idea": idea.id, "resident": resident.email, "resident_id": resident.id, "official": official.email, "admin": admin.email}
        db.session.remove()


@pytest.fixture
def public_url(app, live_server, monkeypatch):
    """Links in emails point at the site (PUBLIC_URL; in development, the server `make run` starts)."""
    monkeypatch.setitem(app.config, "PUBLIC_URL", live_server)
    return live_server


@pytest.fixture
def scheduler(app):
    """The real scheduler; the test starts it once the answer is given, as `make run` would start."""
    from participation.scheduler.scheduling import SweepScheduler

    running = SweepScheduler.for_app(app)
    yield running
    running.shutdown()





def test_follow_answer_notify_read_email_file_and_unsubscribe(people, scene, public_url, scheduler, app, live_server):
    started = time.monotonic()
    idea_path = f"/ideas/{scene['idea']}"

    # 1. The resident follows the idea from its page; the button then says so.
    resident = people().sign_in(scene["resident"]).in_english()
    page = resident.page
    header = page.get_by_role("banner")
    open_menu(page)  # at 360 px the header's links are behind the menu button
    expect(header.get_by_role("link", name="Notifications", exact=True)).to_be_visible()  # nothing unread: no count
    expect(header.locator(".unread-count")).to_have_count(0)
    resident.goto(idea_path)
    expect(page.get_by_role("heading", level=1)).to_have_text(IDEA)
    follow = page.get_by_role("button", name="Follow", exact=True)
    expect(follow).to_have_attribute("aria-pressed", "false")
    follow.click()
    expect(page.locator(".flash-success")).to_contain_text("You follow this now")
    following = page.get_by_role("button", name="Following", exact=True)
    expect(following).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("button", name="Follow", exact=True)).to_have_count(0)

    # 2. The official answers it from the response inbox (another browser).
    official = people().sign_in(scene["official"]).in_english()
    o = official.page
    official.menu("Response inbox")
    row = o.get_by_role("row").filter(has_text=IDEA)
    expect(row).to_be_visible()
    row.get_by_role("link", name=f"Answer: {IDEA}").click()
    expect(o.get_by_role("heading", level=1)).to_have_text("Answer an idea")
    o.get_by_label("Accepted", exact=True).check()
    o.get_by_label("Explanation to residents").fill(EXPLANATION)
    o.get_by_role("button", name="Publish the answer").click()
    expect(o.get_by_text(EXPLANATION).first).to_be_visible()

    # 3. The resident reloads: the header counts one unread notification, and says "unread" to a
    #    screen reader (visually hidden: the eye sees the number alone).
    page.reload()
    open_menu(page)
    bell = header.get_by_role("link", name="Notifications 1 unread", exact=True)
    expect(bell).to_be_visible()
    expect(bell.locator(".unread-count")).to_have_text("1 unread")
    hidden = bell.locator(".unread-count .visually-hidden")
    expect(hidden).to_have_text("unread")
    assert hidden.evaluate("e => { const r = e.getBoundingClientRect(); return r.width <= 1 && r.height <= 1; }"), "'unread' is visible"

    # 4. Notifications lists the message, new; clicking it marks it read and leads to the answer.
    bell.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    open_menu(page)
    expect(header.get_by_role("link", name="Notifications 1 unread")).to_have_attribute("aria-current", "page")
    item = page.locator(".notification-list li").filter(has_text=IDEA)
    expect(item).to_have_count(1)
    expect(item).to_have_class(re.compile(r"\bunread\b"))
    message = item.get_by_role("button", name=f"New “{IDEA}” has an official response: Accepted.")
    expect(message).to_be_visible()
    resident.no_sideways_scroll("/notifications")
    message.click()
    page.wait_for_url(re.compile(rf"{re.escape(idea_path)}#official-response$"))
    answer = page.get_by_role("region", name="Official response")
    expect(answer).to_be_visible()
    expect(answer).to_contain_text("Accepted")
    expect(answer).to_contain_text(EXPLANATION)
    assert page.evaluate("document.querySelector(':target') && document.querySelector(':target').id") == "official-response"
    expect(header.locator(".unread-count")).to_have_count(0)
    open_menu(page)
    expect(header.get_by_role("link", name="Notifications", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Following", exact=True)).to_be_visible()
    resident.goto("/notifications")
    expect(item).not_to_have_class(re.compile(r"\bunread\b"))
    expect(item.get_by_role("button", name=f"“{IDEA}” has an official response: Accepted.", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Mark all as read")).to_have_count(0)
    with app.app_context():
        note = db.session.scalar(select(Notification).where(Notification.user_id == scene["resident_id"], Notification.event == "answered"))
        assert note is not None and note.read_at is not None
        email_row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.key == f"n:{note.id}"))
        # Queued with the answer; its words are written when it is delivered.
        assert email_row is not None and email_row.user_id == scene["resident_id"] and email_row.subject is None
        email_id, file_name = email_row.id, mail.file_name(email_row)
        db.session.remove()

    # 5. The scheduler starts (as `make run` starts it); its catch-up delivers the outbox, here as
    #    files. An admin checks back on the outbox page until the file is listed.
    scheduler.start()
    admin = people().sign_in(scene["admin"]).in_english()
    a = admin.page
    reload_until(a, f"{live_server}/admin/outbox", file_name, seconds=20)
    delivered_after = time.monotonic() - started
    with app.app_context():
        delivered = db.session.get(OutboxMessage, email_id)
        assert delivered.to_address == scene["resident"] and delivered.status == "sent"
        subject = delivered.subject
        db.session.remove()
    expect(a.get_by_role("heading", level=1)).to_have_text("Email outbox")
    sent = a.get_by_role("row").filter(has_text=scene["resident"])
    expect(sent).to_have_count(1)
    expect(sent).to_contain_text(subject)
    expect(sent).to_contain_text("Sent")
    sent.get_by_role("link", name=subject).click()
    shown = a.get_by_role("region", name=subject)
    expect(shown).to_contain_text(scene["resident"])
    expect(shown).to_contain_text(f"“{IDEA}” has an official response: Accepted.")
    admin.no_sideways_scroll()  # the email's long unsubscribe link wraps
    expect(a.get_by_role("link", name=file_name)).to_be_visible()
    a.get_by_role("link", name=file_name).click()
    expect(a.locator("body")).to_contain_text(f"To: {scene['resident']}")
    expect(a.locator("body")).to_contain_text("List-Unsubscribe-Post: List-Unsubscribe=One-Click")

    # 6. The email, as the file the resident's mail program would hold.
    folder = Path(app.config["MAIL_OUTBOX_DIR"])
    files = sorted(folder.glob(f"*-{email_id:06d}.eml"))
    assert [f.name for f in files] == [file_name]
    email_message = message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert email_message["To"] == scene["resident"]
    assert email_message["Subject"] == subject
    text = email_message.get_body(preferencelist=("plain",)).get_content()
    assert f"“{IDEA}” has an official response: Accepted." in text
    assert f"{live_server}{idea_path}#official-response" in text
    links = re.findall(r"Stop these emails: (\S+)", text)
    assert len(links) == 1, text
    unsubscribe_url = links[0]
    assert unsubscribe_url.startswith(f"{live_server}/unsubscribe/")
    assert email_message["List-Unsubscribe"] == f"<{unsubscribe_url}>"

    # 7. The resident opens the link, presses the one button and is told it is done.
    resident.goto(unsubscribe_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Unsubscribe")
    expect(page.locator("main")).to_contain_text("Stop emails about ideas and rounds I follow?")
    buttons = page.locator("main").get_by_role("button")
    expect(buttons).to_have_count(1)
    buttons.get_by_text("Unsubscribe", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Unsubscribed")
    expect(page.get_by_role("status").filter(has_text="no longer receive emails")).to_contain_text(
        "You will no longer receive emails about ideas and rounds I follow. They stay in your notification list.")

    # 8. The settings now say "In the list only" for that kind, and nothing else changed.
    page.get_by_role("link", name="Change this in your notification settings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notification settings")
    followed = page.get_by_role("group", name=re.compile("^Ideas and rounds I follow"))
    expect(followed.get_by_label("In the list only")).to_be_checked()
    expect(followed.get_by_label("In the list and by email")).not_to_be_checked()
    mine = page.get_by_role("group", name=re.compile("^My ideas and comments"))
    expect(mine.get_by_label("In the list and by email")).to_be_checked()
    resident.no_sideways_scroll("/account/notifications")

    # The link works once: a second press is refused, and says why.
    again = page.request.post(unsubscribe_url)
    assert again.status == 400 and "already been used" in again.text()

    print(f"\nemail file listed {delivered_after:.1f}s after the start; total {time.monotonic() - started:.1f}s")
