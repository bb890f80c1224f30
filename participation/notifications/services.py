"""Following, notifying, preferences, unsubscribe tokens and reading.

`notify()` runs in the transaction of the event that caused it (receivers are
called by the sending service): the notification row, the person's unread
count and, when the person wants email now, the outbox row are committed
with the event or not at all. A sweep telling many people (an outcome, a
scorecard) sends its signal inside batches.own_transactions() instead, after
its own work is committed: the rows then go in short transactions of their
own. Delivery happens later (mail.py, sms.py), so a mail server that is down never
slows or fails the request.

SMS. A person who gave a mobile number on their account page may take the
kinds in SMS_KINDS "also by SMS" (the preferences page; "My civil requests"
is on by default, see models.SMS_BY_DEFAULT): notify() then writes an SMS
outbox row (medium "sms", key "sms:n:<notification id>") beside the
notification, in the same transaction, with its words in the person's
language. A kind turned off sends no SMS either; digests never hold SMS.

For other domains (civil requests), and people without an account:

    queue_sms(key, to_number, text, now, *, user_id=None, kind="requests") -> None
        One SMS outbox row, once per key (a second call with the key adds nothing).
        `to_number` is a Korean mobile number (hyphens allowed); `text` is cut to
        sms.LMS_BYTES EUC-KR bytes.

    notify_contact(key, *, phone=None, email=None, subject, text, now, kind="requests") -> int
        Tell someone known only by a phone number and/or an email address (a request
        filed at the counter): an SMS row (key "<key>:sms") and/or an email row (key
        "<key>:email", plain text, no unsubscribe link), with no user id, in the
        caller's transaction; once per key. Returns how many rows were written.
        The words are the caller's, already in the language to use.
"""
from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from participation.accounts import services as accounts
from participation.core import batches
from participation.core.db import write_transaction
from participation.core.errors import ServiceError
from participation.core.i18n import lazy_gettext as _l
from participation.core.origin import public_url
from participation.core.phones import normalise_mobile
from participation.extensions import db
from participation.notifications import sms
from participation.notifications.events import EVENTS, subject_of, text_of
from participation.notifications.models import (
    KINDS,
    SMS_KINDS,
    Channel,
    DigestSetting,
    Follow,
    Notification,
    OutboxMessage,
    OutboxStatus,
    Preference,
    UsedUnsubscribeToken,
    sms_default,
)

UNSUBSCRIBE_MAX_AGE = 60 * 60 * 24 * 60  # an unsubscribe link works for 60 days, once
_UNSUBSCRIBE_SALT = "notifications.unsubscribe"


def _insert(model):
    return (pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert)(model)


# --- follows -----------------------------------------------------------------------------------------


def follow_of(user, kind: str, subject_id: int) -> Follow | None:
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(select(Follow).where(Follow.user_id == user.id, Follow.subject_kind == kind, Follow.subject_id == subject_id))


def is_following(user, kind: str, subject_id: int) -> bool:
    row = follow_of(user, kind, subject_id)
    return row is not None and row.active


def follow(user, kind: str, subject_id: int, now: datetime, *, automatic: bool = False) -> None:
    """Follow an idea or a round. An automatic follow (an author, a voter) never undoes an unfollow:
    it only adds a row where none is (INSERT … ON CONFLICT DO NOTHING, so racing requests agree)."""
    if kind not in ("idea", "round"):
        raise ServiceError(_l("Only ideas and rounds can be followed."), code="bad_subject")
    values = {"user_id": user.id, "subject_kind": kind, "subject_id": subject_id, "active": True, "automatic": automatic,
              "created_at": now, "updated_at": now}
    stmt = _insert(Follow).values(**values).on_conflict_do_nothing(index_elements=["user_id", "subject_kind", "subject_id"])
    db.session.execute(stmt)
    if not automatic:
        db.session.execute(
            update(Follow).where(Follow.user_id == user.id, Follow.subject_kind == kind, Follow.subject_id == subject_id)
            .values(active=True, automatic=False, updated_at=now).execution_options(synchronize_session=False)
        )


