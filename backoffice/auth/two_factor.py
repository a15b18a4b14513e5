"""Two factors with Flask-Security: the authenticator app, recovery codes and passkeys.

Flask-Security does the work (TOTP through passlib, encrypted secrets, recovery codes,
WebAuthn); this module adds our rules around it:

* a wrong code (authenticator or recovery) counts towards the lockout like a wrong
  password, and nothing is checked while the account is locked: six digits must not
  be guessable. The visitor sees Flask-Security's one "invalid code" answer either way;
  the audit log gets the real reason;
* recovery codes are shown once, when generated: the stored ones are never displayed
  again (``ShownOnceRecoveryCodes``);
* the second-factor events (enrolled, changed, switched off, recovery code used) are
  audited.

Who must have a second factor is the user's rule (``User.check_tf_required``).
"""

from __future__ import annotations

from flask import Flask, request
from flask_security import (
    TwoFactorRescueForm,
    TwoFactorSetupForm,
    TwoFactorVerifyCodeForm,
    tf_code_confirmed,
    tf_disabled,
    tf_profile_changed,
    wan_deleted,
    wan_registered,
)
from flask_security.recovery_codes import MfRecoveryCodesForm, MfRecoveryCodesUtil, MfRecoveryForm
from flask_security.utils import get_message
from flask_security.webauthn import WebAuthnRegisterForm
from flask_wtf import FlaskForm
from sqlalchemy import inspect
from wtforms import RadioField, SelectChoice

from backoffice.auth.refusals import record_and_commit
from backoffice.services import audit


def _refuse_while_locked(form, message_key: str) -> bool:
    """True (and the generic error on the code) when the user being checked is locked."""
    user = form.user
    if user is None or not user.lock_active():
        return False
    if FlaskForm.validate(form):  # CSRF and the field itself, not the code
        form.code.errors.append(get_message(message_key)[0])
        record_and_commit("login_failed", user, "locked", step="second_factor")
    return True


class LockoutTwoFactorCodeForm(TwoFactorVerifyCodeForm):
    """/tf-validate: no code is checked while locked; a wrong one counts (Flask-Security)."""

    def validate(self, **kwargs) -> bool:
        """Refuse while locked; otherwise Flask-Security checks the code and counts failures."""
        if not self.is_setup and _refuse_while_locked(self, "TWO_FACTOR_INVALID_TOKEN"):
            return False
        if super().validate(**kwargs):
            return True
        if request.method == "POST" and not self.is_setup and self.user is not None:
            record_and_commit("login_failed", self.user, "bad_code", locked=self.user.lock_active())
        return False


class LockoutRecoveryForm(MfRecoveryForm):
    """/mf-recovery: a wrong recovery code counts towards the lockout too."""

    def validate(self, **kwargs) -> bool:
        """Refuse while locked; count and audit a wrong recovery code."""
        if _refuse_while_locked(self, "INVALID_RECOVERY_CODE"):
            return False
        if super().validate(**kwargs):
            audit.record("recovery_code_used", model="User", object_id=self.user.id)
            return True
        if self.user is not None and self.code.errors:
            self.user.track_failed_authn("recovery_code", True)
            record_and_commit(
                "login_failed", self.user, "bad_recovery_code", locked=self.user.lock_active()
            )
        return False


class SetupForm(TwoFactorSetupForm):
    """/tf-setup offering what we offer (an authenticator app, or switching it off), with
    choices declared the WTForms 3.3 way (Flask-Security's tuples warn).

    Staff never see "disable": ``User.check_tf_required_setup`` keeps it from them.
    """

    setup = RadioField(
        "Available methods",
        choices=[
            SelectChoice("disable", "Switch two-factor sign-in off"),
            SelectChoice("authenticator", "Set up an authenticator app (codes on your phone)"),
        ],
        validate_choice=False,
    )


class RescueForm(TwoFactorRescueForm):
    """/tf-rescue with its one fixed choice declared the WTForms 3.3 way (no tuple warning).

    Flask-Security adds "use a recovery code" when the user has some; mail rescue is off.
    """

    help_setup = RadioField(
        "Trouble accessing your account? Lost your phone?",
        choices=[SelectChoice("help", "Contact an administrator")],
    )


class PasskeyRegisterForm(WebAuthnRegisterForm):
    """/wan-register: passkeys are a second factor only (WAN_ALLOW_AS_FIRST_FACTOR is off);
    the one choice declared the WTForms 3.3 way."""

    usage = RadioField(
        "Usage",
        choices=[SelectChoice("secondary", "Second factor, after the password")],
        default="secondary",
        validate_choice=True,
    )


class NewRecoveryCodesForm(MfRecoveryCodesForm):
    """/mf-recovery-codes: new codes replace the old ones only when the button was pressed
    (a bare POST with the CSRF token, from anywhere, must not destroy a user's codes)."""

    def validate(self, **kwargs) -> bool:
        """Flask-Security's checks, and the "generate new codes" button sent."""
        return super().validate(**kwargs) and bool(self.generate_new_codes.data)


class ShownOnceRecoveryCodes(MfRecoveryCodesUtil):
    """Recovery codes are shown when generated, never again (they are checked, not listed)."""

    def get_recovery_codes(self, user) -> list[str]:
        """Nothing: "Show recovery codes" would otherwise decrypt and display them again."""
        return []


def _audit(action: str, user, **changes) -> None:
    """A second-factor event of ``user``, by ``user``; the view commits with its change."""
    audit.record(action, model="User", object_id=user.id, actor=user, changes=changes or None)


def _on_tf_confirmed(app, user, method, **_) -> None:
    """A code was accepted at sign-in: audited when it completed a first enrolment."""
    if inspect(user).attrs.tf_totp_secret.history.has_changes():
        _audit("tf_enrolled", user, method=method)


def _on_tf_changed(app, user, method, **_) -> None:
    _audit("tf_changed", user, method=method)


def _on_tf_disabled(app, user, **_) -> None:
    _audit("tf_disabled", user)


def _on_passkey_registered(app, user, name, **_) -> None:
    _audit("passkey_added", user, name=name)


def _on_passkey_deleted(app, user, name, **_) -> None:
    _audit("passkey_deleted", user, name=name)


def init_two_factor(app: Flask) -> None:
    """Audit the second-factor events of this app."""
    for signal, handler in (
        (tf_code_confirmed, _on_tf_confirmed),
        (tf_profile_changed, _on_tf_changed),
        (tf_disabled, _on_tf_disabled),
        (wan_registered, _on_passkey_registered),
        (wan_deleted, _on_passkey_deleted),
    ):
        signal.connect(handler, sender=app)
