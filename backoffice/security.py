"""Flask-Security-Too wiring: datastore, forms and the rules for identities and passwords."""

from __future__ import annotations

import unicodedata

from flask import Flask, current_app
from flask_security import (
    MailUtil,
    PasswordUtil,
    RegisterFormV2,
    Security,
    SQLAlchemyUserDatastore,
    UsernameUtil,
    uia_email_mapper,
    uia_username_mapper,
)
from flask_security.utils import password_breached_validator, password_complexity_validator
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from backoffice.extensions import current_security, db
from backoffice.models import Role, User

PASSWORD_MAX_LENGTH = 128


class LowercaseMailUtil(MailUtil):
    """Normalise addresses with email-validator, then lower-case the whole address.

    Stored addresses are lower-case, so uniqueness and login lookups use the plain
    unique index instead of ``lower(email)`` scans.
    """

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
        return password_complexity_validator(normalised, is_register, **kwargs), normalised


class RegisterForm(RegisterFormV2):
    """Registration with the user's full name; it lands on the profile via ``User.full_name``."""

    full_name = StringField(
        "Full name",
        validators=[DataRequired(message="Please enter your full name."), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )


def init_security(app: Flask) -> None:
    """Bind Flask-Security to the app with our datastore, forms and utilities."""
    datastore = SQLAlchemyUserDatastore(db, User, Role)
    # Identities are stored lower-case, so exact (indexed) lookups are case-insensitive.
    app.config["SECURITY_USER_IDENTITY_ATTRIBUTES"] = [
        {"email": {"mapper": uia_email_mapper, "case_insensitive": False}},
        {"username": {"mapper": uia_username_mapper, "case_insensitive": False}},
    ]
    security = Security(
        register_form=RegisterForm,
        mail_util_cls=LowercaseMailUtil,
        username_util_cls=LowercaseUsernameUtil,
        password_util_cls=BackofficePasswordUtil,
    )
    security.init_app(app, datastore)


def user_datastore() -> SQLAlchemyUserDatastore:
    """The datastore bound to the current app."""
    return current_security().datastore
