"""Writing the audit trail. Every entry says who, from where, what, and before → after."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from backoffice.extensions import db
from backoffice.models import AuditLog

#: Field names whose values never reach the audit log.
SECRET_FIELDS = frozenset(
    {
        "password",
        "new_password",
        "password_confirm",
        "fs_uniquifier",
        "fs_token_uniquifier",
        "tf_totp_secret",
        "csrf_token",
        "token",
    }
)
REDACTED = "[redacted]"


def redact(changes: dict[str, Any] | None) -> dict[str, Any] | None:
    """Replace the values of secret fields (at any depth) with a marker."""
    if changes is None:
        return None
    clean: dict[str, Any] = {}
    for key, value in changes.items():
        if key in SECRET_FIELDS:
            clean[key] = REDACTED
        elif isinstance(value, dict):
            clean[key] = redact(value)
        else:
            clean[key] = value
    return clean


def client_ip() -> str | None:
    """The requesting address (after ProxyFix, when configured), or None outside requests."""
    return request.remote_addr if has_request_context() else None


def entry(
    action: str,
    *,
    model: str | None = None,
    object_id: Any = None,
    changes: dict[str, Any] | None = None,
    summary: str | None = None,
    actor=None,
    api_key: str | None = None,
) -> AuditLog:
    """A new audit entry, not yet in any session (``record`` adds it to ``db.session``).

    ``actor`` defaults to the signed-in user of the current request; ``api_key`` names
    the key of a change made through the REST API.
    """
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    return AuditLog(
        action=action,
        model=model,
        object_id=None if object_id is None else str(object_id),
        changes=redact(changes),
        summary=summary,
        actor_id=getattr(actor, "id", None),
        actor_email=getattr(actor, "email", None),
        ip=client_ip(),
        api_key=api_key,
    )


def record(
    action: str,
    *,
    model: str | None = None,
    object_id: Any = None,
    changes: dict[str, Any] | None = None,
    summary: str | None = None,
    actor=None,
    api_key: str | None = None,
) -> AuditLog:
    """Add an audit entry to the session (committed with the change it describes)."""
    new = entry(
        action, model=model, object_id=object_id, changes=changes, summary=summary,
        actor=actor, api_key=api_key,
    )  # fmt: skip
    db.session.add(new)
    return new
