"""Flask-Security's forms with our rules: refusals audited, lockout on /change, full name.

Visitors see Flask-Security's one generic answer; each refusal is recorded with its real
reason for staff (``refusals``).
"""

from __future__ import annotations

from flask import request
from flask_login import current_user
from flask_security import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    RegisterFormV2,
    SendConfirmationForm,
)
from flask_security.utils import get_message
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from backoffice.auth import refusals
from backoffice.auth.identities import address_problem
from backoffice.models.users import LOCKED_MESSAGE


class AuditedLoginForm(LoginForm):
    """Flask-Security's login form; a refusal records its real reason for staff.

    The visitor still gets the one generic answer (SECURITY_RETURN_GENERIC_RESPONSES).
    """

    def validate(self, **kwargs) -> bool:
        """Validate as usual, then audit why a submitted login was refused."""
        valid = super().validate(**kwargs)
        if not valid:
            refusals.login_refused(self)
        return valid


class _AddressRequestForm:
    """/reset and /confirm: a non-address is refused; a refusal is audited for staff."""

    def validate(self, **kwargs) -> bool:
        """Validate as usual; say openly when the address cannot be one, else audit why."""
        valid = super().validate(**kwargs)
        if valid or request.method != "POST":
            return valid
        problem = address_problem(self.email.data)
        if problem:
            self.form_errors.append(problem)
        else:
            self.audit_refusal()
        return False


class AuditedForgotPasswordForm(_AddressRequestForm, ForgotPasswordForm):
    """Flask-Security's /reset form; a refused request records its real reason for staff."""

    def audit_refusal(self) -> None:
        """Why a reset request for a real address was refused (the visitor is not told)."""
        refusals.reset_refused(self)


class AuditedSendConfirmationForm(_AddressRequestForm, SendConfirmationForm):
    """Flask-Security's /confirm form; a refused request records its reason for staff."""

    def audit_refusal(self) -> None:
        """Why a request for confirmation instructions was refused (the visitor is not told)."""
        refusals.confirm_refused(self)


class LockoutChangePasswordForm(ChangePasswordForm):
    """/change: a wrong current password counts towards the lockout, as a failed login does.

    While the user is locked the current password is not even checked, so guessing
    stops at LOCKOUT_THRESHOLD; the guess that sets the lock also ends this session
    (``events._on_failed_authn``).
    """

    def validate(self, **kwargs) -> bool:
        """Refuse while locked; count and audit a wrong current password."""
        user = current_user._get_current_object()
        if user.lock_active():
            if FlaskForm.validate(self, **kwargs):  # CSRF and field checks, not the password
                self.password.errors.append(LOCKED_MESSAGE)
                refusals.change_refused(user, "locked")
            return False
        if super().validate(**kwargs):
            return True
        if get_message("INVALID_PASSWORD")[0] in self.password.errors:
            user.track_failed_authn("password")
            refusals.change_refused(user, "bad_password")
            if user.lock_active():
                self.password.errors.append(f"{LOCKED_MESSAGE} You have been signed out.")
        return False


class RegisterForm(RegisterFormV2):
    """Registration with the user's full name; it lands on the profile via ``User.full_name``."""

    full_name = StringField(
        "Full name",
        validators=[DataRequired(message="Please enter your full name."), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )
