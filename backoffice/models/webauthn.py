"""Passkeys: WebAuthn credentials registered by a user (Flask-Security's WebAuthnMixin)."""

from __future__ import annotations

import datetime as dt

from flask_security import WebAuthnMixin
from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.ext.mutable import MutableList
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.extensions import db
from backoffice.models.base import TextList, UTCDateTime, utcnow


class WebAuthn(db.Model, WebAuthnMixin):
    """One registered authenticator (security key or passkey) of one user.

    ``usage`` is "secondary" here: passkeys stand in for the authenticator code, never
    for the password (SECURITY_WAN_ALLOW_AS_FIRST_FACTOR is off).
    """

    __tablename__ = "webauthn"
    # Flask-Security keeps names unique per user (it checks before inserting); the
    # constraint's index also serves "this user's passkeys".
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_webauthn_user_id_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    credential_id: Mapped[bytes] = mapped_column(LargeBinary(1024), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(default=0)
    transports: Mapped[list[str] | None] = mapped_column(MutableList.as_mutable(TextList()))
    backup_state: Mapped[bool]
    device_type: Mapped[str] = mapped_column(String(64))
    # A JSON string as returned by the browser at registration.
    extensions: Mapped[str | None] = mapped_column(String(255))
    create_datetime: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lastuse_datetime: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    name: Mapped[str] = mapped_column(String(64))
    usage: Mapped[str] = mapped_column(String(64))

    def __str__(self) -> str:
        return self.name
