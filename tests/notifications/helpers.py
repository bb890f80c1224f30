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


def outbox(medium: str, **where) -> list[OutboxMessage]:
    """The outbox rows of one medium ("email", "sms") whose columns equal `where`, oldest first."""
    db.session.expire_all()
    stmt = select(OutboxMessage).where(OutboxMessage.medium == medium)
    for name, value in where.items():
        stmt = stmt.where(getattr(OutboxMessage, name) == value)
    return list(db.session.scalars(stmt.order_by(OutboxMessage.id)))


def forget_receipt(request) -> None:
    """Drop the applicant's filing receipt (접수 확인: in the list, the email and the text), for tests
    about what later steps tell them; the receipt itself is tested in test_civil_request_notifications."""
    from sqlalchemy import delete

    db.session.expire_all()
    receipts = list(db.session.scalars(
        select(Notification).where(Notification.key == f"cr:{request.events[0].id}", Notification.event == "cr_filed")
    ))
    if receipts:
        keys = [f"{prefix}n:{n.id}" for n in receipts for prefix in ("", "sms:")]  # the email and the text
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.key.in_(keys)))
        db.session.execute(delete(Notification).where(Notification.id.in_([n.id for n in receipts])))
        for row in db.session.scalars(select(UnreadCount).where(UnreadCount.user_id.in_([n.user_id for n in receipts]))):
            row.unread = max(0, row.unread - sum(1 for n in receipts if n.user_id == row.user_id and n.read_at is None))
    db.session.commit()
