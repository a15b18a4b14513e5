"""What happens around sign-in: lockout counting and the audit trail of account events.

Flask-Security sends signals (failed authentication, login, password changed or reset,
registration); the handlers here count failures through ``services.lockout`` and record
each event with ``services.audit``. Visitors only ever see Flask-Security's generic
answers; the real reason (unknown user, bad password, locked, suspended) is written
here for staff.
"""

from __future__ import annotations

from flask import Flask, jsonify, make_response, request
from flask_login import current_user
from flask_security import (
    password_changed,
    password_reset,
    reset_password_instructions_sent,
    user_authenticated,
    user_failed_authn,
    user_not_registered,
    user_registered,
)

from backoffice import clock
from backoffice.auth_sessions import end_current_session
from backoffice.extensions import db
from backoffice.services import audit, lockout

#: Anonymous endpoints whose JSON answers must not say whether an account was created.
_NO_USER_IN_JSON = frozenset({"security.register"})


def _record_and_commit(action: str, user=None, reason: str | None = None, **changes) -> None:
    """Record an event about ``user`` (or an unknown identity) and commit it on its own.

    Refused logins change nothing else, and Flask-Security does not commit on failure,
    so the entry is committed here.
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
    db.session.commit()


def login_refused(form) -> None:
    """Audit a refused login with its real reason (the visitor saw the generic answer)."""
    if request.method != "POST" or form.ifield is None:
        return  # a GET, or a request refused before any identity was looked up
    user = form.user
    if user is None:
        _record_and_commit("login_failed", None, "unknown_user", identity=_typed(form.ifield))
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
    """Audit a refused /reset request (the visitor saw the same answer as a real one)."""
    if request.method != "POST" or form.email.data is None:
        return
    user, action = form.user, "password_reset_refused"
    if user is None:
        _record_and_commit(action, None, "unknown_user", identity=_typed(form.email))
    elif not user.is_active:
        _record_and_commit(action, user, "suspended")
    elif user.lock_active():
        _record_and_commit(action, user, "locked")


def change_refused(user, reason: str) -> None:
    """Audit a refused /change: a wrong current password, or any attempt while locked."""
    _record_and_commit("password_change_failed", user, reason, locked=user.lock_active())


def _typed(field) -> str | None:
    """The address the visitor typed, or just the field's name.

    Only a validated email address is kept: people sometimes type their password into
    the username box, and that must never reach the audit log.
    """
    if field.name == "email" and field.data:
        return str(field.data)[:255]
    return f"({field.name})"


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
    audit.record("password_reset_requested", model="User", object_id=user.id, actor=user)


def _on_registered(app, user, **_) -> None:
    audit.record("register", model="User", object_id=user.id, actor=user)


def _on_not_registered(app, user=None, existing_email=False, existing_username=False, **_):
    """Someone registered with a taken email or username: they got the normal answer."""
    reason = "existing_email" if existing_email else "existing_username"
    _record_and_commit("register_existing", user, reason)


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
        (user_registered, _on_registered),
        (user_not_registered, _on_not_registered),
    ):
        signal.connect(handler, sender=app)
