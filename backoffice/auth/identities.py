"""Who a user is: the datastore, and email addresses and usernames stored lower-case.

Stored identities are lower-case, so uniqueness and sign-in lookups use the plain unique
indexes (exact, indexed) instead of ``lower(email)`` scans.
"""

from __future__ import annotations

from flask_security import (
    MailUtil,
    SQLAlchemyUserDatastore,
    UsernameUtil,
    uia_email_mapper,
    uia_username_mapper,
)
from flask_security.mail_util import EmailValidateException

from backoffice import outgoing_mail
from backoffice.extensions import current_security
from backoffice.outgoing_mail import OutgoingMail

#: SECURITY_USER_IDENTITY_ATTRIBUTES: identities are stored lower-case, so exact
#: (indexed) lookups are already case-insensitive.
IDENTITY_ATTRIBUTES = [
    {"email": {"mapper": uia_email_mapper, "case_insensitive": False}},
    {"username": {"mapper": uia_username_mapper, "case_insensitive": False}},
]


class UserDatastore(SQLAlchemyUserDatastore):
    """Flask-Security's datastore; a missing identity never matches anybody.

    Registration checks ``find_user(username=None)`` when the optional username is left
    blank, which is ``username IS NULL``: it found every user without a username, so
    the registration was refused as "username already taken" (and, with generic
    responses, silently).
    """

    def find_user(self, case_insensitive: bool = False, **kwargs):
        """The user with this identity; None when the value looked up is None."""
        if any(value is None for value in kwargs.values()):
            return None
        return super().find_user(case_insensitive=case_insensitive, **kwargs)


class LowercaseMailUtil(MailUtil):
    """Normalise addresses with email-validator, then lower-case the whole address.

    Messages are not sent here but held until the request's transaction commits and its
    response has gone (``backoffice.outgoing_mail``).
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


def address_problem(value) -> str | None:
    """Why ``value`` cannot be an email address at all, or None.

    Flask-Security's generic responses hide every error of the email field on /reset
    and /confirm (so nobody learns whether an address is registered), which also
    answered 200 to ``{}``, ``{"email": 5}`` or ``{"email": "x"}``. Whether text is an
    address says nothing about who is registered, so it is refused openly, as a
    form-level error that the generic munging keeps: a 400 (JSON) or a message on the page.
    """
    if not isinstance(value, str) or not value.strip():
        return "email: enter your email address (text such as name@example.com)."
    try:
        current_security().mail_util.validate(value)
    except EmailValidateException:
        return "email: enter a valid email address, such as name@example.com."
    return None