def unfollow(user, kind: str, subject_id: int, now: datetime) -> None:
    follow(user, kind, subject_id, now, automatic=True)  # a row to remember the choice in
    db.session.execute(
        update(Follow).where(Follow.user_id == user.id, Follow.subject_kind == kind, Follow.subject_id == subject_id)
        .values(active=False, automatic=False, updated_at=now).execution_options(synchronize_session=False)
    )


def forget_follows(user_id: int, now: datetime) -> None:
    """A deleted account follows nothing any more."""
    db.session.execute(
        update(Follow).where(Follow.user_id == user_id, Follow.active.is_(True)).values(active=False, updated_at=now)
        .execution_options(synchronize_session=False)
    )


def forget_emails(user_id: int) -> None:
    """A deleted account's emails go: those still waiting are never sent to the address the person
    took away, and the outbox keeps no copy of it (nor of their name in the greeting)."""
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.user_id == user_id).execution_options(synchronize_session=False))


def followers(kind: str, subject_id: int) -> list[int]:
    return list(db.session.scalars(
        select(Follow.user_id).where(Follow.subject_kind == kind, Follow.subject_id == subject_id, Follow.active.is_(True))
    ))


def followers_of(kind: str, subject_ids: Iterable[int]) -> dict[int, list[int]]:
    """The followers of many subjects at once, in a statement per CHUNK subjects: {subject id: user ids}."""
    found: dict[int, list[int]] = {}
    for chunk in batches.chunks(sorted(set(subject_ids)), CHUNK):
        for subject_id, user_id in db.session.execute(
            select(Follow.subject_id, Follow.user_id).where(Follow.subject_kind == kind, Follow.subject_id.in_(chunk), Follow.active.is_(True))
            .order_by(Follow.subject_id, Follow.user_id)
        ):
            found.setdefault(subject_id, []).append(user_id)
    return found


def officials_of(department_id: int | None) -> list[int]:
    return accounts.official_ids(department_id)


def admins() -> list[int]:
    return accounts.admin_ids()


# --- preferences ---------------------------------------------------------------------------------------


def channels_for(user_id: int) -> dict[str, str]:
    chosen = dict(db.session.execute(select(Preference.kind, Preference.channel).where(Preference.user_id == user_id)).all())
    return {kind: chosen.get(kind, Channel.EMAIL.value) for kind in KINDS}


def sms_choices_for(user_id: int) -> dict[str, bool]:
    """Whether each kind that offers SMS is also sent by SMS (to a person with a number)."""
    chosen = dict(db.session.execute(select(Preference.kind, Preference.sms).where(Preference.user_id == user_id)).all())
    return {kind: bool(chosen.get(kind, sms_default(kind))) for kind in SMS_KINDS}


def wants_digest(user_id: int) -> bool:
    return bool(db.session.scalar(select(DigestSetting.daily).where(DigestSetting.user_id == user_id)))


def set_preferences(user, channels: dict[str, str], daily_digest: bool, now: datetime, *, by_sms: dict[str, bool] | None = None) -> None:
    """`by_sms`, when given, says for kinds in SMS_KINDS whether they also come by SMS."""
    for kind, channel in channels.items():
        if kind not in KINDS or channel not in {c.value for c in Channel}:
            raise ServiceError(_l("Choose one of the options for each kind."), code="bad_choice")
    if any(kind not in SMS_KINDS for kind in by_sms or {}):
        raise ServiceError(_l("Text messages are not offered for that kind."), code="bad_choice")
    for kind, channel in channels.items():
        set_channel(user.id, kind, channel, now)
    for kind, wanted in (by_sms or {}).items():
        set_sms(user.id, kind, bool(wanted), now)
    setting = db.session.get(DigestSetting, user.id)
    if setting is None:
        db.session.add(DigestSetting(user_id=user.id, daily=daily_digest))
    elif daily_digest:
        setting.daily = True
    else:
        # The person's digest row first, then what waits for it: the order the digest sweep takes
        # them in, so the two never deadlock (PostgreSQL), and only one request releases it.
        turned_off = db.session.execute(
            update(DigestSetting).where(DigestSetting.user_id == user.id, DigestSetting.daily.is_(True)).values(daily=False)
        ).rowcount == 1
        if turned_off:
            _release_digest(user.id, now)


