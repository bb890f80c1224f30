"""Civil requests (민원): their categories and periods, the requests, every step on their timeline,
co-handling departments, photos, "same problem" supporters, satisfaction surveys, local holidays.

A civil request is not an idea: it is filed in law, always open, and handled under the statute's
clock (민원 처리에 관한 법률). Each request has one lead department at a time; a transfer (이송)
moves the lead, co-handling (협조) asks other departments for their part. Every step is a row in
`request_events`, the timeline the applicant sees (and everyone, without the applicant's identity,
when the request is public).

Personal data (PIPA): the applicant's name and contact are kept only for counter filings and only
for updates; they are never shown on public pages, feeds, exports or APIs.
"""
from __future__ import annotations

import enum
from datetime import date, datetime, timedelta

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation.accounts.models import Department, District, User
from participation.civil_requests import clock
from participation.core.language import WrittenLanguageMixin
from participation.core.models import LocalizedNameMixin, RetirableMixin, UTCDateTime
from participation.extensions import db

TITLE_MAX = 120
DESCRIPTION_MAX = 4_000
ADDRESS_MAX = 200
NOTE_MAX = 2_000
ANSWER_MAX = 10_000
MAX_PHOTOS = 3
MEDIA_URL_MAX = 500
ATTRIBUTE_CODE_MAX = 50
ATTRIBUTE_DESCRIPTION_MAX = 300
ATTRIBUTE_ANSWER_MAX = 2_000
REOPEN_DAYS = 14  # the applicant may reopen within 14 days of completion
PROGRESS_NOTICE_DAYS = 30  # a progress notice 30 days after receipt while open, and every 30 days after


# The statute's kinds of civil request, as the clock knows them (each sets a default period).
RequestKind = clock.Kind


class PeriodUnit(enum.StrEnum):
    HOURS = "hours"  # working hours
    DAYS = "days"


class RequestStatus(enum.StrEnum):
    RECEIVED = "received"  # 접수
    IN_PROGRESS = "in_progress"  # 처리 중
    AWAITING_SUPPLEMENT = "awaiting_supplement"  # 보완 요청: the clock stops
    COMPLETED = "completed"  # 완료 (with a result)
    CLOSED_AS_REPEAT = "closed_as_repeat"  # 종결: a repeated complaint after two answers


OPEN_STATUSES = frozenset({RequestStatus.RECEIVED, RequestStatus.IN_PROGRESS, RequestStatus.AWAITING_SUPPLEMENT})
CLOSED_STATUSES = frozenset({RequestStatus.COMPLETED, RequestStatus.CLOSED_AS_REPEAT})
# Open and with the department, its clock running (waiting for a supplement stops it): the
# statuses in which a request can be due soon or overdue.
HELD_STATUSES = (RequestStatus.RECEIVED.value, RequestStatus.IN_PROGRESS.value)


class RequestResult(enum.StrEnum):
    RESOLVED = "resolved"
    PARTLY_RESOLVED = "partly_resolved"
    NOT_POSSIBLE = "not_possible"  # reason and remedy required
    TRANSFERRED = "transferred"  # handed outside the city (the lead department records where)


class Channel(enum.StrEnum):
    WEB = "web"
    FIELD = "field"  # field staff, from a phone
    COUNTER = "counter"  # counter staff, on a resident's behalf
    OPEN311 = "open311"


class EventKind(enum.StrEnum):
    FILED = "filed"
    ASSIGNED = "assigned"
    STARTED = "started"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    SUPPLEMENTED = "supplemented"
    TRANSFERRED = "transferred"
    COHANDLING_ASKED = "cohandling_asked"
    COHANDLING_ANSWERED = "cohandling_answered"
    EXTENDED = "extended"
    EXTENSION_CONSENTED = "extension_consented"  # the applicant agreed to a second extension
    PROGRESS_NOTICE = "progress_notice"
    COMPLETED = "completed"
    REOPENED = "reopened"
    CLOSED_AS_REPEAT = "closed_as_repeat"
    LINKED = "linked"  # marked as a repeat or duplicate of an original
    SUPPORTED = "supported"  # someone reported the same problem
    SURVEY_ANSWERED = "survey_answered"
    FOLLOW_UP = "follow_up"  # a dissatisfied survey returned it to the department's queue
    FOLLOW_UP_ANSWERED = "follow_up_answered"  # the department answered the follow-up
    OVERDUE = "overdue"  # the due time passed unanswered


