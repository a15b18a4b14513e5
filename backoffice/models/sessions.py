"""Signed-in sessions: one row per login on a device, so logout can end it server-side."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.extensions import db
from backoffice.models.base import UTCDateTime, utcnow


class UserSession(db.Model):
    """One login on one device. Its token rides in the Flask session and remember cookie.

    Only a hash of the token is stored: the table alone cannot revive a session. A
    revoked row (logout) refuses both cookies, whatever copies of them exist.
    """

    __tablename__ = "user_sessions"

    #: SHA-256 hex digest of the token the browser holds.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Refreshed at most once a minute (see services.sessions.TOUCH_EVERY).
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # What a "your devices" page shows; personal data, deleted when the account is erased.
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(255))