def _release_digest(user_id: int, now: datetime) -> None:
    """Turning the digest off sends what waited for it at once, as one email (of the kinds still
    emailed), so that nothing held for a digest that will no longer come is lost."""
    items = take_digest_items(user_id)
    if items:
        queue_email(user_id, "digest", f"digest:{user_id}:{now.isoformat()}", items, now, digest=True)


def take_digest_items(user_id: int) -> list[tuple[str, dict, str]]:
    """What waits for the person's digest, taken once: one UPDATE … RETURNING claims the rows, so the
    digest sweep and turning the digest off at the same moment never both email them (on PostgreSQL
    the second waits for the first's row locks and then finds them taken). Only kinds the person
    still takes by email are returned (a kind moved to the list only, or unsubscribed, is not mailed)."""
    taken = db.session.execute(
        update(Notification).where(Notification.user_id == user_id, Notification.digest_pending.is_(True))
        .values(digest_pending=False)
        .returning(Notification.id, Notification.kind, Notification.event, Notification.params, Notification.path)
        .execution_options(synchronize_session=False)
    ).all()
    if not taken:
        return []
    channels = channels_for(user_id)
    return [(event, params, path) for _id, kind, event, params, path in sorted(taken, key=lambda row: row[0])
            if channels.get(kind) == Channel.EMAIL]


def set_channel(user_id: int, kind: str, channel: str, now: datetime) -> None:
    """One statement (INSERT ... ON CONFLICT DO UPDATE), so two saves at once both succeed. A new
    row keeps the kind's SMS default."""
    stmt = _insert(Preference).values(user_id=user_id, kind=kind, channel=channel, sms=sms_default(kind), updated_at=now)
    db.session.execute(stmt.on_conflict_do_update(index_elements=["user_id", "kind"], set_={"channel": channel, "updated_at": now}))
    db.session.expire_all()


def set_sms(user_id: int, kind: str, wanted: bool, now: datetime) -> None:
    """Also by SMS, or not, for one kind (the channel stays as it is; a new row has the default)."""
    stmt = _insert(Preference).values(user_id=user_id, kind=kind, channel=Channel.EMAIL.value, sms=wanted, updated_at=now)
    db.session.execute(stmt.on_conflict_do_update(index_elements=["user_id", "kind"], set_={"sms": wanted, "updated_at": now}))
    db.session.expire_all()


# --- notifying -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    kind: str  # idea, round, comment, panel, campaign, inbox
    id: int
    path: str


def _path(endpoint: str, **values) -> str:
    """A site path, from a request or from the scheduler alike."""
    return _path_of(lambda: url_for(endpoint, **values))


def _path_of(build) -> str:
    """Build a URL (or render a template) where there may be no request (the scheduler)."""
    if has_request_context():
        return build()
    with current_app.test_request_context():
        return build()


@contextmanager
def paths():
    """Build many paths where there may be no request (a sweep) under one request context,
    not one each."""
    if has_request_context():
        yield
        return
    with current_app.test_request_context():
        yield


def subject(kind: str, subject_id: int, endpoint: str, **values) -> Subject:
    return Subject(kind, subject_id, _path(endpoint, **values))


