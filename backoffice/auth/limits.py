"""Rate limits (Flask-Limiter): sign-in and second-factor endpoints, /change, the email check.

Limits are read from the app's settings on each request, and the Limit objects are
built once here: every app built by ``create_app`` attaches the same ones, so building
several apps in one process (the tests) neither stacks nor mixes limits.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app
from flask_limiter.util import get_remote_address
from flask_login import current_user

from backoffice.extensions import limiter

log = logging.getLogger(__name__)


def _setting(name: str):
    return lambda: current_app.config[name]


def _user_or_address() -> str:
    """Signed-in staff are limited per user, everyone else per address."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return get_remote_address()


_login = limiter.limit(_setting("LOGIN_RATE_LIMIT"), methods=["POST"])
_register = limiter.limit(_setting("REGISTER_RATE_LIMIT"), methods=["POST"])
_reset = limiter.limit(_setting("RESET_RATE_LIMIT"), methods=["POST"])
# Guesses at the current password: per user, so changing address does not help.
_change = limiter.limit(
    _setting("CHANGE_PASSWORD_RATE_LIMIT"), methods=["POST"], key_func=_user_or_address
)

#: Decorator for the admin's "is this email valid / taken" endpoint.
email_check_limit = limiter.limit(_setting("EMAIL_CHECK_RATE_LIMIT"), key_func=_user_or_address)

#: Flask-Security endpoint → its limit. POSTs only (forms and JSON): showing a page is free.
SIGN_IN_LIMITS = {
    "security.login": _login,
    "security.register": _register,
    "security.forgot_password": _reset,
    "security.reset_password": _reset,
    "security.send_confirmation": _reset,
    "security.change_password": _change,
    # Each POST a guess at a second factor: the same per-address budget as the password.
    "security.two_factor_token_validation": _login,
    "security.mf_recovery": _login,
    "security.wan_signin_response": _login,
    "security.wan_verify_response": _login,
    "security.verify": _login,
}


def init_limits(app: Flask) -> None:
    """Bind the limiter and wrap Flask-Security's views (``init_auth``, once they exist)."""
    limiter.init_app(app)
    if app.config["ENV_NAME"] == "production" and app.config["RATELIMIT_STORAGE_URI"].startswith(
        "memory"
    ):
        log.warning("Rate limits count per process: set RATELIMIT_STORAGE_URI=redis://...")
    for endpoint, limit in SIGN_IN_LIMITS.items():
        view = app.view_functions.get(endpoint)
        if view is not None:
            app.view_functions[endpoint] = limit(view)
