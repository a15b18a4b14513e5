"""Numbers from requests, checked against what the database columns can hold.

An integer column's range is its declared type's range on PostgreSQL (``Integer`` is
int4), applied on SQLite too: SQLite would store more, PostgreSQL would fail with a
DataError, and both databases should answer a hostile number alike. Amounts must be
finite and fit their ``Numeric(precision, scale)`` column. Every parser here returns
None (or raises ValueError, for filters and form fields) instead of letting a number
reach the database that it would refuse.
"""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import BigInteger, Integer, Numeric, SmallInteger

INT2 = (-(2**15), 2**15 - 1)
INT4 = (-(2**31), 2**31 - 1)
INT8 = (-(2**63), 2**63 - 1)
#: Largest row offset any list or lookup asks for: a 64-bit OFFSET on both databases.
MAX_OFFSET = INT8[1]

_ID = re.compile(r"[1-9][0-9]{0,18}")
_INT = re.compile(r"[+-]?[0-9]{1,20}")
# Plain decimal notation only: no exponent, so no 1e999999, and no NaN or Infinity.
_DECIMAL = re.compile(r"[+-]?(?:[0-9]{1,40}(?:\.[0-9]{0,40})?|\.[0-9]{1,40})")


def int_range(column) -> tuple[int, int]:
    """``(lowest, highest)`` value an integer column (attribute or type) holds on PostgreSQL."""
    kind = getattr(column, "type", column)
    if isinstance(kind, BigInteger):
        return INT8
    if isinstance(kind, SmallInteger):
        return INT2
    if isinstance(kind, Integer):
        return INT4
    return INT8


def parse_id(raw, column) -> int | None:
    """The key ``raw`` names if it is a canonical positive integer in ``column``'s range.

    ``"5"`` names row 5; ``" 5 "``, ``"05"``, ``"+5"``, ``"5.0"``, ``"0.005"`` and
    ``"abc"`` name nothing (None), nor does any number the column cannot hold.
    """
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str) or not _ID.fullmatch(raw):
        return None
    value = int(raw)
    return value if value <= int_range(column)[1] else None


def parse_int(raw: str, column) -> int:
    """A whole number (optional sign, ASCII digits) that ``column`` can hold, else ValueError."""
    text = raw.strip() if isinstance(raw, str) else ""
    if not _INT.fullmatch(text):
        raise ValueError("not a whole number")
    value = int(text)
    low, high = int_range(column)
    if not low <= value <= high:
        raise ValueError(f"out of range {low}..{high}")
    return value


def decimal_limit(column) -> Decimal | None:
    """The first magnitude a ``Numeric(p, s)`` column cannot hold (10**(p-s)); None if unknown."""
    kind = getattr(column, "type", column)
    precision = getattr(kind, "precision", None)
    if not isinstance(kind, Numeric) or precision is None:
        return None
    return Decimal(10) ** (precision - (kind.scale or 0))


def fits(value: Decimal, column) -> bool:
    """True for a finite amount whose magnitude ``column`` can hold."""
    if not value.is_finite():
        return False
    limit = decimal_limit(column)
    return limit is None or abs(value) < limit


def parse_decimal(raw: str, column) -> Decimal:
    """A plain decimal (``19.99``, ``-3``) that ``column`` can hold, else ValueError."""
    text = raw.strip() if isinstance(raw, str) else ""
    if not _DECIMAL.fullmatch(text):
        raise ValueError("not a plain decimal number")
    value = Decimal(text)
    if not fits(value, column):
        raise ValueError("out of range")
    return value


def page_number(raw, *, first: int = 0, page_size: int = 1) -> int:
    """A page index from a query string; ``first`` for anything that cannot be a page.

    Negative, non-numeric and huge values (whose offset overflows a 64-bit OFFSET)
    all mean the first page, as a non-numeric page always did in Flask-Admin.
    """
    try:
        page = parse_int(str(raw), BigInteger()) if raw is not None else first
    except ValueError:
        return first
    if page < first or (page - first) * max(page_size, 1) > MAX_OFFSET:
        return first
    return page