def _channels(user_ids: list[int], kinds: set[str]) -> dict[tuple[int, str], str]:
    chosen = dict(((user_id, kind), channel) for user_id, kind, channel in db.session.execute(
        select(Preference.user_id, Preference.kind, Preference.channel).where(Preference.kind.in_(sorted(kinds)), Preference.user_id.in_(user_ids))
    ).all())
    return {(user_id, kind): chosen.get((user_id, kind), Channel.EMAIL.value) for user_id in user_ids for kind in kinds}


def _sms_wanted(user_ids: list[int], kinds: set[str]) -> set[tuple[int, str]]:
    """(person, kind) pairs also told by SMS: kinds that offer it, people with a number."""
    kinds = kinds & set(SMS_KINDS)
    if not kinds or not user_ids:
        return set()
    chosen = dict(((user_id, kind), wanted) for user_id, kind, wanted in db.session.execute(
        select(Preference.user_id, Preference.kind, Preference.sms).where(Preference.kind.in_(sorted(kinds)), Preference.user_id.in_(user_ids))
    ).all())
    return {(user_id, kind) for user_id in user_ids for kind in kinds if chosen.get((user_id, kind), sms_default(kind))}


CHUNK = 500  # rows per INSERT (SQLite allows 32,766 parameters a statement)
SWEEP_CHUNK = 200  # people told per transaction of their own in a sweep (a fraction of a second each)


@dataclass(frozen=True)
class Message:
    """One event to tell one person."""

    user_id: int
    event: str
    key: str
    about: Subject
    params: dict


def messages(recipients: Iterable[int], event: str, key: str, about: Subject, params: dict, *, skip: Iterable[int] = ()) -> list[Message]:
    """One message per recipient, less `skip` (the people who caused the event themselves)."""
    return [Message(user_id, event, key, about, params) for user_id in sorted(set(recipients) - set(skip) - {None})]


def notify(recipients: Iterable[int], event: str, key: str, about: Subject, params: dict, now: datetime, *, skip: Iterable[int] = ()) -> int:
    """Tell each recipient of one event, once (UNIQUE user and key), by the channel they chose.
    Returns how many were told. `skip` holds people who caused the event themselves; deleted
    accounts are never told. See notify_each."""
    return notify_each(messages(recipients, event, key, about, params, skip=skip), now)


def notify_each(batch: Iterable[Message], now: datetime) -> int:
    """Tell each message's person, once per (person, key): the first message for a pair wins,
    and one told before (a signal or a job ran again) is not told again. Returns how many were told.

    A fixed number of statements per CHUNK messages whatever they are (an outcome telling
    thousands of people about thousands of ideas included). In the sender's transaction
    ordinarily; inside batches.own_transactions() (a sweep), each chunk is a short write
    transaction of its own, so no lock that votes or sign-ins need is held for long, and a crash
    between chunks is made good by the sweep running again (the rows told are not told twice).
    Emails are queued as outbox rows naming what to say; they are written out, in the person's
    language, when delivered."""
    seen: set[tuple[int, str]] = set()
    wanted = []
    for message in batch:
        if message.user_id is not None and (message.user_id, message.key) not in seen:
            seen.add((message.user_id, message.key))
            wanted.append(message)
    if not batches.in_own_transactions():
        return _notify_chunks(wanted, now)
    told = 0
    for chunk in batches.chunks(wanted, SWEEP_CHUNK):
        with write_transaction():
            told += _notify_chunks(chunk, now)
        batches.between_batches("notify")
    return told


def _notify_chunks(wanted: list[Message], now: datetime) -> int:
    if not wanted:
        return 0
    told = 0
    for chunk in batches.chunks(wanted, CHUNK):
        told += _notify_chunk(chunk, now)
    return told


