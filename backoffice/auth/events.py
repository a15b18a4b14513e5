"""What happens around sign-in: lockout counting and the audit trail of sign-in events.

Flask-Security sends signals (failed authentication, login, password changed or reset,
registration); the handlers here count failures through ``services.lockout`` and record
each event with ``services.audit``. Refused requests are recorded by ``refusals``, which
the forms call.
"""

from __future__ import annotations

from flask import Flask
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

from backoffice import clock
from backoffice.auth.refusals import DUMMY, commit_when_answered, record_and_commit
from backoffice.auth.sessions import end_current_session
from backoffice.extensions import db
from backoffice.services import audit, lockout


def _on_failed_authn(app, user, auth_type: str, tfa: bool = False, **_) -> None:
    """Count a failed credential in SQL; lock the user at LOCKOUT_THRESHOLD."""
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
    commit_when_answered()
    hash_password(DUMMY)  # what Flask-Security spends on a refused request


def _on_confirm_requested(app, user, **_) -> None:
    """Audit the request for new confirmation instructions and commit it with the mail."""
    audit.record("confirmation_requested", model="User", object_id=user.id, actor=user)
    commit_when_answered()


def _on_registered(app, user, **_) -> None:
    audit.record("register", model="User", object_id=user.id, actor=user)


def _on_not_registered(app, user=None, existing_email=False, existing_username=False, **_):
    """Someone registered with a taken email or username: they got the normal answer."""
    reason = "existing_email" if existing_email else "existing_username"
    # After the view: Flask-Security queues the "already registered" mail next.
    record_and_commit("register_existing", user, reason, after_view=True)


def init_events(app: Flask) -> None:
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