class Satisfaction(enum.StrEnum):
    SATISFIED = "satisfied"  # 만족
    NEUTRAL = "neutral"  # 보통
    DISSATISFIED = "dissatisfied"  # 불만족


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class RequestCategory(LocalizedNameMixin, RetirableMixin, db.Model):
    """What a request is about; routes it to a department and sets its kind and period.

    The period is the kind's statutory default unless an admin sets one (`period_amount` and
    `period_unit` both set). `answer_template_*` prefills the answer form.
    """

    __tablename__ = "request_categories"
    __table_args__ = (
        CheckConstraint(_in("kind", RequestKind), name="kind"),
        CheckConstraint(f"period_unit IS NULL OR {_in('period_unit', PeriodUnit)}", name="period_unit"),
        CheckConstraint("(period_amount IS NULL) = (period_unit IS NULL)", name="period_both_or_neither"),
        CheckConstraint("period_amount IS NULL OR period_amount > 0", name="period_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name_ko: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(24))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    period_amount: Mapped[int | None] = mapped_column(SmallInteger)
    period_unit: Mapped[str | None] = mapped_column(String(8))
    answer_template_ko: Mapped[str] = mapped_column(Text, default="")
    answer_template_en: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    department: Mapped[Department] = relationship()


class LocalHoliday(db.Model):
    """A day the city's offices are closed beyond the national calendar (an admin adds it)."""

    __tablename__ = "local_holidays"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    name_ko: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CivilRequest(WrittenLanguageMixin, db.Model):
    """One civil request. `version` grows with every handling step: a step taken on a stale
    version is refused, so two officials acting at once cannot both win."""

    __tablename__ = "civil_requests"
    __language_of__ = ("title", "description")
    __language_writer__ = "applicant"
    __table_args__ = (
        CheckConstraint(_in("status", RequestStatus), name="status"),
        CheckConstraint(f"result IS NULL OR {_in('result', RequestResult)}", name="result"),
        CheckConstraint(_in("channel", Channel), name="channel"),
        CheckConstraint(_in("kind", RequestKind), name="kind"),
        CheckConstraint("(status = 'completed') = (result IS NOT NULL)", name="completed_has_result"),
        CheckConstraint("applicant_id IS NOT NULL OR contact_phone IS NOT NULL OR contact_email IS NOT NULL", name="someone_to_tell"),
        CheckConstraint("extension_count >= 0 AND extension_count <= 2", name="extensions"),
        Index("ix_civil_requests_queue", "lead_department_id", "status", "due_at"),
        Index("ix_civil_requests_open_due", "status", "due_at"),
        Index("ix_civil_requests_public", "is_public", "received_at"),
        # The public list's filters, each newest first (civil_requests.listing).
        Index("ix_civil_requests_public_category", "is_public", "category_id", "received_at"),
        Index("ix_civil_requests_public_district", "is_public", "district_id", "received_at"),
        Index("ix_civil_requests_public_status", "is_public", "status", "received_at"),
        Index("ix_civil_requests_public_due", "is_public", "status", "due_at"),  # "overdue only"
        # The alert sweep's progress notices and survey reminders (civil_requests/alerts.py).
        Index("ix_civil_requests_progress", "next_progress_notice_at"),
        Index("ix_civil_requests_survey_due", "status", "survey_reminded_at", "completed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_number: Mapped[str] = mapped_column(String(16), unique=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("request_categories.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    # The period as it applied when filed (a later change to the category does not move this clock).
    period_amount: Mapped[int] = mapped_column(SmallInteger)
    period_unit: Mapped[str] = mapped_column(String(8))
    lead_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Counter filings: who the resident is and how to tell them (with their recorded consent).
    applicant_name: Mapped[str | None] = mapped_column(String(60))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(String(ADDRESS_MAX), default="")
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)
    # Open311 filings: the link the app sent to its photo (kept as text, never fetched) and the key it used.
    media_url: Mapped[str | None] = mapped_column(String(MEDIA_URL_MAX))
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(24), default=RequestStatus.RECEIVED.value)
    result: Mapped[str | None] = mapped_column(String(16))
    answer: Mapped[str] = mapped_column(Text, default="")
    result_reason: Mapped[str] = mapped_column(Text, default="")  # required when not possible
    result_remedy: Mapped[str] = mapped_column(Text, default="")  # 불복 구제: how to appeal, when not possible
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Where the clock counts from: the receipt, or the latest reopening (a fresh period).
    clock_from: Mapped[datetime] = mapped_column(UTCDateTime())
    # Recomputed from the period, the pauses and the extensions at each step; NULL while paused.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    extension_count: Mapped[int] = mapped_column(SmallInteger, default=0)
    extension_consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completion_count: Mapped[int] = mapped_column(SmallInteger, default=0)
    original_id: Mapped[int | None] = mapped_column(ForeignKey("civil_requests.id"), index=True)
    supporter_count: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Alert bookkeeping: each alert is a conditional update on these, so a sweep run twice,
    # or in two processes, sends it once.
    due_soon_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    overdue_alerted_on: Mapped[date | None] = mapped_column(Date)  # the department, daily while overdue
    applicant_overdue_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    admins_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_progress_notice_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    survey_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when the applicant was dissatisfied: back in the department's queue until it answers.
    follow_up_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    category: Mapped[RequestCategory] = relationship()
    lead_department: Mapped[Department] = relationship()
    handler: Mapped[User | None] = relationship(foreign_keys=[handler_id])
    applicant: Mapped[User | None] = relationship(foreign_keys=[applicant_id])
    filed_by: Mapped[User | None] = relationship(foreign_keys=[filed_by_id])
    district: Mapped[District | None] = relationship()
    original: Mapped[CivilRequest | None] = relationship(remote_side=[id])
    events: Mapped[list[RequestEvent]] = relationship(back_populates="request", order_by="RequestEvent.id")
    cohandlings: Mapped[list[CoHandling]] = relationship(back_populates="request", order_by="CoHandling.id")
    pauses: Mapped[list[RequestPause]] = relationship(back_populates="request", order_by="RequestPause.id")
    photos: Mapped[list[RequestPhoto]] = relationship(
        back_populates="request", order_by="RequestPhoto.position", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, now: datetime) -> bool:
        """Open past its due time (a paused request has no due time, so is never overdue)."""
        return self.is_open and self.due_at is not None and now > self.due_at

    def reopen_until(self) -> datetime | None:
        if self.status != RequestStatus.COMPLETED or self.completed_at is None:
            return None
        return self.completed_at + timedelta(days=REOPEN_DAYS)


class RequestEvent(WrittenLanguageMixin, db.Model):
    """One step on a request's timeline. `note` is shown to whoever may see the request;
    nothing in it names the applicant."""

    __tablename__ = "request_events"
    __language_of__ = ("note",)
    __language_writer__ = "actor"
    __table_args__ = (
        CheckConstraint(_in("kind", EventKind), name="kind"),
        Index("ix_request_events_at", "at"),  # the feeds: the newest steps first
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("civil_requests.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))  # who acted, or is now in charge
    from_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    status_from: Mapped[str | None] = mapped_column(String(24))
    status_to: Mapped[str | None] = mapped_column(String(24))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the due time after this step
    note: Mapped[str] = mapped_column(Text, default="")

    request: Mapped[CivilRequest] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
    department: Mapped[Department | None] = relationship(foreign_keys=[department_id])
    from_department: Mapped[Department | None] = relationship(foreign_keys=[from_department_id])


class RequestPause(db.Model):
    """Time spent waiting for the applicant to supplement the request (보완): the clock stops."""

    __tablename__ = "request_pauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("civil_requests.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    request: Mapped[CivilRequest] = relationship(back_populates="pauses")


class CoHandling(WrittenLanguageMixin, db.Model):
    """The lead department asked another for its part (협조); the other answers here."""

    __tablename__ = "request_cohandlings"
    __language_of__ = ("question", "answer")
    __table_args__ = (UniqueConstraint("request_id", "department_id", name="uq_request_cohandlings_department"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("civil_requests.id", ondelete="CASCADE"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    question: Mapped[str] = mapped_column(Text, default="")
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    request: Mapped[CivilRequest] = relationship(back_populates="cohandlings")
    department: Mapped[Department] = relationship()


class RequestPhoto(db.Model):
    """A photo of the problem, re-encoded without EXIF like idea photos; served by token."""

    __tablename__ = "request_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("civil_requests.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    request: Mapped[CivilRequest] = relationship(back_populates="photos")


class RequestSupporter(db.Model):
    """Someone who reported the same problem: counted once, and told of each step."""

    __tablename__ = "request_supporters"

    request_id: Mapped[int] = mapped_column(ForeignKey("civil_requests.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RequestSurvey(WrittenLanguageMixin, db.Model):
    """The applicant's satisfaction with one completion (a reopened request can be rated again)."""

    __tablename__ = "request_surveys"
    __language_of__ = ("comment",)
    __table_args__ = (
        UniqueConstraint("request_id", "completion_no", name="uq_request_surveys_completion"),
        CheckConstraint(_in("satisfaction", Satisfaction), name="satisfaction"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("civil_requests.id", ondelete="CASCADE"))
    completion_no: Mapped[int] = mapped_column(SmallInteger)
    satisfaction: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text, default="")
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)  # the lead that answered
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AttributeDatatype(enum.StrEnum):
    """The datatypes of an extra question, as Open311 GeoReport v2 names them."""

    STRING = "string"
    NUMBER = "number"
    DATETIME = "datetime"
    TEXT = "text"
    SINGLEVALUELIST = "singlevaluelist"
    MULTIVALUELIST = "multivaluelist"


LIST_DATATYPES = frozenset({AttributeDatatype.SINGLEVALUELIST.value, AttributeDatatype.MULTIVALUELIST.value})


class RequestAttribute(RetirableMixin, db.Model):
    """An extra question an admin asks of requests in one category (Open311's service attributes).

    `code` is what apps send as attribute[code]; `values` are the choices of a list question, each
    {"key", "name_ko", "name_en"}. Retired questions are no longer asked; old answers keep them."""

    __tablename__ = "request_attributes"
    __table_args__ = (
        UniqueConstraint("category_id", "code", name="uq_request_attributes_category_code"),
        CheckConstraint(_in("datatype", AttributeDatatype), name="datatype"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("request_categories.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(ATTRIBUTE_CODE_MAX))
    datatype: Mapped[str] = mapped_column(String(16))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(SmallInteger, default=1)  # Open311's `order`
    description_ko: Mapped[str] = mapped_column(String(ATTRIBUTE_DESCRIPTION_MAX))
    description_en: Mapped[str] = mapped_column(String(ATTRIBUTE_DESCRIPTION_MAX), default="")
    values: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    category: Mapped[RequestCategory] = relationship()

    def description_for(self, locale: str) -> str:
        if locale == "en" and self.description_en:
            return self.description_en
        return self.description_ko

    @staticmethod
    def value_name(value: dict, locale: str) -> str:
        if locale == "en" and value.get("name_en"):
            return value["name_en"]
        return value.get("name_ko") or value.get("key", "")


class RequestAttributeAnswer(db.Model):
    """The answer a request gave to one extra question: text, a number or a time as written
    (checked against the datatype), or the chosen keys of a list, comma-separated."""

    __tablename__ = "request_attribute_answers"

    request_id: Mapped[int] = mapped_column(ForeignKey("civil_requests.id", ondelete="CASCADE"), primary_key=True)
    attribute_id: Mapped[int] = mapped_column(ForeignKey("request_attributes.id", ondelete="CASCADE"), primary_key=True, index=True)
    value: Mapped[str] = mapped_column(Text)

    attribute: Mapped[RequestAttribute] = relationship()