def _notify_chunk(chunk: list[Message], now: datetime) -> int:
    people = sorted({message.user_id for message in chunk})
    active = set(accounts.active_ids(people))
    channels = _channels(people, {EVENTS[message.event].kind.value for message in chunk})
    digests = set(db.session.scalars(select(DigestSetting.user_id).where(DigestSetting.daily.is_(True), DigestSetting.user_id.in_(people))))
    by_sms = _sms_wanted(people, {EVENTS[message.event].kind.value for message in chunk})
    rows, by_email_now, by_sms_now = [], {}, {}
    for message in chunk:
        kind = EVENTS[message.event].kind.value
        channel = channels[(message.user_id, kind)]
        if message.user_id not in active or channel == Channel.OFF:
            continue
        if (message.user_id, kind) in by_sms:
            by_sms_now[(message.user_id, message.key)] = message
        by_email = channel == Channel.EMAIL
        now_by_email = by_email and message.user_id not in digests
        if now_by_email:
            by_email_now[(message.user_id, message.key)] = message
        rows.append({"user_id": message.user_id, "kind": kind, "event": message.event, "key": message.key,
                     "subject_kind": message.about.kind, "subject_id": message.about.id, "path": message.about.path,
                     "params": message.params, "created_at": now, "digest_pending": by_email and not now_by_email})
    if not rows:
        return 0
    stmt = _insert(Notification).values(rows).on_conflict_do_nothing(index_elements=["user_id", "key"])
    # Rows already there (told before: a signal or a job ran again) are not returned.
    told = db.session.execute(stmt.returning(Notification.id, Notification.user_id, Notification.key)).all()
    emails = []
    for notification_id, user_id, key in sorted(told):
        message = by_email_now.get((user_id, key))
        if message is not None:
            emails.append((user_id, EVENTS[message.event].kind.value, f"n:{notification_id}", [(message.event, message.params, message.about.path)], False))
    queue_emails(emails, now)
    _queue_notification_sms([(notification_id, by_sms_now[(user_id, key)]) for notification_id, user_id, key in sorted(told)
                             if (user_id, key) in by_sms_now], now)
    accounts.add_unread(Counter(user_id for _id, user_id, _key in told))
    return len(told)


def queue_emails(emails: list[tuple[int, str, str, list, bool]], now: datetime) -> None:
    """Queue emails as outbox rows: (user id, kind, key, items, digest) each, items being
    (event, params, path). The words are written when the message is delivered."""
    _insert_outbox([_outbox_row(key, kind, now, user_id=user_id, items=items, digest=digest) for user_id, kind, key, items, digest in emails])


def queue_email(user_id: int, kind: str, key: str, items: list[tuple[str, dict, str]], now: datetime, *, digest: bool = False) -> None:
    queue_emails([(user_id, kind, key, items, digest)], now)


# --- SMS ---------------------------------------------------------------------------------------------------

# Parameters that quote a name or a title, cut to sms.TITLE_BYTES in a text message.
_TITLES = ("title", "round", "campaign", "panel", "department", "name")


def sms_text(event: str, params: dict, path: str) -> str:
    """A notification's text message, in the current language: short, titles cut, with its link."""
    short = {name: sms.fit(str(value), sms.TITLE_BYTES) if name in _TITLES and value else value for name, value in params.items()}
    return sms.body(str(_l("[Gongron] %(text)s", text=text_of(event, short))), public_url() + path)


def _queue_notification_sms(told: list[tuple[int, Message]], now: datetime) -> None:
    """SMS rows for notifications just told to people who take their kind by SMS and have a number."""
    if not told:
        return
    numbers = accounts.mobiles(sorted({message.user_id for _id, message in told}))
    rows = []
    for notification_id, message in told:
        if message.user_id not in numbers:
            continue
        number, locale = numbers[message.user_id]
        with force_locale(locale or "ko"):
            text = sms_text(message.event, message.params, message.about.path)
        rows.append(_sms_row(f"sms:n:{notification_id}", number, text, now, user_id=message.user_id, kind=EVENTS[message.event].kind.value))
    _insert_outbox(rows)


