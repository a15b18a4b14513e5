"""XLSX exports: the CSV export's columns (the same ``ExportSpec``), with typed cells.

XlsxWriter in constant-memory mode writes each row to a temporary file as soon as the
next one starts, so memory stays flat whatever the row count; rows are read in
batches (``services.exports.read_batches``) from a SELECT of
``spec.typed_expressions()``, the raw values rather than the CSV's text.

Cells by kind: integers as numbers; money (Decimal) as numbers with two places;
timestamps as Excel dates in UTC (Excel has no time zones: the aware value is
converted to naive UTC and the number format says "UTC"); booleans as booleans;
NULL as an empty cell. Text is always written with ``write_string``, so a value like
``=1+1`` stays text and never becomes a formula (nothing needs the CSV's leading
quote); JSON is written as its text. A text longer than Excel's 32,767 characters is
cut there by XlsxWriter. The header row is bold and frozen. A sheet holds at most
1,048,576 rows (header included): the rows go on in a next sheet, header again.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Callable, Sequence
from contextlib import closing
from typing import IO, Any

from sqlalchemy import Row, Select
from sqlalchemy.engine import Engine
from xlsxwriter import Workbook
from xlsxwriter.worksheet import Worksheet

from backoffice.extensions import db
from backoffice.services.exports import DEFAULT_BATCH, ExportSpec, read_batches

#: Excel's rows per sheet (header included).
SHEET_ROWS = 1_048_576
MONEY_FORMAT = "#,##0.00"
# The literal text in quotes is shown after the time: the cell itself has no zone.
DATETIME_FORMAT = 'yyyy-mm-dd hh:mm:ss" UTC"'
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Column widths (characters) by kind, so dates and money do not show as "#####".
_WIDTHS = {"datetime": 24, "money": 14, "int": 10, "bool": 10, "text": 28, "json": 40}

Cell = Callable[[Worksheet, int, int, Any], object]


def _cell_writers(book: Workbook, kinds: Sequence[str]) -> list[Cell]:
    """One writer per column, by the column's kind."""
    money = book.add_format({"num_format": MONEY_FORMAT})
    when = book.add_format({"num_format": DATETIME_FORMAT})

    def number(ws: Worksheet, r: int, c: int, v: Any) -> None:
        ws.write_number(r, c, v)

    def amount(ws: Worksheet, r: int, c: int, v: Any) -> None:
        # A double holds every amount of Numeric(12, 2) to the cent.
        ws.write_number(r, c, float(v), money)

    def moment(ws: Worksheet, r: int, c: int, v: Any) -> None:
        if isinstance(v, dt.datetime) and v.tzinfo is not None:
            v = v.astimezone(dt.UTC).replace(tzinfo=None)  # XlsxWriter refuses aware ones
        ws.write_datetime(r, c, v, when)

    def boolean(ws: Worksheet, r: int, c: int, v: Any) -> None:
        ws.write_boolean(r, c, bool(v))

    def text(ws: Worksheet, r: int, c: int, v: Any) -> None:
        ws.write_string(r, c, v if isinstance(v, str) else str(v))

    def json_text(ws: Worksheet, r: int, c: int, v: Any) -> None:
        dumped = json.dumps(v, ensure_ascii=False, sort_keys=True, default=str)
        # An unpaired surrogate kept in JSON cannot be written as UTF-8: U+FFFD instead.
        ws.write_string(r, c, dumped.encode("utf-8", "replace").decode("utf-8"))

    by_kind = {"int": number, "money": amount, "datetime": moment, "bool": boolean}
    by_kind["json"] = json_text
    return [by_kind.get(kind, text) for kind in kinds]


class _Sheets:
    """The workbook's sheets, a new one (header again) each time one is full."""

    def __init__(self, book: Workbook, spec: ExportSpec, sheet_rows: int) -> None:
        self.book, self.spec, self.sheet_rows = book, spec, sheet_rows
        self.kinds = [column.typed[1] for column in spec.columns]
        self.bold = book.add_format({"bold": True})
        self.writers = _cell_writers(book, self.kinds)
        self.count = 0
        self._new_sheet()

    def _new_sheet(self) -> None:
        self.count += 1
        name = self.spec.name if self.count == 1 else f"{self.spec.name} ({self.count})"
        self.sheet = self.book.add_worksheet(name[:31])  # Excel's limit on sheet names
        for c, (label, kind) in enumerate(zip(self.spec.labels, self.kinds, strict=True)):
            self.sheet.set_column(c, c, _WIDTHS.get(kind, 16))
            self.sheet.write_string(0, c, label, self.bold)
        self.sheet.freeze_panes(1, 0)
        self.row = 1

    def write(self, rows: Sequence[Row]) -> None:
        """Append ``rows`` (a sheet that fills up continues on the next)."""
        writers = self.writers
        for values in rows:
            if self.row == self.sheet_rows:
                self._new_sheet()
            ws, r = self.sheet, self.row
            for c, (write, value) in enumerate(zip(writers, values, strict=True)):
                if value is not None:
                    write(ws, r, c, value)
            self.row = r + 1


def write_xlsx(
    stmt: Select,
    spec: ExportSpec,
    out: IO[bytes],
    *,
    batch_size: int = DEFAULT_BATCH,
    engine: Engine | None = None,
    progress: Callable[[int], None] | None = None,
    sheet_rows: int = SHEET_ROWS,
) -> None:
    """Write the XLSX of ``stmt`` (a SELECT of ``spec.typed_expressions()``) into ``out``.

    ``progress(n)`` is called after each batch of ``n`` rows; an exception it raises
    (a cancelled job) stops the export, and XlsxWriter's temporary files go with it.
    ``sheet_rows`` is Excel's limit; tests lower it to see the next sheet start.
    """
    engine = engine if engine is not None else db.engine
    # XlsxWriter's row files live in a directory of ours, removed on every way out.
    with tempfile.TemporaryDirectory(prefix="xlsx-export-") as tmpdir:
        book = Workbook(out, {"constant_memory": True, "tmpdir": tmpdir})
        try:
            sheets = _Sheets(book, spec, sheet_rows)
            with closing(read_batches(stmt, batch_size=batch_size, engine=engine)) as batches:
                for rows in batches:
                    sheets.write(rows)
                    if progress is not None:
                        progress(len(rows))
            book.close()
        except BaseException:
            _abandon(book)
            raise


def _abandon(book: Workbook) -> None:
    """Close the row files of a workbook that will not be finished (no zip is written)."""
    for sheet in book.worksheets():
        handle = getattr(sheet, "row_data_fh", None)
        if handle is not None and not handle.closed:
            handle.close()
