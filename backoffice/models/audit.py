"""The audit trail: who did what, when, from where, with before → after values."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.extensions import db
from backoffice.models.base import UTCDateTime, utcnow


class AuditLog(db.Model):
    """One recorded event. Written by ``services.audit.record``; never edited."""

    __tablename__ = "audit_log"
    __table_args__ = (
        # A record's history (its details page), newest first; also serves (model, object_id).
        Index("ix_audit_log_model_object_id_created_at", "model", "object_id", "created_at", "id"),
        Index("ix_audit_log_action_created_at", "action", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # A copy of the actor's email at the time, kept when the account is erased.
    actor_email: Mapped[str | None] = mapped_column(String(255), index=True)
    ip: Mapped[str | None] = mapped_column(String(64), index=True)
    # The API key's name when the change came through the REST API (no user signed in).
    api_key: Mapped[str | None] = mapped_column(String(80), index=True)
    action: Mapped[str] = mapped_column(String(32))
    model: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    changes: Mapped[dict | None] = mapped_column(JSON)
    summary: Mapped[str | None] = mapped_column(Text)

    actor = relationship("User", foreign_keys=[actor_id])

    def __str__(self) -> str:
        return f"{self.action} {self.model or ''} {self.object_id or ''}".strip()


class AuditLogIsAppendOnly(Exception):
    """Raised when code tries to change or delete an audit entry through the ORM."""


@event.listens_for(AuditLog, "before_update")
@event.listens_for(AuditLog, "before_delete")
def _append_only(mapper, connection, target: AuditLog) -> None:
    """Entries are written once; a bug that edits one fails loudly instead."""
    raise AuditLogIsAppendOnly(f"Audit entry {target.id} cannot be changed or deleted.")
