"""Fresh sign-in for the admin's dangerous actions (Flask-Admin knows nothing of it).

``fresh_required`` wraps a view method: a session that signed in (both factors) more than
FRESHNESS_MINUTES ago goes to the re-authentication page, which returns to the page the
action was started from (a POST cannot be replayed: the user confirms once more there).
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import request, url_for

from backoffice.auth.freshness import is_fresh, reauthenticate


def return_to() -> str:
    """Where the re-authentication page sends the user back to: this page, or for a POST
    the admin page it came from (never another site)."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    for candidate in (request.form.get("url", ""), request.referrer or ""):
        parts = urlsplit(candidate)
        if parts.netloc in ("", request.host) and parts.path.startswith("/admin"):
            return parts.path + (f"?{parts.query}" if parts.query else "")
    return url_for("admin.index")


def fresh_required(view):
    """Run ``view`` only for a freshly signed-in session; otherwise re-authenticate first."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if is_fresh():
            return view(*args, **kwargs)
        return reauthenticate(return_to())

    return wrapper
