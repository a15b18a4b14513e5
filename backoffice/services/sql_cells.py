"""SQL expressions that write CSV cells in the database, the same on SQLite and PostgreSQL.

Formatting in SQL keeps the export's per-row Python work down to the CSV writer (the
hot path on a million rows), and both databases produce byte-identical text.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, case, func, literal_column, null
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

#: First characters that make a spreadsheet treat a cell as a formula.
FORMULA_STARTS = frozenset("=+-@\t\r")

# String literals written inline rather than bound: constant SQL on every dialect.
_QUOTE = literal_column("''''", String)  # the one-character string '
_TRUE = literal_column("'true'", String)
_FALSE = literal_column("'false'", String)


def neutralised(expr) -> Any:
    """``expr`` with a leading single quote when it starts like a formula."""
    starts_badly = func.substr(expr, 1, 1).in_(sorted(FORMULA_STARTS))
    return case((starts_badly, _QUOTE.concat(expr)), else_=expr)


def boolean_text(expr) -> Any:
    """``true`` / ``false`` (NULL stays empty)."""
    return case((expr.is_(None), null()), (expr, _TRUE), else_=_FALSE)


class iso_utc(FunctionElement):
    """A UTCDateTime column as ISO 8601 UTC text, ``2026-11-21T10:15:00.000000Z``."""

    type = String()
    inherit_cache = True


@compiles(iso_utc, "sqlite")
def _iso_utc_sqlite(element, compiler, **kw) -> str:
    # UTCDateTime stores naive UTC as "YYYY-MM-DD HH:MM:SS.ffffff".
    return f"(replace({compiler.process(element.clauses, **kw)}, ' ', 'T') || 'Z')"


@compiles(iso_utc)
def _iso_utc_default(element, compiler, **kw) -> str:
    fmt = 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'
    return f"to_char({compiler.process(element.clauses, **kw)}, '{fmt}')"


class money_text(FunctionElement):
    """A Numeric(…, 2) money column as text with its two places, ``19.90``."""

    type = String()
    inherit_cache = True


@compiles(money_text, "sqlite")
def _money_text_sqlite(element, compiler, **kw) -> str:
    # SQLite keeps NUMERIC as a float; two places recover the stored cents.
    column = compiler.process(element.clauses, **kw)
    return f"(CASE WHEN {column} IS NULL THEN NULL ELSE printf('%.2f', {column}) END)"


@compiles(money_text)
def _money_text_default(element, compiler, **kw) -> str:
    # PostgreSQL's numeric(p, 2) prints exactly as stored.
    return f"CAST({compiler.process(element.clauses, **kw)} AS TEXT)"
