"""Import files built in the tests: CSV in any encoding, XLSX through XlsxWriter."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlsxwriter


def write_csv(
    path: Path, rows: list[list[str]], *, encoding="utf-8", delimiter=",", bom=False
) -> Path:
    """``rows`` joined by ``delimiter`` with CRLF line ends (as Excel saves), encoded."""
    text = "\r\n".join(delimiter.join(row) for row in rows) + "\r\n"
    data = text.encode(encoding)
    if bom:
        data = "\ufeff".encode(encoding) + data if encoding != "utf-16" else data
    path.write_bytes(data)
    return path


def write_xlsx(path: Path, rows: list[list], *, sheet="Sheet1", hidden=(), extra_sheets=()) -> Path:
    """One sheet of ``rows`` (str cells written as text, dates date-formatted)."""
    book = xlsxwriter.Workbook(str(path))
    for name in extra_sheets:
        book.add_worksheet(name).write_row(0, 0, ["nothing", "here"])
    sheet_ = book.add_worksheet(sheet)
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, str) and value.startswith("="):
                sheet_.write_formula(r, c, value, None, "cached")
            elif isinstance(value, str):
                sheet_.write_string(r, c, value)
            elif isinstance(value, dt.date):
                sheet_.write_datetime(r, c, value, date_format)
            elif value is not None:
                sheet_.write_number(r, c, value)
        if r in hidden:
            sheet_.set_row(r, None, None, {"hidden": True})
    if extra_sheets:
        sheet_.activate()
    book.close()
    return path
