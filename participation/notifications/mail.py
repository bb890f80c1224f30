"""Delivering the outbox (email here, SMS in sms.py, by the same sweep), and the daily digests.

`deliver_email_outbox(now)` is a scheduler sweep. Each due message is first
claimed (attempts + 1 and the next try pushed back, committed), then sent
outside any transaction, then marked sent. A mail server that refuses or is
down leaves the message pending for a later try, with exponential backoff,
so nothing is lost; once MAX_ATTEMPTS tries have failed and the last was a
refusal it is marked dead and shown to admins (a server that cannot be
reached is not the message's fault: it keeps waiting, however long the outage). A crash between sending and
marking can send a message twice (at least once is the guarantee an outbox
over SMTP can give); the claim makes two schedulers never send the same
message at once: it holds the message for CLAIM_HOLD from the moment it is
taken, longer than any one send can last, since the sweep runs outside the
lease's transaction and another scheduler may sweep while it sends.
"""
from __future__ import annotations

import email.policy
import logging
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update

from participation.core.db import write_transaction
from participation.core.time import to_local
from participation.extensions import db
from participation.notifications.models import DigestSetting, OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

BATCH = 50
SWEEP_BUDGET = 20.0  # seconds one run may spend sending before it leaves the rest to the next
MAX_ATTEMPTS = 12  # about 20 hours of tries with the backoff below
BACKOFF_CAP = timedelta(hours=6)
# How long a claimed message is left alone by other sweeps: longer than one send can take
# (each SMTP step may wait MAIL_TIMEOUT). A failure sets the retry time itself (backoff).
CLAIM_HOLD = timedelta(minutes=15)


# Failures that say the server cannot be reached at all (as opposed to refusing one message).
UNREACHABLE = (ConnectionError, TimeoutError, smtplib.SMTPConnectError, smtplib.SMTPServerDisconnected)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after each failure, at most BACKOFF_CAP."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), BACKOFF_CAP)


# Long header values (the unsubscribe URL) stay whole rather than folded into encoded words.
POLICY = email.policy.SMTP.clone(max_line_length=998)


def ensure_written(row: OutboxMessage) -> bool:
    """Write the email's words once, at its first delivery, in its person's language then (kept
    on the row for the admin page and every retry). False if the account no longer exists."""
    if row.subject is not None:
        return True
    from participation.notifications.services import write_email

    written = write_email(row)
    if written is None:
        return False
    row.to_address, row.subject, row.text_body = written.to_address, written.subject, written.text_body
    row.html_body, row.unsubscribe_url = written.html_body, written.unsubscribe_url
    db.session.flush()
    return True


