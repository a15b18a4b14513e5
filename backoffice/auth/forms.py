"""Flask-Security-Too wiring: datastore, forms and the rules for identities and passwords."""

from __future__ import annotations

import re
import unicodedata

import zxcvbn
from flask import Flask, current_app, request
from flask_login import current_user
from flask_security import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    MailUtil,
    PasswordUtil,
    RegisterFormV2,
    Security,
    SendConfirmationForm,
    SQLAlchemyUserDatastore,
    UsernameUtil,
    uia_email_mapper,
    uia_username_mapper,
)
from flask_security.mail_util import EmailValidateException
from flask_security.utils import get_message, password_breached_validator
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from backoffice import outgoing_mail
from backoffice.auth import events as auth_events
from backoffice.extensions import current_security, db
from backoffice.models import Role, User
from backoffice.models.users import LOCKED_MESSAGE
from backoffice.outgoing_mail import OutgoingMail

PASSWORD_MAX_LENGTH = 128
#: zxcvbn refuses longer input (its matching time grows fast); both the server and the
#: browser bar score this many leading characters, and a longer password is at least as strong.
ZXCVBN_MAX_LENGTH = 72
STRENGTH_ADVICE = (
    "Use a passphrase of four or more unrelated words, or add a few uncommon words; "
    "avoid names, dates, keyboard patterns and your email address."
)


class LowercaseMailUtil(MailUtil):
    """Normalise addresses with email-validator, then lower-case the whole address.

    Stored addresses are lower-case, so uniqueness and login lookups use the plain
    unique index instead of ``lower(email)`` scans. Messages are not sent here but held
    until the request's transaction commits and its response has gone (``outgoing_mail``).
    """

    def send_mail(self, template, subject, recipient, sender, body, html, **kwargs) -> None:
        """Hold the message Flask-Security rendered; see ``backoffice.outgoing_mail``."""
        if isinstance(sender, tuple):  # (name, address); Flask-Mailman wants one string
            sender = f"{sender[0]} <{sender[1]}>"
        outgoing_mail.hold(OutgoingMail(str(subject), str(recipient), str(sender), body, html))

    def normalize(self, email: str) -> str:
        """Normalised, lower-cased form of an address typed to look one up."""
        return super().normalize(email).lower()

    def validate(self, email: str) -> str:
        """Normalised, lower-cased form of an address that mail will be sent to."""
        return super().validate(email).lower()


class LowercaseUsernameUtil(UsernameUtil):
    """Usernames are compared and stored lower-case, for the same reason as emails."""

    def normalize(self, username: str) -> str | None:
        """Cleaned, lower-cased username."""
        value = super().normalize(username)
        return value.lower() if value else value

    def validate(self, username: str) -> tuple[str | None, str | None]:
        """Validate, then lower-case."""
        msg, value = super().validate(username)
        return msg, (value.lower() if value else value)


class BackofficePasswordUtil(PasswordUtil):
    """Flask-Security's password checks, with lengths counted as the user typed them.

    Flask-Security measures length after NFKD normalisation, where "é" counts twice,
    and answers a too-long password with "must be at least N characters". Here both
    limits count composed (NFC) characters and each gets its own clear message; the
    NFKD form is still what gets hashed, so logins match registrations.
    """

    def validate(self, password: str, is_register: bool, **kwargs) -> tuple[list | None, str]:
        """Return ``(errors or None, normalised password)``."""
        normalised = self.normalize(password)
        typed = len(unicodedata.normalize("NFC", password))
        minimum = current_app.config["SECURITY_PASSWORD_LENGTH_MIN"]
        if typed < minimum:
            return [f"Password must be at least {minimum} characters long."], normalised
        if typed > PASSWORD_MAX_LENGTH:
            return [f"Password must be at most {PASSWORD_MAX_LENGTH} characters long."], normalised
        errors = password_breached_validator(normalised)
        if errors:
            return errors, normalised
        if current_app.config.get("SECURITY_PASSWORD_COMPLEXITY_CHECKER") != "zxcvbn":
            return None, normalised
        inputs = user_inputs(kwargs["user"]) if not is_register else list(kwargs.values())
        return strength_errors(password, inputs), normalised


def user_inputs(user: User) -> list[str]:
    """What a password must not be built from: the user's own email, username and name."""
    return [user.email, user.username, user.full_name]


