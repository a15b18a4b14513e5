"""Creating users, setting passwords and granting roles: shared by admin, CLI and tests."""

from __future__ import annotations

from collections.abc import Iterable

from flask_security import hash_password
from flask_security.mail_util import EmailValidateException
from sqlalchemy import select

from backoffice import clock
from backoffice.extensions import current_security, db
from backoffice.models import Role, User
from backoffice.models.users import new_uniquifier
from backoffice.permissions import ROLE_DESCRIPTIONS, ROLE_PERMISSIONS
from backoffice.services import audit


class UserError(ValueError):
    """Invalid user data; ``errors`` maps field names to messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def normalise_email(raw: str | None) -> str:
    """Validated, normalised, lower-case address (no DNS lookups)."""
    if not raw or not raw.strip():
        raise UserError({"email": "Email is required."})
    try:
        return current_security().mail_util.normalize(raw.strip())
    except EmailValidateException as exc:
        raise UserError({"email": str(exc.msg)}) from None


def normalise_username(raw: str | None) -> str | None:
    """Cleaned, lower-case username, or None when blank."""
    if raw is None or not raw.strip():
        return None
    msg, value = current_security().username_util.validate(raw.strip())
    if msg:
        raise UserError({"username": str(msg)})
    return value


def check_password(password: str, user: User | None = None, **inputs: str | None) -> str:
    """Apply the same password rules as registration; return the normalised password.

    The strength check treats the user's own data as guessable: pass ``user`` for an
    existing account, or the typed ``email``/``username``/``full_name`` as ``inputs``.
    """
    if not password:
        raise UserError({"password": "Password is required."})
    if inputs or user is None:
        errors, normalised = current_security().password_util.validate(password, True, **inputs)
    else:
        errors, normalised = current_security().password_util.validate(password, False, user=user)
    if errors:
        raise UserError({"password": " ".join(str(e) for e in errors)})
    return normalised


def set_password(user: User, password: str, *, via: str | None = None) -> None:
    """The one password setter: validate, bcrypt-hash, and end an existing user's sessions.

    A new ``fs_uniquifier`` invalidates every session and remember-me cookie of the
    account, so whoever knew the old password is signed out everywhere. The change
    is audited when ``via`` names the door it came through (``admin``, ``cli``, ...).
    """
    user.password = hash_password(check_password(password, user if user.id else None))
    if user.id is None:
        return  # a new account: nothing to end, nothing to audit yet
    user.fs_uniquifier = new_uniquifier()
    if via:
        audit.record("password_change", model="User", object_id=user.id, changes={"via": via})


def ensure_roles() -> dict[str, Role]:
    """Create the fixed roles if missing and keep their descriptions and permissions current."""
    roles = {r.name: r for r in db.session.scalars(db.select(Role))}
    for name, permissions in ROLE_PERMISSIONS.items():
        role = roles.get(name)
        if role is None:
            role = roles[name] = Role(name=name)
            db.session.add(role)
        role.description = ROLE_DESCRIPTIONS[name]
        role.permissions = sorted(permissions)
    return roles


def email_taken(email: str, exclude_id: int | None = None) -> bool:
    """True if another user already has this (normalised) address."""
    query = db.select(User.id).where(User.email == email)
    if exclude_id is not None:
        query = query.where(User.id != exclude_id)
    return db.session.scalar(query) is not None


def username_taken(username: str, exclude_id: int | None = None) -> bool:
    """True if another user already has this (normalised) username."""
    query = db.select(User.id).where(User.username == username)
    if exclude_id is not None:
        query = query.where(User.id != exclude_id)
    return db.session.scalar(query) is not None


def create_user(
    email: str,
    password: str,
    *,
    username: str | None = None,
    full_name: str | None = None,
    roles: Iterable[str] = (),
    active: bool = True,
) -> User:
    """Validate and add a new user (with its profile) to the session; the caller commits."""
    email = normalise_email(email)
    username = normalise_username(username)
    errors: dict[str, str] = {}
    if email_taken(email):
        errors["email"] = f"{email} is already registered."
    if username and username_taken(username):
        errors["username"] = f"{username} is already taken."
    if errors:
        raise UserError(errors)
    known = ensure_roles()
    unknown = [r for r in roles if r not in known]
    if unknown:
        raise UserError({"roles": f"Unknown role(s): {', '.join(unknown)}"})
    user = User(
        email=email,
        username=username,
        active=active,
        roles=[known[r] for r in roles],
    )
    user.full_name = full_name
    # Created by an admin, the CLI or a seed script: the address needs no mail confirmation.
    user.confirmed_at = clock.now()
    user.password = hash_password(
        check_password(password, email=email, username=username, full_name=full_name)
    )
    db.session.add(user)
    return user


def customers():
    """The accounts that are customers: those holding no role (staff and admins are not).

    A SELECT of users, for the caller to filter, order and page.
    """
    return select(User).where(~User.roles.any())
