"""Fresh sign-in for dangerous actions: is this session fresh, and the page that makes it so.

Flask-Security records when the session last signed in (password and second factor)
and answers ``check_and_update_authn_fresh`` against SECURITY_FRESHNESS (FRESHNESS_MINUTES)
and its grace period. Its /verify page refreshes that time; here it asks for the
authenticator code too when the user has one, so a fresh session means both factors,
as a sign-in does. Wrong answers count towards the lockout like a wrong login.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, url_for
from flask_security import VerifyForm, check_and_update_authn_fresh
from flask_security.utils import get_message
from wtforms import StringField

from backoffice.auth.refusals import record_and_commit
from backoffice.extensions import current_security
from backoffice.models.users import LOCKED_MESSAGE

#: Shown on the re-authentication page when a dangerous action sent the user there.
REAUTH_MESSAGE = "Please confirm it is you to continue: this action needs a recent sign-in."


def is_fresh() -> bool:
    """True when the signed-in user authenticated within FRESHNESS_MINUTES (and grace)."""
    config = current_app.config
    return check_and_update_authn_fresh(
        config["SECURITY_FRESHNESS"], config["SECURITY_FRESHNESS_GRACE_PERIOD"]
    )


def reauthenticate(back_to: str):
    """Send the user to the re-authentication page, which returns to ``back_to``."""
    flash(REAUTH_MESSAGE, "warning")
    return redirect(url_for("security.verify", next=back_to))


class FreshSignInForm(VerifyForm):
    """/verify: the password and, when the user has an authenticator, its code."""

    code = StringField("Authenticator code", render_kw={"autocomplete": "one-time-code"})

    def validate(self, **kwargs) -> bool:
        """Refuse while locked; then the password (Flask-Security), then the code."""
        user = self.user
        if user.lock_active():
            self.form_errors.append(LOCKED_MESSAGE)
            record_and_commit("reauth_failed", user, "locked")
            return False
        if not super().validate(**kwargs):
            record_and_commit("reauth_failed", user, "bad_password", locked=user.lock_active())
            return False
        if not (user.tf_primary_method and user.tf_totp_secret):
            return True
        if current_security().totp_factory.verify_totp(
            token=(self.code.data or "").strip(),
            totp_secret=user.tf_totp_secret,
            user=user,
            window=current_app.config["SECURITY_TWO_FACTOR_AUTHENTICATOR_VALIDITY"],
        ):
            return True
        user.track_failed_authn("code", True)
        self.code.errors.append(get_message("TWO_FACTOR_INVALID_TOKEN")[0])
        record_and_commit("reauth_failed", user, "bad_code", locked=user.lock_active())
        return False