def strength_errors(password: str, inputs: list) -> list[str] | None:
    """None if zxcvbn scores ``password`` at least SECURITY_ZXCVBN_MINIMUM_SCORE, else advice.

    ``inputs`` (email, names) count as known words; the email's parts are added so
    "jane.doe@example.com" also rules out "jane" and "doe".
    """
    words = []
    for value in inputs:
        if isinstance(value, str) and value.strip():
            words.append(value)
            words.extend(w for w in re.split(r"[^\w]+", value) if len(w) > 2)
    result = zxcvbn.zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=words)
    if result["score"] >= current_app.config["SECURITY_ZXCVBN_MINIMUM_SCORE"]:
        return None
    warning = result["feedback"]["warning"]
    reason = f" {warning.rstrip('.')}." if warning else ""
    return [f"This password is too easy to guess.{reason} {STRENGTH_ADVICE}"]


class AuditedLoginForm(LoginForm):
    """Flask-Security's login form; a refusal records its real reason for staff.

    The visitor still gets the one generic answer (SECURITY_RETURN_GENERIC_RESPONSES).
    """

    def validate(self, **kwargs) -> bool:
        """Validate as usual, then audit why a submitted login was refused."""
        valid = super().validate(**kwargs)
        if not valid:
            auth_events.login_refused(self)
        return valid


def address_problem(value) -> str | None:
    """Why ``value`` cannot be an email address at all, or None.

    Flask-Security's generic responses hide every error of the email field on /reset
    and /confirm (so nobody learns whether an address has an account), which also
    answered 200 to ``{}``, ``{"email": 5}`` or ``{"email": "x"}``. Whether text is an
    address says nothing about accounts, so it is refused openly, as a form-level
    error that the generic munging keeps: a 400 (JSON) or a message on the page.
    """
    if not isinstance(value, str) or not value.strip():
        return "email: enter your email address (text such as name@example.com)."
    try:
        current_security().mail_util.validate(value)
    except EmailValidateException:
        return "email: enter a valid email address, such as name@example.com."
    return None


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
        auth_events.reset_refused(self)


class AuditedSendConfirmationForm(_AddressRequestForm, SendConfirmationForm):
    """Flask-Security's /confirm form; a refused request records its reason for staff."""

    def audit_refusal(self) -> None:
        """Why a request for confirmation instructions was refused (the visitor is not told)."""
        auth_events.confirm_refused(self)


class LockoutChangePasswordForm(ChangePasswordForm):
    """/change: a wrong current password counts towards the lockout, as a failed login does.

    While the account is locked the current password is not even checked, so guessing
    stops at LOCKOUT_THRESHOLD; the guess that sets the lock also ends this session
    (``auth_events._on_failed_authn``).
    """

    def validate(self, **kwargs) -> bool:
        """Refuse while locked; count and audit a wrong current password."""
        user = current_user._get_current_object()
        if user.lock_active():
            if FlaskForm.validate(self, **kwargs):  # CSRF and field checks, not the password
                self.password.errors.append(LOCKED_MESSAGE)
                auth_events.change_refused(user, "locked")
            return False
        if super().validate(**kwargs):
            return True
        if get_message("INVALID_PASSWORD")[0] in self.password.errors:
            user.track_failed_authn("password")
            auth_events.change_refused(user, "bad_password")
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


class UserDatastore(SQLAlchemyUserDatastore):
    """Flask-Security's datastore; a missing identity never matches anybody.

    Registration checks ``find_user(username=None)`` when the optional username is left
    blank, which is ``username IS NULL``: it found every account without a username,
    so the registration was refused as "username already taken" (and, with generic
    responses, silently).
    """

    def find_user(self, case_insensitive: bool = False, **kwargs):
        """The user with this identity; None when the value looked up is None."""
        if any(value is None for value in kwargs.values()):
            return None
        return super().find_user(case_insensitive=case_insensitive, **kwargs)


def init_security(app: Flask) -> None:
    """Bind Flask-Security to the app with our datastore, forms and utilities."""
    datastore = UserDatastore(db, User, Role)
    # Identities are stored lower-case, so exact (indexed) lookups are case-insensitive.
    app.config["SECURITY_USER_IDENTITY_ATTRIBUTES"] = [
        {"email": {"mapper": uia_email_mapper, "case_insensitive": False}},
        {"username": {"mapper": uia_username_mapper, "case_insensitive": False}},
    ]
    security = Security(
        register_form=RegisterForm,
        login_form=AuditedLoginForm,
        forgot_password_form=AuditedForgotPasswordForm,
        send_confirmation_form=AuditedSendConfirmationForm,
        change_password_form=LockoutChangePasswordForm,
        mail_util_cls=LowercaseMailUtil,
        username_util_cls=LowercaseUsernameUtil,
        password_util_cls=BackofficePasswordUtil,
    )
    security.init_app(app, datastore)
    security.render_json(auth_events.render_json)
    auth_events.init_auth_events(app)
