"""Streaming CSV exports with explicit columns, read in batches, in constant memory.

Each model has an ``ExportSpec`` (services/export_specs.py): labelled SQL expressions,
columns or correlated subqueries for related values, each of a kind saying how its
cells are written. A caller (admin list, bulk action, CLI) builds the filtered,
sorted SELECT of ``spec.expressions()``; ``stream_csv`` reads it on a connection of
its own with a server-side cursor (PostgreSQL) or an incremental one (SQLite) and
yields UTF-8 CSV in chunks of ``batch_size`` rows. No ORM object is ever built, so
memory stays flat whatever the row count.

The database writes the cells (services/sql_cells.py): timestamps as ISO 8601 UTC
(``2026-11-21T10:15:00.000000Z``), money with its two places as stored (``19.90``),
booleans as ``true`` / ``false``, and text neutralised for spreadsheets: a cell
starting with ``= + - @``, tab or carriage return gets a leading single quote, so
Excel or LibreOffice show it instead of running it. Numbers (ids, counts, money,
years) are left alone: they are digits we produce ourselves, a "-5" read as the
number -5 is what the data means, and quoting it would turn numbers into text. JSON
cells (the audit log's changes) are written by Python, with the same rule.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Select
from sqlalchemy.engine import Engine

from backoffice.extensions import db
from backoffice.services.sql_cells import (
    FORMULA_STARTS,
    boolean_text,
    iso_utc,
    money_text,
    neutralised,
)
from backoffice.text import utf8

BOM = "\ufeff".encode()
DEFAULT_BATCH = 5000


class ExportError(Exception):
    """A bad export request (unknown model, filter or value); nothing was written."""


def neutralise(text: str | None) -> str | None:
    """Prefix a formula-looking text with a single quote (Python side of ``neutralised``)."""
    if text and text[0] in FORMULA_STARTS:
        return "'" + text
    return text


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return neutralise(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str))


def _as_is(expr: Any) -> Any:
    return expr


#: How each kind of column becomes a cell in SQL.
SQL_FORMATS: dict[str, Callable[[Any], Any]] = {
    "text": neutralised,
    "bool": boolean_text,
    "money": money_text,
    "datetime": iso_utc,
    "int": _as_is,
    "formatted": _as_is,  # a subquery whose column went through sql_format already
    "json": _as_is,  # written by Python (PYTHON_FORMATS)
}
#: Kinds SQL cannot write portably, formatted per row in Python.
PYTHON_FORMATS: dict[str, Callable[[Any], Any]] = {"json": _json}


def sql_format(expr: Any, kind: str) -> Any:
    """The SQL expression writing ``expr`` as a CSV cell of ``kind``."""
    return SQL_FORMATS[kind](expr)


@dataclass(frozen=True)
class ExportColumn:
    """One column: its header, the SQL expression it reads, and its kind.

    A ``formatted`` column (its cell written inside a subquery) also carries its
    unformatted ``value`` and that value's kind, for typed files (XLSX).
    """

    label: str
    expr: Any
    kind: str = "text"
    value: Any = None
    value_kind: str | None = None

    @property
    def typed(self) -> tuple[Any, str]:
        """``(expression, kind)`` reading the column's value as the database types it."""
        if self.value is not None:
            return self.value, self.value_kind or "text"
        return self.expr, self.kind


@dataclass(frozen=True)
class ExportSpec:
    """The columns exported for one model; ``name`` prefixes the file name."""

    name: str
    model: type
    columns: tuple[ExportColumn, ...]

    @property
    def labels(self) -> list[str]:
        """The header row."""
        return [c.label for c in self.columns]

    def expressions(self) -> list:
        """The SELECT list, cells written by the database, labelled so none clash."""
        return [sql_format(c.expr, c.kind).label(f"c{i}") for i, c in enumerate(self.columns)]

    def typed_expressions(self) -> list:
        """The SELECT list of the raw values (numbers, dates, booleans), labelled as above."""
        return [c.typed[0].label(f"c{i}") for i, c in enumerate(self.columns)]

    def row_formatter(self) -> Callable[[Any], list] | None:
        """Per-row Python formatting for the kinds SQL does not write; None if none."""
        special = tuple(
            (i, PYTHON_FORMATS[c.kind])
            for i, c in enumerate(self.columns)
            if c.kind in PYTHON_FORMATS
        )
        if not special:
            return None

        def format_row(row) -> list:
            cells = list(row)
            for i, fmt in special:
                cells[i] = fmt(cells[i])
            return cells

        return format_row


def filename(spec: ExportSpec, now: dt.datetime, ext: str = "csv") -> str:
    """``orders-20261121T101500Z.csv``: the model and the UTC time of the export."""
    return f"{spec.name}-{now.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}.{ext}"


def read_batches(
    stmt: Select, *, batch_size: int = DEFAULT_BATCH, engine: Engine | None = None
) -> Iterator[Sequence[Row]]:
    """Yield the rows of ``stmt`` in lists of up to ``batch_size``, on a connection of its own.

    A server-side cursor on PostgreSQL, an incremental one on SQLite: memory stays flat.
    """
    engine = engine if engine is not None else db.engine
    with (
        engine.connect() as conn,
        # Closed on every way out (a caller stopping early included), so a
        # PostgreSQL server-side cursor never outlives its connection.
        conn.execution_options(stream_results=True, yield_per=batch_size).execute(stmt) as result,
    ):
        yield from result.partitions()


def stream_csv(
    stmt: Select,
    spec: ExportSpec,
    *,
    bom: bool = False,
    batch_size: int = DEFAULT_BATCH,
    engine: Engine | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """Yield the CSV of ``stmt`` (a SELECT of ``spec.expressions()``) as UTF-8 chunks.

    The header comes first, before the query runs. Rows are read on a connection of
    the generator's own, so the caller's session and request may end meanwhile.
    ``progress(n)`` is called after each batch of ``n`` rows. Text UTF-8 cannot write
    (an unpaired surrogate kept in a JSON column) becomes U+FFFD, not a cut-off file.
    """
    # Bound now, in the caller's app context: the response streams after it ends.
    engine = engine if engine is not None else db.engine
    format_row = spec.row_formatter()

    def generate() -> Iterator[bytes]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(spec.labels)
        yield (BOM if bom else b"") + utf8(buffer.getvalue())
        # closing(): a caller stopping early closes the cursor now, not at collection.
        with closing(read_batches(stmt, batch_size=batch_size, engine=engine)) as batches:
            for rows in batches:
                buffer.seek(0)
                buffer.truncate()
                writer.writerows(rows if format_row is None else map(format_row, rows))
                yield utf8(buffer.getvalue())
                if progress is not None:
                    progress(len(rows))

    return generate()
