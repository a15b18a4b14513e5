"""Background jobs: what was asked, by whom, how far it got, and where its result is."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.extensions import db
from backoffice.models.base import UTCDateTime, utcnow

JOB_STATES = ("queued", "running", "done", "failed", "cancelled")
#: States a job can still leave (and so be cancelled in).
ACTIVE_STATES = ("queued", "running")


class Job(db.Model):
    """One background job. Written by ``backoffice.jobs.records``; run by the worker."""

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(
            "state IN ('queued', 'running', 'done', 'failed', 'cancelled')", name="state"
        ),
        CheckConstraint("done >= 0 AND (total IS NULL OR total >= 0)", name="progress"),
        Index("ix_jobs_user_id_created_at", "user_id", "created_at"),
        Index("ix_jobs_state_finished_at", "state", "finished_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # A copy of the starter's email, kept when the account is erased.
    user_email: Mapped[str | None] = mapped_column(String(255))
    # What to do: the list's view, filters, search and sort; never a list of row ids.
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), default="queued")
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    checkpoint: Mapped[dict | None] = mapped_column(JSON)
    # The result's key in the Storage (a background export's file); None once removed.
    result_key: Mapped[str | None] = mapped_column(String(255))
    summary: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)

    user = relationship("User", foreign_keys=[user_id])

    @property
    def active(self) -> bool:
        """True while the job is queued or running (it can still be cancelled)."""
        return self.state in ACTIVE_STATES

    def __str__(self) -> str:
        return f"Job {self.id} ({self.kind}, {self.state})"
