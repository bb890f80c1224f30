"""Text messages (SMS/LMS): a pluggable sender, the words' length, and the outbox sweep.

SMS rows live in the same outbox as email (`email_outbox`, medium "sms",
`to_number`, `text_body`), are written in the event's transaction
(services.queue_sms, services.notify_contact, and notify() for people who
chose "also by SMS"), and are delivered by `deliver_sms_outbox(now)`, a
scheduler sweep with the email sweep's claims, retries, backoff and dead
letters (mail.deliver).

The sender is chosen by the `SMS_BACKEND` setting:

- "file" (development and tests): each message is a .txt file under
  `SMS_FILE_DIR` (instance/sms by default), its folder named on the admin outbox page;
- "log": each message is logged (its number masked);
- "package.module:factory": a city's own gateway. `factory(config)` is called
  with the app's config and returns an object with
  `send(to_number: str, body: str) -> None` (the SmsSender protocol) that
  raises DeliveryError when the gateway refuses the message (counted towards
  MAX_ATTEMPTS, then dead) and ConnectionError or TimeoutError when the
  gateway cannot be reached (the message keeps waiting, like email).

Length. Korean carriers count bytes in EUC-KR: an SMS holds 90 bytes (45
Hangul syllables), a longer message goes as an LMS of up to 2,000 bytes.
Bodies are written short (titles cut to TITLE_BYTES) and never longer than
LMS_BYTES; `euc_kr_length` counts a character EUC-KR cannot encode (emoji,
rare syllables) as 2 bytes, what gateways charge for its replacement at most.
"""
from __future__ import annotations

import importlib
import logging
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol, runtime_checkable

from flask import current_app

from participation.core.phones import masked
from participation.core.time import to_local
from participation.notifications import mail
from participation.notifications.models import OutboxMessage

log = logging.getLogger(__name__)

SMS_BYTES = 90  # one short message
LMS_BYTES = 2000  # the most one long message holds; no body is longer
TITLE_BYTES = 40  # a title quoted in a message (about 20 Hangul syllables)
ELLIPSIS = "…"  # in EUC-KR (KS X 1001), 2 bytes


class DeliveryError(Exception):
    """The gateway refused this message (a bad number, a rejected body)."""


@runtime_checkable
class SmsSender(Protocol):
    def send(self, to_number: str, body: str) -> None:
        """Hand one message to the gateway; raise DeliveryError if it is refused."""


# --- length -------------------------------------------------------------------------------------------


def _char_bytes(ch: str) -> int:
    try:
        return len(ch.encode("euc-kr"))
    except UnicodeEncodeError:
        return 2


def euc_kr_length(text: str) -> int:
    """The text's length as Korean carriers count it: bytes in EUC-KR."""
    return sum(_char_bytes(ch) for ch in text)


def is_short(text: str) -> bool:
    """Fits one SMS (90 bytes); otherwise it goes as an LMS."""
    return euc_kr_length(text) <= SMS_BYTES


def fit(text: str, limit: int) -> str:
    """The text cut (with an ellipsis) to at most `limit` EUC-KR bytes."""
    if euc_kr_length(text) <= limit:
        return text
    room, kept = limit - euc_kr_length(ELLIPSIS), []
    for ch in text:
        room -= _char_bytes(ch)
        if room < 0:
            break
        kept.append(ch)
    return "".join(kept).rstrip() + ELLIPSIS


def body(text: str, link: str | None = None) -> str:
    """A message: the text, then the link if the whole stays within LMS_BYTES."""
    text = " ".join(text.split())
    if link and euc_kr_length(text) + 1 + euc_kr_length(link) <= LMS_BYTES:
        return f"{text}\n{link}"
    return fit(text, LMS_BYTES)


# --- senders -------------------------------------------------------------------------------------------


class FileSender:
    """Development and tests: one .txt file a message under `folder`."""

    def __init__(self, folder: str):
        self.folder = Path(folder)

    def send(self, to_number: str, body: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{to_local(datetime.now(UTC)).strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(4)}.txt"
        kind = "SMS" if is_short(body) else "LMS"
        (self.folder / name).write_text(f"To: {to_number}\nType: {kind} ({euc_kr_length(body)} bytes, EUC-KR)\n\n{body}\n", encoding="utf-8")


class LogSender:
    """Each message logged, its number masked."""

    def send(self, to_number: str, body: str) -> None:
        log.info("sms to %s: %s", masked(to_number), body)


def sender(config=None) -> SmsSender:
    """The sender SMS_BACKEND names (see the module's docstring)."""
    config = config if config is not None else current_app.config
    backend = config.get("SMS_BACKEND", "log")
    if backend == "file":
        return FileSender(config["SMS_FILE_DIR"])
    if backend == "log":
        return LogSender()
    module_name, _sep, factory_name = backend.partition(":")
    if not module_name or not factory_name:
        raise ValueError(f"SMS_BACKEND must be 'file', 'log' or 'package.module:factory', not {backend!r}")
    made = getattr(importlib.import_module(module_name), factory_name)(config)
    if not isinstance(made, SmsSender):
        raise TypeError(f"SMS_BACKEND {backend!r} made {type(made).__name__}, which has no send(to_number, body)")
    return made


# --- the sweep -----------------------------------------------------------------------------------------


def _prepare(row: OutboxMessage) -> tuple[str, str] | None:
    if not row.to_number or not row.text_body:
        return None  # nothing to send (the number was taken away with the account)
    return row.to_number, row.text_body


def deliver_sms_outbox(now: datetime) -> dict[str, int]:
    """The scheduler's sweep for SMS: mail.deliver's rules, through the configured sender."""
    gateway = sender()
    medium = mail.Medium("sms", _prepare, lambda prepared: gateway.send(*prepared), (ConnectionError, TimeoutError))
    return mail.deliver(medium, now)


def upcoming_deliveries(now: datetime, horizon: timedelta) -> list[datetime]:
    return mail.upcoming_deliveries(now, horizon, medium="sms")
