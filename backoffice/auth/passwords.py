"""Password rules: lengths counted as typed, breached passwords, and zxcvbn strength.

Flask-Security's own views apply them, and our doors (admin, CLI) reach them through
``services.users.check_password``, which calls ``current_security().password_util``.
"""

from __future__ import annotations

import re
import unicodedata

import zxcvbn
from flask import current_app
from flask_security import PasswordUtil
from flask_security.utils import password_breached_validator

from backoffice.models import User

PASSWORD_MAX_LENGTH = 128
#: zxcvbn refuses longer input (its matching time grows fast); both the server and the
#: browser bar score this many leading characters, and a longer password is at least as strong.
ZXCVBN_MAX_LENGTH = 72
STRENGTH_ADVICE = (
    "Use a passphrase of four or more unrelated words, or add a few uncommon words; "
    "avoid names, dates, keyboard patterns and your email address."
)


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
