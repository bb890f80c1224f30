"""The scheduler lease row: which process may run sweeps, and until when."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from participation.core.models import UTCDateTime
from participation.extensions import db


class SchedulerLease(db.Model):
    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    # hostname:pid:random, so a log line or `flask scheduler status` says which process it is.
    holder: Mapped[str] = mapped_column(String(255))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def is_live(self, now: datetime) -> bool:
        return self.expires_at > now
