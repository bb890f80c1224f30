"""Reading what people were told, for the notifications tests."""
from __future__ import annotations

from flask_babel import force_locale
from sqlalchemy import func, select

from participation.accounts.models import UnreadCount, User
from participation.core.db import write_transaction
from participation.extensions import db
from participation.notifications import events
from participation.notifications.models import Notification, OutboxMessage


def _id(user) -> int:
    return user if isinstance(user, int) else user.id


def rendered(row: Notification, locale: str = "en") -> str:
    """The notification's words as its reader gets them; fails if the text fell back to the subject line
    (a parameter missing) or kept a raw %(name)s."""
    spec = events.EVENTS[row.event]
    with force_locale(locale):
        text = events.text_of(row.event, row.params)
        fallback = str(spec.subject)
    assert text and text != fallback, f"{row.event}: {row.params!r} does not fill {spec.text!r}"
    assert "%(" not in text, text
    return text


def told(user, event: str | None = None) -> list[Notification]:
    """The notifications a person has, oldest first (each checked to render)."""
    stmt = select(Notification).where(Notification.user_id == _id(user))
    if event is not None:
        stmt = stmt.where(Notification.event == event)
    rows = list(db.session.scalars(stmt.order_by(Notification.id)))
    for row in rows:
        rendered(row)
    return rows


def events_of(user) -> list[str]:
    return [row.event for row in told(user)]


def snapshot() -> tuple[int, int, tuple]:
    """Everything told so far: notification rows, outbox rows and every person's unread counter."""
    db.session.expire_all()
    notes = db.session.scalar(select(func.count()).select_from(Notification))
    mails = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    counters = tuple(db.session.execute(
        select(User.id, func.coalesce(UnreadCount.unread, 0)).outerjoin(UnreadCount, UnreadCount.user_id == User.id).order_by(User.id)
    ).all())
    return notes, mails, counters


def unread_counter(user) -> int:
    """The person's stored count (its own row in unread_counts; none means 0)."""
    db.session.expire_all()
    return db.session.scalar(select(UnreadCount.unread).where(UnreadCount.user_id == _id(user))) or 0


def unread_rows(user) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Notification).where(Notification.user_id == _id(user), Notification.read_at.is_(None))
    )


def resend(signal, sender, **kwargs) -> None:
    """Send a signal again, in a write transaction, as a rerun job or a retried request would."""
    with write_transaction():
        signal.send(sender, **kwargs)


def written(row: OutboxMessage) -> OutboxMessage:
    """The outbox row with its words written, as its first delivery writes them."""
    from participation.notifications import mail

    if row.subject is None:
        with write_transaction():
            mail.ensure_written(db.session.get(OutboxMessage, row.id))
        db.session.expire_all()
    return db.session.get(OutboxMessage, row.id)
