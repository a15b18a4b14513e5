"""Erasing an account: personal data goes, orders stay (the books need them).

Used by the account page (a user erasing themselves, after confirming the password)
and by the admin's row delete; the same rules as ``services.accounts`` apply.
"""

from __future__ import annotations

from backoffice import clock
from backoffice.extensions import db
from backoffice.models import User, ensure_profile, new_uniquifier
from backoffice.permissions import can
from backoffice.services import audit, sessions
from backoffice.services.accounts import (
    ERASED,
    RULE_MESSAGES,
    AccountError,
    blocked,
    ids_of,
    lock_admins,
)
from backoffice.services.avatars import delete_avatar_files_after_commit
from backoffice.services.profiles import PERSONAL_FIELDS


def placeholder_email(user_id: int) -> str:
    """A unique address that can never receive mail (the .invalid TLD is reserved).

    Written directly: our address validator rightly refuses .invalid.
    """
    return f"deleted-{user_id}@invalid"


def erase_user(actor, user: User, *, self_service: bool = False) -> None:
    """Scrub ``user``'s personal data and close the account for good; the caller commits.

    ``self_service``: the user erases their own account (the "yourself" rule does not
    apply then, the last-admin rule does). Otherwise ``actor`` needs ``users.write``.
    """
    if not self_service and actor is not None and not can(actor, "users.write"):
        raise AccountError("You do not have permission to delete accounts.")
    # Erasing may remove an active admin: lock first, then read the account afresh (it was
    # loaded before any wait, and its roles are about to be cleared from what is loaded).
    lock_admins()
    db.session.refresh(user, ["active", "erased_at", "roles"])
    if user.erased_at is not None:
        raise AccountError(RULE_MESSAGES[ERASED])
    reasons = blocked(actor, ids_of(user.id), drops_admin=True, self_rule=not self_service)
    if reasons:
        raise AccountError(RULE_MESSAGES[reasons[user.id]])
    audit.record(
        "account_erased",
        model="User",
        object_id=user.id,
        actor=actor,
        changes={"self_service": self_service},
        summary=f"Account #{user.id} erased" + (" by its owner" if self_service else ""),
    )
    profile = ensure_profile(user)
    delete_avatar_files_after_commit(profile.avatar)  # the files go only if the erasure commits
    for name in PERSONAL_FIELDS:
        setattr(profile, name, None)
    user.email = placeholder_email(user.id)
    user.username = None
    user.password = None
    user.active = False
    user.roles = []
    user.fs_uniquifier = new_uniquifier()
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_ip = None
    user.current_login_ip = None
    user.erased_at = clock.now()
    sessions.forget_user(user.id)  # its devices' addresses and browsers are personal data