def _outbox_row(key: str, kind: str, now: datetime, *, user_id: int | None = None, medium: str = "email", items: Iterable = (),
                digest: bool = False, to_address: str | None = None, to_number: str | None = None, subject: str | None = None,
                text_body: str | None = None) -> dict:
    """Every column, so that rows of both media go in one multi-row INSERT."""
    return {"key": key, "user_id": user_id, "kind": kind, "items": [list(item) for item in items], "digest": digest, "medium": medium,
            "to_address": to_address, "to_number": to_number, "subject": subject, "text_body": text_body,
            "status": OutboxStatus.PENDING.value, "attempts": 0, "next_attempt_at": now, "created_at": now}


def _sms_row(key: str, to_number: str, text: str, now: datetime, *, user_id: int | None, kind: str) -> dict:
    return _outbox_row(key, kind, now, user_id=user_id, medium="sms", to_number=to_number, text_body=sms.fit(text, sms.LMS_BYTES))


def _insert_outbox(rows: list[dict]) -> int:
    """Outbox rows, once per key; returns how many were new."""
    written = 0
    for offset in range(0, len(rows), CHUNK):
        stmt = _insert(OutboxMessage).values(rows[offset:offset + CHUNK]).on_conflict_do_nothing(index_elements=["key"])
        written += len(db.session.execute(stmt.returning(OutboxMessage.id)).all())
    return written


def queue_sms(key: str, to_number: str, text: str, now: datetime, *, user_id: int | None = None, kind: str = "requests") -> None:
    """One SMS in the outbox, once per key, in the caller's transaction (see the module's docstring)."""
    try:
        number = normalise_mobile(to_number)
    except ValueError:
        raise ServiceError(_l("Enter a mobile number like 010-1234-5678."), field="phone", code="bad_phone") from None
    _insert_outbox([_sms_row(key, number, text, now, user_id=user_id, kind=kind)])


def notify_contact(key: str, *, phone: str | None = None, email: str | None = None, subject: str, text: str, now: datetime,
                   kind: str = "requests") -> int:
    """Tell a person known only by a phone number and/or an email address (no account): see the
    module's docstring. Returns how many outbox rows were written (0 when told before)."""
    rows = []
    if phone:
        try:
            number = normalise_mobile(phone)
        except ValueError:
            raise ServiceError(_l("Enter a mobile number like 010-1234-5678."), field="phone", code="bad_phone") from None
        rows.append(_sms_row(f"{key}:sms", number, text, now, user_id=None, kind=kind))
    if email:
        rows.append(_outbox_row(f"{key}:email", kind, now, to_address=email, subject=subject[:300], text_body=text))
    return _insert_outbox(rows)


@dataclass(frozen=True)
class Written:
    to_address: str
    subject: str
    text_body: str
    html_body: str
    unsubscribe_url: str


def write_email(row: OutboxMessage) -> Written | None:
    """The email for an outbox row, in its person's language now; None if the account is gone."""
    user = accounts.recipient(row.user_id) if row.user_id is not None else None
    if user is None or not user.active:
        return None
    base = public_url()
    items = [tuple(item) for item in row.items or []]
    # A digest mixes kinds: its link turns email off for all of them.
    unsubscribe = base + _path("notifications.unsubscribe", token=unsubscribe_token(row.user_id, "all" if row.digest else row.kind))
    with force_locale(user.locale or "ko"):
        lines = [(text_of(event, params), base + path) for event, params, path in items]
        if row.digest:
            subject_line = str(_l("Gongron: your daily summary (%(count)d)", count=len(items)))
        else:
            subject_line = str(_l("Gongron: %(subject)s", subject=subject_of(items[0][0]) if items else ""))
        context = {"lines": lines, "name": user.display_name, "unsubscribe": unsubscribe, "settings": base + _path("notifications.preferences"),
                   "digest": row.digest, "kind": row.kind}
        text = _path_of(lambda: render_template("emails/notifications/message.txt", **context))
        html = _path_of(lambda: render_template("emails/notifications/message.html", **context))
    return Written(user.email, subject_line[:300], text, html, unsubscribe)


