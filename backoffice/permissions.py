"""Who may do what. Roles are fixed; this table is the single source of their rights."""

from __future__ import annotations

ADMIN = "admin"
STAFF = "staff"

ROLE_DESCRIPTIONS = {
    ADMIN: "Everything, including users, roles and deleting records with history.",
    STAFF: "Products, books and orders; read-only on users and profiles, may unlock customers.",
}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    ADMIN: frozenset(
        {
            "admin.access",
            "users.read",
            "users.unlock",
            "users.write",
            "catalog.read",
            "catalog.write",
            "orders.read",
            "orders.write",
            "audit.read",
            "history.delete",
            # Every staff member's background jobs, not only one's own.
            "jobs.all",
            # Create, list and revoke REST API keys (admin/views/api_keys.py).
            "api_keys.manage",
        }
    ),
    STAFF: frozenset(
        {
            "admin.access",
            "users.read",
            "users.unlock",
            "catalog.read",
            "catalog.write",
            "orders.read",
            "orders.write",
            "audit.read",
        }
    ),
}


def can(user, permission: str) -> bool:
    """True if ``user`` is signed in, active and one of its roles grants ``permission``."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if not getattr(user, "active", False):
        return False
    return any(permission in ROLE_PERMISSIONS.get(r.name, ()) for r in user.roles)
