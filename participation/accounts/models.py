"""People, their roles, their sign-in sessions, and the city's reference data: departments, districts, categories."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Integer, String, Text, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from participation.core.models import LocalizedNameMixin, RetirableMixin, UTCDateTime
from participation.extensions import db


class Role(enum.StrEnum):
    RESIDENT = "resident"
    OFFICIAL = "official"
    MODERATOR = "moderator"
    ADMIN = "admin"
    # Civil requests: field staff report problems from a phone; counter staff file on a
    # resident's behalf. Neither answers requests (that is an official's part).
    FIELD = "field"
    COUNTER = "counter"


ROLE_VALUES = tuple(r.value for r in Role)


class Department(LocalizedNameMixin, RetirableMixin, db.Model):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_ko: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Category(LocalizedNameMixin, RetirableMixin, db.Model):
    """A category of ideas, routed to the department that answers them (reference data, like districts)."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_ko: Mapped[str] = mapped_column(String(100), unique=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    department: Mapped[Department] = relationship()


class DistrictKind(enum.StrEnum):
    GU = "gu"
    DONG = "dong"


class District(LocalizedNameMixin, RetirableMixin, db.Model):
    """A 구 (gu), or a 동 (dong) inside a gu."""

    __tablename__ = "districts"
    __table_args__ = (
        UniqueConstraint("parent_id", "name_ko", name="uq_districts_parent_name"),
        CheckConstraint("kind IN ('gu', 'dong')", name="kind"),
        CheckConstraint(
            "(kind = 'gu' AND parent_id IS NULL) OR (kind = 'dong' AND parent_id IS NOT NULL)",
            name="dong_has_gu",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    parent: Mapped[District | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[District]] = relationship(back_populates="parent", order_by="District.name_ko")

    def full_name_for(self, locale: str) -> str:
        if self.parent is None:
            return self.name_for(locale)
        return f"{self.parent.name_for(locale)} {self.name_for(locale)}"


class DistrictBoundary(db.Model):
    """A 동's boundary, imported by an admin as GeoJSON, so a pin on the map names its 동.
    The bounding box lets a lookup test only the few polygons that can hold the point."""

    __tablename__ = "district_boundaries"

    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id", ondelete="CASCADE"), primary_key=True)
    geometry: Mapped[str] = mapped_column(Text)  # a GeoJSON Polygon or MultiPolygon, lon/lat (WGS 84)
    min_lat: Mapped[float] = mapped_column(Float)
    min_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())

    district: Mapped[District] = relationship()


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored normalised (see accounts.passwords.normalise_email); unique.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(30))
    password_hash: Mapped[str] = mapped_column(String(255))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    locale: Mapped[str | None] = mapped_column(String(5))
    # For SMS notices, only if the person gives it (digits only, e.g. 01012345678).
    phone: Mapped[str | None] = mapped_column(String(20))
    privacy_consented_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set by a moderator: until then the person may read but not post, vote or flag.
    suspended_until: Mapped[datetime | None] = mapped_column(UTCDateTime())

    district: Mapped[District | None] = relationship()
    department: Mapped[Department | None] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    # Flask-Login protocol. The id kept in the browser session is the sign-in
    # session's token, not the user id, so ending a LoginSession ends it everywhere.
    current_session_token = None

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.deleted_at is None

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        return self.current_session_token

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def is_suspended(self, now: datetime) -> bool:
        return self.suspended_until is not None and self.suspended_until > now

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(row.role for row in self.role_rows)

    def has_role(self, role: str) -> bool:
        return role in self.roles


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (
        CheckConstraint("role IN ('resident', 'official', 'moderator', 'admin', 'field', 'counter')", name="role"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(back_populates="role_rows")


class LoginSession(db.Model):
    """One sign-in. The browser holds the token; we keep only its SHA-256."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    @classmethod
    def live(cls, now: datetime) -> tuple:
        """SQL conditions for a session that has neither ended nor expired."""
        return (cls.ended_at.is_(None), cls.expires_at > now)


class UnreadCount(db.Model):
    """The header's unread notification count, kept by the notifications module in a row of its
    own: telling thousands of people about an outcome locks these rows, never the people's own,
    which votes and sign-ins lock (FOR NO KEY UPDATE on PostgreSQL). No row means none unread."""

    __tablename__ = "unread_counts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    unread: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


# Read with the person in the same statement (a correlated subquery on the primary key), so the
# header's count costs no query of its own; reading it never waits for a notifier's lock.
User.unread_notifications = column_property(
    func.coalesce(select(UnreadCount.unread).where(UnreadCount.user_id == User.id).correlate_except(UnreadCount).scalar_subquery(), 0)
)
