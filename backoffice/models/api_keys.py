"""API keys (who may call the REST API, with which scopes, until when) and idempotency records."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.extensions import db
from backoffice.models.base import UTCDateTime, utcnow


class ApiKey(db.Model):
    """One integration's key. Created and checked by ``services.api_keys``.

    The key itself is never stored: ``prefix`` finds the row, ``secret_hash`` (SHA-256
    of the whole key) proves it. Revoked or expired rows stay, for the audit trail.
    """

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_used_ip: Mapped[str | None] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # A copy of the creator's email, kept when the account is erased (None: the CLI).
    created_by_email: Mapped[str | None] = mapped_column(String(255))

    created_by = relationship("User", foreign_keys=[created_by_id])

    def __str__(self) -> str:
        return f"API key {self.name}"


class IdempotencyRecord(db.Model):
    """The first answer to a request sent with an ``Idempotency-Key`` header, per API key.

    Written in the same transaction as the change it answers (``services.idempotency``),
    so a retry either finds the committed answer or, when the first attempt failed and
    rolled back, finds nothing and runs again.
    """

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("api_key_id", "key", name="uq_idempotency_records_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    # SHA-256 of method, path and body: the same key with another request is refused.
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column()
    response: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
