"""One server-side session per login, so logout ends that device's session for good.

Flask-Login keeps the user's identity in the signed session cookie and, with
"remember me", in the remember cookie; both used to be just ``fs_uniquifier``, so a
copy taken before logout still worked after it. Now the identity is
``"<fs_uniquifier>.<token>"``, the token naming a ``user_sessions`` row:

* login (Flask-Security's ``user_authenticated``) creates the row and puts the token in
  the identity, which Flask-Login copies into the remember cookie;
* each request's user loader (wrapping Flask-Security's) refuses a missing or revoked
  row, so a copied cookie dies with the row;
* logout revokes the row; other devices keep theirs. Changing or resetting the
  password rotates ``fs_uniquifier`` (every session dies) and revokes the other rows.

Sessions from before this existed carry no token: they count as signed out.
"""

from __future__ import annotations

import logging

from flask import Flask, g, request, session
from flask_login import user_logged_out
from flask_security import password_changed, password_reset, user_authenticated
from sqlalchemy.exc import SQLAlchemyError

from backoffice import clock
from backoffice.extensions import db
from backoffice.services import sessions

log = logging.getLogger(__name__)


def end_current_session() -> None:
    """Revoke this request's session row, if it has one; the caller commits."""
    session_id = g.pop("user_session_id", None)
    if session_id is not None:
        sessions.revoke(session_id, clock.now())


def _wrap_user_loader(app: Flask) -> None:
    """Put the session check in front of Flask-Security's loader (fs_uniquifier, active)."""
    load_user = app.login_manager._user_callback

    def load_session_user(identity: str):
        uniquifier, _, token = str(identity).partition(".")
        if not token:
            return None  # signed in before server-side sessions: signed out
        row = sessions.find_live(token)
        if row is None:
            return None
        user = load_user(uniquifier)
        if user is None or user.id != row.user_id:
            return None
        g.user_session_id = row.id
        if sessions.touch_due(row, clock.now()):
            _record_activity(row.id)
        return user

    app.login_manager.user_loader(load_session_user)


def _on_login(app, user, **_) -> None:
    """Start a session for this device; Flask-Security's view commits with the login."""
    end_current_session()  # a re-login (after a password change) replaces the old row
    token, row = sessions.start(
        user.id, now=clock.now(), ip=request.remote_addr, user_agent=request.user_agent.string
    )
    # Flask-Login stored the bare uniquifier; the remember cookie is written from this
    # value after the request, so both cookies carry the token.
    session["_user_id"] = f"{user.fs_uniquifier}.{token}"
    g.user_session_id = row.id


def _on_logout(app, user, **_) -> None:
    """Flask-Login's logout: revoke this device's session (the logout view commits nothing)."""
    if "user_session_id" in g:
        end_current_session()
        db.session.commit()


def _on_password_set(app, user, **_) -> None:
    """A new password signs out every other device; the view commits."""
    sessions.revoke_others(user.id, keep=g.get("user_session_id"), now=clock.now())


def _record_activity(session_id: str) -> None:
    """Write last_seen_at in its own short transaction on its own connection.

    The loader runs before the view's work, so this never commits (or rolls back) what
    the request is doing; losing one update to an error costs nothing but a log line.
    """
    try:
        with db.engine.begin() as connection:
            sessions.touch(connection, session_id, clock.now())
    except SQLAlchemyError:
        log.warning("could not record session activity", exc_info=True)


def init_sessions(app: Flask) -> None:
    """Wrap the user loader and connect the handlers (``init_auth``, after Flask-Security)."""
    _wrap_user_loader(app)
    user_authenticated.connect(_on_login, sender=app)
    user_logged_out.connect(_on_logout, sender=app)
    password_changed.connect(_on_password_set, sender=app)
    password_reset.connect(_on_password_set, sender=app)
