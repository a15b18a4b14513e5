"""Accounts: users, roles and the one-to-one user profile."""

from __future__ import annotations

import datetime as dt
import uuid

from flask_security import AsaList, RoleMixin, UserMixin
from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    cast,
    event,
    literal,
    true,
)
from sqlalchemy.ext.mutable import MutableList
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from backoffice import clock
from backoffice.extensions import db
from backoffice.models.base import TextList, TimestampMixin, UTCDateTime, utcnow
from backoffice.models.webauthn import WebAuthn
from backoffice.permissions import can

roles_users = Table(
    "roles_users",
    db.metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", Integer, ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
    # The primary key serves lookups by user; this serves "users with role X".
    Index("ix_roles_users_role_id", "role_id"),
)


def new_uniquifier() -> str:
    """A fresh value for ``fs_uniquifier``; changing it ends every session of the user."""
    return uuid.uuid4().hex


def rotated_uniquifier_sql():
    """SQL for a fresh ``fs_uniquifier`` per row in one UPDATE: a new random value plus the id.

    Unique because ids are, unguessable because of the random part; portable to SQLite and
    PostgreSQL (plain ``||`` concatenation).
    """
    return literal(new_uniquifier()) + cast(User.id, String)


LOCKED_MESSAGE = "This account is temporarily locked after too many failed logins."


class Role(db.Model, RoleMixin):
    """A named set of permissions (``admin``, ``staff``)."""

    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str | None] = mapped_column(String(255))
    permissions: Mapped[list[str] | None] = mapped_column(MutableList.as_mutable(AsaList()))
    update_datetime: Mapped[dt.datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow
    )

    def __str__(self) -> str:
        return self.name


class User(db.Model, UserMixin, TimestampMixin):
    """A login identity. Staff roles decide what it may do in the admin."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-case (see auth.identities.LowercaseMailUtil), so a plain unique index
    # serves case-insensitive uniqueness and login lookups.
    email: Mapped[str] = mapped_column(String(255), unique=True)
    username: Mapped[str | None] = mapped_column(String(64), unique=True)
    password: Mapped[str | None] = mapped_column(String(255), nullable=True)
    active: Mapped[bool] = mapped_column(default=True, index=True)
    fs_uniquifier: Mapped[str] = mapped_column(String(64), unique=True, default=new_uniquifier)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    # Indexed where the admin user list sorts or filters by them.
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    current_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_login_ip: Mapped[str | None] = mapped_column(String(64))
    current_login_ip: Mapped[str | None] = mapped_column(String(64))
    login_count: Mapped[int] = mapped_column(default=0, server_default="0")

    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0", index=True)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    # Set when the account was erased (personal data scrubbed; orders kept).
    erased_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # The customer's choice under /account: mail when an order is shipped or delivered.
    shipping_updates: Mapped[bool] = mapped_column(default=True, server_default=true())

    # Second factor (Flask-Security): "authenticator" and the TOTP secret, encrypted with
    # SECURITY_TOTP_SECRETS; one-time recovery codes, each encrypted with
    # SECURITY_MULTI_FACTOR_RECOVERY_CODES_KEYS; the WebAuthn user handle for passkeys.
    tf_primary_method: Mapped[str | None] = mapped_column(String(64))
    tf_totp_secret: Mapped[str | None] = mapped_column(String(255))
    mf_recovery_codes: Mapped[list[str] | None] = mapped_column(MutableList.as_mutable(TextList()))
    fs_webauthn_user_handle: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: Flask-Security's tf_reset writes this; codes by SMS are not offered, so no column.
    tf_phone_number = None

    roles: Mapped[list[Role]] = relationship(
        secondary=roles_users, backref=db.backref("users", lazy="dynamic")
    )
    # No order_by: the user list loads these for its "Second factor" column, and an
    # ORDER BY over the IN (...) of a whole page is a sort the index cannot serve.
    webauthn: Mapped[list[WebAuthn]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )
    profile: Mapped[UserProfile] = relationship(
        back_populates="user",
        uselist=False,
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def full_name(self) -> str | None:
        """The profile's full name (registration passes it straight to the constructor)."""
        return self.profile.full_name if self.profile else None

    @full_name.setter
    def full_name(self, value: str | None) -> None:
        ensure_profile(self).full_name = value

    def lock_active(self, now: dt.datetime | None = None) -> bool:
        """True while ``locked_until`` lies in the future (app clock unless ``now`` is given)."""
        return self.locked_until is not None and self.locked_until > (now or clock.now())

    def is_locked(self, form_error: list[str] | None = None) -> bool:
        """Flask-Security's lockout hook (True means locked); called after the password check.

        The message lands on the form, where generic responses replace it with the same
        answer a wrong password gets; the lock itself is set by ``services.lockout``.
        """
        locked = self.lock_active()
        if locked and form_error is not None:
            form_error.append(LOCKED_MESSAGE)
        return locked

    @property
    def is_staff(self) -> bool:
        """True for admin and staff: whoever may open the admin must use two factors."""
        return can(self, "admin.access")

    @property
    def has_second_factor(self) -> bool:
        """An authenticator app or a passkey is set up."""
        return bool(self.tf_primary_method and self.tf_totp_secret) or bool(self.webauthn)

    def check_tf_required(self, tf_setup_methods, tf_fresh: bool):
        """Flask-Security's hook: two factors for admin and staff, and for whoever set one up."""
        if self.is_staff or tf_setup_methods:
            return True, tf_setup_methods  # TWO_FACTOR_ALWAYS_VALIDATE: fresh or not
        return False, tf_setup_methods

    def check_tf_required_setup(self) -> bool:
        """Staff may not switch their second factor off (the setup page hides "disable")."""
        return self.is_staff

    def get_security_payload(self) -> dict:
        """What Flask-Security's JSON answers say about the user: never secrets."""
        return {
            "id": self.id,
            "email": self.email,
            "username": self.username,
            "full_name": self.full_name,
            "roles": self.role_names,
        }

    @property
    def role_names(self) -> list[str]:
        """Names of the user's roles, sorted."""
        return sorted(r.name for r in self.roles)

    def __str__(self) -> str:
        return f"deleted user #{self.id}" if self.erased_at else self.email


class UserProfile(db.Model, TimestampMixin):
    """Personal details, one row per user, created and deleted with the user."""

    __tablename__ = "user_profiles"
    # The profile list sorts by last change (its default) and filters by zipcode.
    __table_args__ = (Index("ix_user_profiles_updated_at", "updated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    full_name: Mapped[str | None] = mapped_column(String(120), index=True)
    bio: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(255))
    zipcode: Mapped[str | None] = mapped_column(String(20), index=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    contact_email: Mapped[str | None] = mapped_column(String(255))
    website: Mapped[str | None] = mapped_column(String(255))
    # A key in the configured file store, never a filesystem path.
    avatar: Mapped[str | None] = mapped_column(String(255))

    user: Mapped[User] = relationship(back_populates="profile")

    def __str__(self) -> str:
        return self.full_name or (self.user.email if self.user else f"profile {self.id}")


def ensure_profile(user: User) -> UserProfile:
    """Return the user's profile, creating an empty one if there is none yet."""
    if user.profile is None:
        user.profile = UserProfile()
    return user.profile


@event.listens_for(Session, "before_flush")
def _every_user_gets_a_profile(session, flush_context, instances) -> None:
    """Give every new user a profile, whichever path created it (form, CLI, API)."""
    for obj in session.new:
        if isinstance(obj, User):
            ensure_profile(obj)
