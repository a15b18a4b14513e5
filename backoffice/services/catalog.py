"""Catalogue rules: ISBN checks and normalisation."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s-]")


class IsbnError(ValueError):
    """An ISBN that is malformed or fails its checksum."""


def isbn13_check_digit(first12: str) -> str:
    """The ISBN-13 check digit for twelve digits."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return str((10 - total % 10) % 10)


def _isbn10_valid(isbn: str) -> bool:
    if not re.fullmatch(r"\d{9}[\dX]", isbn):
        return False
    total = sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(isbn))
    return total % 11 == 0


def normalise_isbn(raw: str | None) -> str:
    """Return the 13 digits of a valid ISBN-13 (hyphens and spaces allowed).

    A valid ISBN-10 is converted to its ISBN-13 form (978 prefix), since staff copy
    numbers from older books too.
    """
    value = _SEPARATORS.sub("", (raw or "")).upper()
    if value.startswith("ISBN"):
        value = value[4:].lstrip(":")
    if len(value) == 10 and _isbn10_valid(value):
        core = "978" + value[:9]
        return core + isbn13_check_digit(core)
    if not re.fullmatch(r"\d{13}", value):
        raise IsbnError("ISBN must be 13 digits (hyphens and spaces are allowed).")
    if not value.startswith(("978", "979")):
        raise IsbnError("ISBN-13 must start with 978 or 979.")
    if isbn13_check_digit(value[:12]) != value[12]:
        raise IsbnError("ISBN check digit is wrong; please check the number.")
    return value