def build_message(row: OutboxMessage) -> EmailMessage:
    """The message to send (a row not yet written is written for it, without being saved)."""
    if row.subject is None:
        from participation.notifications.services import write_email

        words = write_email(row)
        if words is None:
            raise LookupError(f"outbox row {row.id}: its account no longer exists")
    else:
        words = row
    message = EmailMessage(policy=POLICY)
    message["Subject"] = words.subject
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = words.to_address
    message["Date"] = format_datetime(row.created_at)
    # The same on every try, so that if a message is ever delivered twice (see above) mail
    # programs can tell it is one message.
    domain = (current_app.config["MAIL_DEFAULT_SENDER"].rpartition("@")[2] or "gongron.local").strip(">")
    message["Message-ID"] = f"<outbox-{row.id}@{domain}>"
    # RFC 2369 and RFC 8058: mail programs offer a one-click unsubscribe (a POST to this URL).
    # An email to a person without an account (notify_contact) has no list to leave, nor HTML.
    if words.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{words.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(words.text_body)
    if words.html_body:
        message.add_alternative(words.html_body, subtype="html")
    return message


def _send_smtp(message: EmailMessage) -> None:
    config = current_app.config
    smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"])
    try:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(message)
    finally:
        # Not `with smtplib.SMTP(...)`: its exit raises when QUIT is answered with anything but 221,
        # and once the server has taken the message that would count as a failure and send it again.
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def file_name(row: OutboxMessage) -> str:
    return f"{to_local(row.created_at).strftime('%Y%m%d-%H%M%S')}-{row.id:06d}.eml"


def _write_file(name: str, message: EmailMessage) -> None:
    folder = Path(current_app.config["MAIL_OUTBOX_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(bytes(message))


def send(message: EmailMessage, name: str) -> None:
    """Hand one message to the configured backend; raises on failure."""
    if current_app.config["MAIL_BACKEND"] == "file":
        _write_file(name, message)
    else:
        _send_smtp(message)


def _claim(row_id: int, attempts: int, moment: datetime) -> bool:
    """Take the message for this try (once, even with two schedulers), before sending; `moment` is
    now, not the sweep's start, so the hold runs from when the message is taken."""
    return db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.attempts == attempts)
        .values(attempts=attempts + 1, next_attempt_at=moment + CLAIM_HOLD)
        .execution_options(synchronize_session=False)
    ).rowcount == 1


@dataclass(frozen=True)
class Medium:
    """How one medium of the outbox is delivered: the sweep (claims, retries, backoff, dead
    letters) is the same for email and SMS (sms.py)."""

    name: str  # the rows' `medium`
    # In the claim's transaction: what to send, or None when there is nobody to send it to any
    # more (the row is then deleted).
    prepare: Callable[[OutboxMessage], object | None]
    # Outside any transaction; raises on failure.
    send: Callable[[object], None]
    # Failures that say the server or gateway cannot be reached at all: the message keeps
    # waiting however long that lasts, and the run ends.
    unreachable: tuple[type[BaseException], ...]


def _prepare_email(row: OutboxMessage) -> tuple[EmailMessage, str] | None:
    if not ensure_written(row):
        return None
    return build_message(row), file_name(row)


# `send` is looked up when called, so that it can be replaced (tests).
EMAIL = Medium("email", _prepare_email, lambda prepared: send(*prepared), UNREACHABLE)


def deliver_email_outbox(now: datetime) -> dict[str, int]:
    """The scheduler's sweep for email (see deliver)."""
    return deliver(EMAIL, now)


def deliver(medium: Medium, now: datetime) -> dict[str, int]:
    """Send what is due of one medium, BATCH at a time, for up to SWEEP_BUDGET seconds (a
    backlog drains in one run; the rest waits for the next). Each message is its own
    transaction; the first unreachable-server failure ends the run."""
    totals = {"sent": 0, "failed": 0}
    started = time.monotonic()
    while time.monotonic() - started < SWEEP_BUDGET:
        result, more = _deliver_batch(medium, now, started)
        totals["sent"] += result["sent"]
        totals["failed"] += result["failed"]
        if not more:
            break
    return totals


def _deliver_batch(medium: Medium, now: datetime, started: float) -> tuple[dict[str, int], bool]:
    """One batch; says whether another may be due (a full batch, and the server reachable)."""
    sent = failed = 0
    due = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.attempts)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.medium == medium.name, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(BATCH)
    ).all()
    for row_id, attempts in due:
        elapsed = time.monotonic() - started
        if elapsed >= SWEEP_BUDGET:
            return {"sent": sent, "failed": failed}, True  # the rest wait, unclaimed, for the next run
        with write_transaction():
            claimed = _claim(row_id, attempts, now + timedelta(seconds=elapsed))
            if claimed:
                row = db.session.get(OutboxMessage, row_id)
                prepared = medium.prepare(row)
                if prepared is None:
                    db.session.delete(row)  # the account is gone: nobody to write to
                    claimed = False
        if not claimed:
            continue
        # Sent outside any transaction: a slow or dead server holds no lock.
        try:
            medium.send(prepared)
        except Exception as exc:  # noqa: BLE001 - whatever the server says, the message waits for another try
            failed += 1
            log.warning("%s %s not sent (try %s): %s", medium.name, row_id, attempts + 1, exc)
            unreachable = isinstance(exc, medium.unreachable)
            with write_transaction():
                values = {"last_error": str(exc)[:500], "next_attempt_at": now + backoff(attempts + 1)}
                if attempts + 1 >= MAX_ATTEMPTS and not unreachable:
                    values["status"] = OutboxStatus.DEAD.value
                db.session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values))
            if unreachable:
                return {"sent": sent, "failed": failed}, False  # the server is down: the rest wait, unclaimed
            continue
        with write_transaction():
            db.session.execute(
                update(OutboxMessage).where(OutboxMessage.id == row_id)
                .values(status=OutboxStatus.SENT.value, sent_at=now, last_error=None)
            )
        sent += 1
    return {"sent": sent, "failed": failed}, len(due) == BATCH


def upcoming_deliveries(now: datetime, horizon: timedelta, medium: str = "email") -> list[datetime]:
    """Retries falling due within the horizon, so a message waits no longer than its backoff."""
    until = now + horizon
    return sorted(set(db.session.scalars(
        select(OutboxMessage.next_attempt_at).where(
            OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.medium == medium,
            OutboxMessage.next_attempt_at > now, OutboxMessage.next_attempt_at <= until,
        ).limit(100)
    )))


# --- daily digests --------------------------------------------------------------------------------------

DIGEST_HOUR = 8  # Seoul time


def send_daily_digests(now: datetime) -> int:
    """The scheduler's sweep: from 08:00 Seoul time, one email per person who chose the digest,
    with what waited since the last one. The outbox key names the day, so it is written once."""
    from participation.notifications.services import queue_email, take_digest_items

    local = to_local(now)
    if local.hour < DIGEST_HOUR:
        return 0
    today = local.date().isoformat()
    people = db.session.scalars(
        select(DigestSetting.user_id).where(DigestSetting.daily.is_(True))
        .where((DigestSetting.last_sent_on.is_(None)) | (DigestSetting.last_sent_on != today))
    ).all()
    written = 0
    for user_id in people:
        with write_transaction():
            claimed = db.session.execute(
                update(DigestSetting).where(DigestSetting.user_id == user_id, DigestSetting.daily.is_(True))
                .where((DigestSetting.last_sent_on.is_(None)) | (DigestSetting.last_sent_on != today))
                .values(last_sent_on=today).execution_options(synchronize_session=False)
            ).rowcount == 1
            if not claimed:
                continue
            items = take_digest_items(user_id)
            if not items:
                continue
            queue_email(user_id, "digest", f"digest:{user_id}:{today}", items, now, digest=True)
            written += 1
    return written


def digest_moments(now: datetime, horizon: timedelta) -> list[datetime]:
    local = to_local(now)
    moment = local.replace(hour=DIGEST_HOUR, minute=0, second=0, microsecond=0)
    if moment <= local:
        moment += timedelta(days=1)
    return [moment] if moment <= to_local(now + horizon) else []
