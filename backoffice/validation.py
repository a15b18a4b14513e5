"""WTForms validators shared by the admin forms and the account pages."""

from __future__ import annotations

import re
from decimal import Decimal

from wtforms.validators import ValidationError

from backoffice.services.catalog import IsbnError, normalise_isbn

_PHONE = re.compile(r"^\+?[0-9 ().-]{6,32}$")
_ZIPCODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 -]{1,18}[A-Za-z0-9]$")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def strip_filter(value):
    """Form filter: trim strings, turn blanks into None."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def upper_filter(value):
    """Form filter: trimmed upper-case string (SKUs), blanks become None."""
    value = strip_filter(value)
    return value.upper() if isinstance(value, str) else value


def isbn_filter(value):
    """Form filter: the normalised ISBN when valid, so uniqueness checks compare like with like."""
    value = strip_filter(value)
    if isinstance(value, str):
        try:
            return normalise_isbn(value)
        except IsbnError:
            return value
    return value


def phone(form, field) -> None:
    """Digits with optional +, spaces, dots, dashes and brackets; at least six digits."""
    if field.data and (not _PHONE.match(field.data) or sum(c.isdigit() for c in field.data) < 6):
        raise ValidationError("Enter a phone number such as +44 20 7946 0958.")


def zipcode(form, field) -> None:
    """Letters, digits, spaces and dashes, 3 to 20 characters."""
    if field.data and not _ZIPCODE.match(field.data):
        raise ValidationError("Enter a postal code such as 75001 or SW1A 1AA.")


def website(form, field) -> None:
    """An http(s) address."""
    if field.data and not _URL.match(field.data):
        raise ValidationError("Enter a full web address starting with http:// or https://.")


def isbn(form, field) -> None:
    """A valid ISBN-13 (or ISBN-10, converted); normalises the field to 13 digits."""
    if not field.data:
        return
    try:
        field.data = normalise_isbn(field.data)
    except IsbnError as exc:
        raise ValidationError(str(exc)) from None


def money(form, field) -> None:
    """A positive amount with at most two decimal places."""
    value = field.data
    if value is None:
        return
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    if not value.is_finite():  # NaN would raise in the comparisons below, Infinity slip by
        raise ValidationError("Enter an amount such as 19.99.")
    if value <= 0:
        raise ValidationError("Must be greater than 0.")
    if value.as_tuple().exponent < -2:
        raise ValidationError("Use at most two decimal places (e.g. 19.99).")
    if value >= Decimal("100000000"):
        raise ValidationError("Must be less than 100,000,000.")
