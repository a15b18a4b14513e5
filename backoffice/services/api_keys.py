"""API keys: create (the key is shown once), revoke, list, and authenticate a request's key.

A key reads ``bo_<prefix>_<secret>``: the 12-hex-digit prefix finds the row (unique,
indexed), the secret (32 random bytes) proves it. Only SHA-256 of the whole key is
stored. A fast hash is right here, unlike for passwords: bcrypt and friends are slow to
make guessing a *low-entropy* secret expensive, but 256 random bits cannot be guessed
at any speed, and a slow hash would add ~100 ms to every API call. Comparison is in
constant time (``hmac.compare_digest``). A stolen database yields no usable key.

Revoking or expiring takes effect on the next request: every request reads the row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets

from sqlalchemy import select

from backoffice import clock
from backoffice.extensions import db
from backoffice.models import ApiKey
from backoffice.services import audit

SCOPES = (
    "catalog:read",
    "catalog:write",
    "stock:write",
    "orders:read",
    "orders:write",
    "customers:read",
)
KEY_PREFIX = "bo_"
MAX_EXPIRY_DAYS = 3650
NAME_RULE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,79}")
# last_used_at is written at most this often per key (and whenever the address changes):
# one UPDATE per API call would make every read a write.
LAST_USED_EVERY = dt.timedelta(minutes=1)


class ApiKeyError(ValueError):
    """A key could not be created or revoked; ``errors`` maps a field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__(" ".join(errors.values()))


def hash_key(raw: str) -> str:
    """The stored form of a key: SHA-256, hex (see the module docstring for why SHA-256)."""
    return hashlib.sha256(raw.encode()).hexdigest()


def create_key(
    name: str,
    scopes: list[str] | tuple[str, ...],
    *,
    expires_in_days: int | None = None,
    created_by=None,
) -> tuple[ApiKey, str]:
    """A new key and its clear text (shown once, never stored); caller commits."""
    name = (name or "").strip()
    errors = {}
    if not NAME_RULE.fullmatch(name):
        errors["name"] = "Name: 1-80 letters, digits, spaces, dots, dashes or underscores."
    elif db.session.scalar(select(ApiKey.id).where(ApiKey.name == name)) is not None:
        errors["name"] = f"A key named {name!r} already exists."
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        errors["scopes"] = "Choose scopes among: " + ", ".join(SCOPES) + "."
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
        errors["expires"] = f"Expiry must be between 1 and {MAX_EXPIRY_DAYS} days."
    if errors:
        raise ApiKeyError(errors)
    prefix = secrets.token_hex(6)
    raw = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    now = clock.now()
    key = ApiKey(
        name=name,
        prefix=prefix,
        secret_hash=hash_key(raw),
        scopes=[s for s in SCOPES if s in scopes],
        created_at=now,
        expires_at=now + dt.timedelta(days=expires_in_days) if expires_in_days else None,
        created_by_id=getattr(created_by, "id", None),
        created_by_email=getattr(created_by, "email", None),
    )
    db.session.add(key)
    db.session.flush()
    audit.record(
        "api_key_create",
        model="ApiKey",
        object_id=key.id,
        changes={"name": name, "scopes": key.scopes, "expires_at": _iso(key.expires_at)},
        summary=f"API key {name} created",
        actor=created_by,
    )
    return key, raw


def revoke_key(name: str, *, actor=None) -> ApiKey:
    """Revoke the key named ``name`` (already revoked: unchanged); caller commits."""
    key = db.session.scalar(select(ApiKey).where(ApiKey.name == (name or "").strip()))
    if key is None:
        raise ApiKeyError({"name": f"No API key named {name!r}."})
    if key.revoked_at is None:
        key.revoked_at = clock.now()
        audit.record(
            "api_key_revoke",
            model="ApiKey",
            object_id=key.id,
            summary=f"API key {key.name} revoked",
            actor=actor,
        )
    return key


def list_keys() -> list[ApiKey]:
    """Every key, newest first (a handful of rows: integrations, not users)."""
    return list(db.session.scalars(select(ApiKey).order_by(ApiKey.id.desc())))


def key_state(key: ApiKey, now: dt.datetime | None = None) -> str:
    """``active``, ``expired`` or ``revoked``."""
    now = now or clock.now()
    if key.revoked_at is not None:
        return "revoked"
    if key.expires_at is not None and key.expires_at <= now:
        return "expired"
    return "active"


def authenticate(raw: str | None, ip: str | None = None) -> ApiKey | None:
    """The active key whose clear text is ``raw``, noting when and where it was used; else None.

    Unknown, malformed, revoked and expired keys all give None (the caller answers 401
    alike). The caller commits the last-used note.
    """
    match = re.fullmatch(r"bo_([0-9a-f]{12})_[A-Za-z0-9_-]{43}", raw or "")
    if match is None:
        return None
    key = db.session.scalar(select(ApiKey).where(ApiKey.prefix == match[1]))
    if key is None or not hmac.compare_digest(key.secret_hash, hash_key(raw)):
        return None
    now = clock.now()
    if key_state(key, now) != "active":
        return None
    if (
        key.last_used_at is None
        or now - key.last_used_at >= LAST_USED_EVERY
        or (key.last_used_ip != ip)
    ):
        key.last_used_at = now
        key.last_used_ip = ip
    return key


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None
