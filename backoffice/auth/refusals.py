"""Refused sign-in requests: the visitor gets one generic answer, staff get the real reason.

Login, /reset, /confirm and /change refusals are recorded with ``services.audit`` (unknown
user, bad password, locked, suspended, ...). An identity that matched nobody is recorded
as a keyed hash (``identity_digest``), never as typed.

/reset and /confirm answer a known and an unknown address alike, and take the same time:
their mail leaves after the response (``backoffice.outgoing_mail``), both answers write
and commit an audit entry, and each does the hashing the other does (``DUMMY``).
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

from flask import (
    after_this_request,
    current_app,
    g,
    has_request_context,
    jsonify,
    make_response,
    request,
)
from flask_login import current_user
from flask_security.utils import hash_data

from backoffice.extensions import db
from backoffice.services import audit

#: Anonymous endpoints whose JSON answers must not say whether a user was created.
_NO_USER_IN_JSON = frozenset({"security.register"})
#: Fixes the key for identity digests, so it differs from every other use of SECRET_KEY.
_IDENTITY_KEY_PURPOSE = b"backoffice.audit.identity"
#: Hashed where the other answer hashes real data, so both answers cost the same.
DUMMY = "not-a-password"


def record_and_commit(
    action: str, user=None, reason: str | None = None, *, after_view: bool = False, **changes
) -> None:
    """Record an event about ``user`` (or an unknown identity) and commit it on its own.

    Refused logins change nothing else, and Flask-Security does not commit on failure,
    so the entry is committed here: at once, or with ``after_view`` once the view has
    answered (see ``commit_when_answered``).
    """
    if reason:
        changes["reason"] = reason
    audit.record(
        action,
        model="User",
        object_id=getattr(user, "id", None),
        changes=changes or None,
        summary=f"{action}: {reason}" if reason else action,
    )
    if after_view:
        commit_when_answered()
    else:
        db.session.commit()


def login_refused(form) -> None:
    """Audit a refused login with its real reason (the visitor saw the generic answer)."""
    if request.method != "POST" or form.ifield is None:
        return  # a GET, or a request refused before any identity was looked up
    user = form.user
    if user is None:
        record_and_commit("login_failed", None, "unknown_user", **_typed(form.ifield))
    elif not form.user_authenticated:
        # The failure itself was counted by track_failed_authn → events._on_failed_authn.
        record_and_commit("login_failed", user, "bad_password", locked=user.lock_active())
    elif not user.is_active:
        record_and_commit("login_failed", user, "suspended")
    elif user.lock_active():
        record_and_commit("login_failed", user, "locked")
    else:
        record_and_commit("login_failed", user, "unconfirmed")


def reset_refused(form) -> None:
    """Audit a refused /reset request (the visitor saw the same answer as a real one).

    Flask-Security also hashes a dummy password for a refusal; ``events._on_reset_requested``
    does the same for an accepted request.
    """
    if request.method != "POST" or form.email.data is None:
        return
    user, action = form.user, "password_reset_refused"
    if user is None:
        record_and_commit(action, None, "unknown_user", **_typed(form.email))
    elif not user.is_active:
        record_and_commit(action, user, "suspended")
    elif user.lock_active():
        record_and_commit(action, user, "locked")
    else:
        record_and_commit(action, user, "unconfirmed")
    hash_data(DUMMY)  # an accepted request hashes the user's data into its token


def confirm_refused(form) -> None:
    """Audit a refused /confirm request (unknown or already confirmed address)."""
    if request.method != "POST" or form.email.data is None:
        return
    user, action = form.user, "confirmation_refused"
    if user is None:
        record_and_commit(action, None, "unknown_user", **_typed(form.email))
    else:
        record_and_commit(action, user, "already_confirmed")
    hash_data(DUMMY)  # an accepted request hashes the user's address into its token


def change_refused(user, reason: str) -> None:
    """Audit a refused /change: a wrong current password, or any attempt while locked."""
    record_and_commit("password_change_failed", user, reason, locked=user.lock_active())


def identity_digest(typed: str) -> str:
    """The audit log's stand-in for an identity typed into a sign-in form.

    A keyed hash (HMAC-SHA256, key derived from SECRET_KEY) of the stripped, lower-cased
    text, cut to 16 hex digits: the same for every try of one address or username, so
    staff can see it tried 40 times, while the log never holds what was typed (people
    type their password into the wrong box). To check whether an address was tried,
    compare with ``identity_digest("someone@example.com")`` in ``flask shell``. Digests
    change with SECRET_KEY.
    """
    secret = current_app.config["SECRET_KEY"]
    secret = secret if isinstance(secret, bytes) else secret.encode()
    key = hmac.new(secret, _IDENTITY_KEY_PURPOSE, hashlib.sha256).digest()
    normalised = unicodedata.normalize("NFKC", typed).strip().lower()
    # surrogatepass: a lone surrogate is hashed, not an error (it cannot be stored as text).
    data = normalised.encode("utf-8", "surrogatepass")
    return hmac.new(key, data, hashlib.sha256).hexdigest()[:16]


def _typed(field) -> dict:
    """Audit fields for an identity that matched nobody: which field, and its digest."""
    typed = field.data if isinstance(field.data, str) else None
    return {"field": field.name, "identity": identity_digest(typed) if typed else None}


def commit_when_answered() -> None:
    """Commit once the view has answered, after any mail it queued.

    Flask-Security's /reset, /confirm and "already registered" paths do not commit; their
    audit entry, and their mail (which leaves only after a commit), need one. Not after a
    server error: that work is rolled back. Outside a request the caller commits.
    """
    if not has_request_context() or g.get("auth_commit_pending"):
        return
    g.auth_commit_pending = True

    @after_this_request
    def _commit(response):
        if response.status_code < 500:
            db.session.commit()
        return response


def render_json(payload: dict, code: int, headers: dict | None, user) -> object:
    """Flask-Security's JSON answers, without the new user on an anonymous registration.

    Otherwise a JSON client could tell a new address (user in the answer) from an
    existing one (no user) although the HTML pages say the same thing for both.
    """
    if request.endpoint in _NO_USER_IN_JSON and not current_user.is_authenticated:
        payload.pop("user", None)
    response = make_response(jsonify(meta={"code": code}, response=payload), code)
    response.headers.update(headers or {})
    response.headers["Content-Type"] = "application/json"
    return response
