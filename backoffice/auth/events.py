"""What happens around sign-in: lockout counting and the audit trail of account events.

Flask-Security sends signals (failed authentication, login, password changed or reset,
registration); the handlers here count failures through ``services.lockout`` and record
each event with ``services.audit``. Visitors only ever see Flask-Security's generic
answers; the real reason (unknown user, bad password, locked, suspended) is written
here for staff. An identity that matched nobody is recorded as a keyed hash
(``identity_digest``), never as typed.

/reset and /confirm answer a known and an unknown address alike, and take the same time:
their mail leaves after the response (``backoffice.outgoing_mail``), both answers write
and commit an audit entry, and each does the hashing the other does.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

from flask import (
    Flask,
    after_this_request,
    current_app,
    g,
    has_request_context,
    jsonify,
    make_response,
    request,
)
from flask_login import current_user
from flask_security import (
    confirm_instructions_sent,
    hash_password,
    password_changed,
    password_reset,
    reset_password_instructions_sent,
    user_authenticated,
    user_failed_authn,
    user_not_registered,
    user_registered,
)
from flask_security.utils import hash_data

from backoffice import clock
from backoffice.auth.sessions import end_current_session
from backoffice.extensions import db
from backoffice.services import audit, lockout

#: Anonymous endpoints whose JSON answers must not say whether an account was created.
_NO_USER_IN_JSON = frozenset({"security.register"})
#: Fixes the key for identity digests, so it differs from every other use of SECRET_KEY.
_IDENTITY_KEY_PURPOSE = b"backoffice.audit.identity"
#: Hashed where the other answer hashes real data, so both answers cost the same.
_DUMMY = "not-a-password"


def _record_and_commit(
    action: str, user=None, reason: str | None = None, *, after_view: bool = False, **changes
) -> None:
    """Record an event about ``user`` (or an unknown identity) and commit it on its own.

    Refused logins change nothing else, and Flask-Security does not commit on failure,
    so the entry is committed here: at once, or with ``after_view`` once the view has
    answered (see ``_commit_when_answered``).
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
        _commit_when_answered()
    else:
        db.session.commit()


def login_refused(form) -> None:
    """Audit a refused login with its real reason (the visitor saw the generic answer)."""
    if request.method != "POST" or form.ifield is None:
        return  # a GET, or a request refused before any identity was looked up
    user = form.user
    if user is None:
        _record_and_commit("login_failed", None, "unknown_user", **_typed(form.ifield))
    elif not form.user_authenticated:
        # The failure itself was counted by track_failed_authn → _on_failed_authn.
        _record_and_commit("login_failed", user, "bad_password", locked=user.lock_active())
    elif not user.is_active:
        _record_and_commit("login_failed", user, "suspended")
    elif user.lock_active():
        _record_and_commit("login_failed", user, "locked")
    else:
        _record_and_commit("login_failed", user, "unconfirmed")


def reset_refused(form) -> None:
    """Audit a refused /reset request (the visitor saw the same answer as a real one).

    Flask-Security also hashes a dummy password for a refusal; ``_on_reset_requested``
    does the same for an accepted request.
    """
    if request.method != "POST" or form.email.data is None:
        return
    user, action = form.user, "password_reset_refused"
    if user is None:
        _record_and_commit(action, None, "unknown_user", **_typed(form.email))
    elif not user.is_active:
        _record_and_commit(action, user, "suspended")
    elif user.lock_active():
        _record_and_commit(action, user, "locked")
    else:
        _record_and_commit(action, user, "unconfirmed")
    hash_data(_DUMMY)  # an accepted request hashes the user's data into its token


def confirm_refused(form) -> None:
    """Audit a refused /confirm request (unknown or already confirmed address)."""
    if request.method != "POST" or form.email.data is None:
        return
    user, action = form.user, "confirmation_refused"
    if user is None:
        _record_and_commit(action, None, "unknown_user", **_typed(form.email))
    else:
        _record_and_commit(action, user, "already_confirmed")
    hash_data(_DUMMY)  # an accepted request hashes the user's address into its token


def change_refused(user, reason: str) -> None:
    """Audit a refused /change: a wrong current password, or any attempt while locked."""
    _record_and_commit("password_change_failed", user, reason, locked=user.lock_active())


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


def _commit_when_answered() -> None:
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


def _on_failed_authn(app, user, auth_type: str, tfa: bool = False, **_) -> None:
    """Count a failed credential in SQL; lock the account at LOCKOUT_THRESHOLD."""
    failure = lockout.record_failure(
        user.id,
        now=clock.now(),
        threshold=app.config["LOCKOUT_THRESHOLD"],
        minutes=app.config["LOCKOUT_MINUTES"],
    )
    if failure.locked_now:
        # A signed-in guesser (/change, /account/delete) loses the session it guessed from.
        end_current_session()
        audit.record(
            "lockout",
            model="User",
            object_id=user.id,
            changes={"failed_logins": failure.count, "locked_until": str(failure.locked_until)},
            summary=f"Locked after {failure.count} failed logins until {failure.locked_until}",
        )
    db.session.commit()


def _on_login(app, user, authn_via=None, **_) -> None:
    """A successful login clears the failure counter; Flask-Security's view commits."""
    lockout.clear(user)
    audit.record("login", model="User", object_id=user.id, actor=user, changes={"via": authn_via})


def _on_password_changed(app, user, **_) -> None:
    audit.record(
        "password_change", model="User", object_id=user.id, actor=user, changes={"via": "change"}
    )


def _on_password_reset(app, user, **_) -> None:
    """A reset proves the mailbox: it also lifts a lock."""
    lockout.clear(user)
    audit.record(
        "password_change", model="User", object_id=user.id, actor=user, changes={"via": "reset"}
    )


def _on_reset_requested(app, user, **_) -> None:
    """Audit the request and commit it with the queued mail; cost what a refusal costs."""
    audit.record("password_reset_requested", model="User", object_id=user.id, actor=user)
    _commit_when_answered()
    hash_password(_DUMMY)  # what Flask-Security spends on a refused request


def _on_confirm_requested(app, user, **_) -> None:
    """Audit the request for new confirmation instructions and commit it with the mail."""
    audit.record("confirmation_requested", model="User", object_id=user.id, actor=user)
    _commit_when_answered()


def _on_registered(app, user, **_) -> None:
    audit.record("register", model="User", object_id=user.id, actor=user)


def _on_not_registered(app, user=None, existing_email=False, existing_username=False, **_):
    """Someone registered with a taken email or username: they got the normal answer."""
    reason = "existing_email" if existing_email else "existing_username"
    # After the view: Flask-Security queues the "already registered" mail next.
    _record_and_commit("register_existing", user, reason, after_view=True)


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


def init_auth_events(app: Flask) -> None:
    """Connect the handlers for this app only (signals are process-wide)."""
    for signal, handler in (
        (user_failed_authn, _on_failed_authn),
        (user_authenticated, _on_login),
        (password_changed, _on_password_changed),
        (password_reset, _on_password_reset),
        (reset_password_instructions_sent, _on_reset_requested),
        (confirm_instructions_sent, _on_confirm_requested),
        (user_registered, _on_registered),
        (user_not_registered, _on_not_registered),
    ):
        signal.connect(handler, sender=app)