# --- unsubscribing ---------------------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_UNSUBSCRIBE_SALT)


def unsubscribe_token(user_id: int, kind: str) -> str:
    """Signed, for one person and one kind, with a nonce so that it works once."""
    return _serializer().dumps({"u": user_id, "k": kind, "n": secrets.token_hex(8)})


@dataclass(frozen=True)
class Unsubscribe:
    user_id: int
    kind: str
    nonce: str


def read_unsubscribe_token(token: str) -> Unsubscribe:
    """The token's person and kind, or a refusal saying why it cannot be used."""
    try:
        data = _serializer().loads(token, max_age=UNSUBSCRIBE_MAX_AGE)
    except SignatureExpired:
        raise ServiceError(_l("This unsubscribe link has expired. Choose what to receive in your notification settings."),
                           code="expired") from None
    except BadSignature:
        raise ServiceError(_l("This unsubscribe link is not valid."), code="invalid") from None
    if not isinstance(data, dict) or data.get("k") not in (*KINDS, "all") or not isinstance(data.get("u"), int) or not isinstance(data.get("n"), str):
        raise ServiceError(_l("This unsubscribe link is not valid."), code="invalid")
    if db.session.get(UsedUnsubscribeToken, data["n"]) is not None:
        raise ServiceError(_l("This unsubscribe link has already been used. Choose what to receive in your notification settings."),
                           code="used")
    return Unsubscribe(data["u"], data["k"], data["n"])


def unsubscribe(token: str, now: datetime) -> Unsubscribe:
    """Turn email off for the token's person and kind (they keep the list), and spend the token."""
    found = read_unsubscribe_token(token)
    stmt = _insert(UsedUnsubscribeToken).values(nonce=found.nonce, used_at=now).on_conflict_do_nothing(index_elements=["nonce"])
    if db.session.execute(stmt.returning(UsedUnsubscribeToken.nonce)).scalar() is None:
        raise ServiceError(_l("This unsubscribe link has already been used. Choose what to receive in your notification settings."),
                           code="used")
    if accounts.recipient(found.user_id) is None:
        raise ServiceError(_l("This unsubscribe link is not valid."), code="invalid")
    channels = channels_for(found.user_id)
    for kind in KINDS if found.kind == "all" else (found.kind,):
        if channels[kind] == Channel.EMAIL:
            set_channel(found.user_id, kind, Channel.IN_APP.value, now)
    return found


# --- reading -----------------------------------------------------------------------------------------------


PAGE_SIZE = 30


def page_of(user, page: int) -> tuple[list[Notification], bool]:
    rows = list(db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id.desc())
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    ))
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def _lock_counter(user_id: int) -> None:
    """Wait for (and hold) the person's count row before counting. On PostgreSQL a count taken in
    the statement that waits for a notification arriving meanwhile would use a snapshot from before
    it committed, and write a count one short; the statements after this one see it."""
    accounts.add_unread({user_id: 0})


def _recount_unread(user_id: int) -> None:
    unread = select(func.count(Notification.id)).where(Notification.user_id == user_id, Notification.read_at.is_(None)).scalar_subquery()
    accounts.set_unread(user_id, unread)


def mark_read(user, notification_id: int, now: datetime) -> Notification:
    row = db.session.get(Notification, notification_id)
    if row is None or row.user_id != user.id:
        raise ServiceError(_l("That notification is not yours."), code="not_found")
    if row.read_at is None:
        _lock_counter(user.id)
        row.read_at = now
        db.session.flush()
        _recount_unread(user.id)
    return row


def mark_all_read(user, now: datetime) -> None:
    _lock_counter(user.id)
    db.session.execute(
        update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    _recount_unread(user.id)
