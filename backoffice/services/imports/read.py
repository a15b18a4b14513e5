"""Open an import file and stream its rows as text cells, or refuse it with a reason.

CSV: UTF-8 with or without a BOM, UTF-16 with its BOM (Excel's "Unicode text"), or
Windows-1252 when the start of the file is not UTF-8; the delimiter (``,`` ``;`` or tab)
is the one the header line uses most. XLSX: see ``xlsx``. Rows are read one at a time
(``Table.rows`` is a generator): a file of a million rows never sits in memory.

Every cell comes out as a trimmed string; fully empty rows are skipped (their numbers
still count, so a line number is the row number a spreadsheet shows).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass

#: How much of a CSV is read to choose its encoding and delimiter.
SAMPLE_BYTES = 64 * 1024
_XLS = b"\xd0\xcf\x11\xe0"  # the OLE2 header of Excel 97-2003 files
_ZIP = b"PK\x03\x04"


class ImportRefused(Exception):
    """The file cannot be imported; the message says why, for the person who sent it."""


@dataclass
class Table:
    """An open import file: its column names and a generator of ``(line, cells)``."""

    headers: list[str]
    rows: Iterator[tuple[int, list[str]]]
    #: "csv" or "xlsx"; for CSV also the encoding and delimiter found.
    kind: str
    encoding: str | None = None
    delimiter: str | None = None


def open_table(
    path: str | os.PathLike, *, name: str, max_bytes: int, sheet: str | None = None,
    encoding: str | None = None,
) -> Table:  # fmt: skip
    """Open ``path`` (sent as ``name``) for import; ``ImportRefused`` says why not.

    ``sheet``: an XLSX sheet's name (default: the first visible one). ``encoding``: a
    CSV's encoding when the sender knows it ("utf-8", "utf-16", "cp1252").
    """
    size = os.path.getsize(path)
    if size > max_bytes:
        raise ImportRefused(
            f"The file is {size / 1e6:,.1f} MB; files up to {max_bytes / 1e6:,.0f} MB can be "
            "imported. Split it into smaller files."
        )
    if size == 0:
        raise ImportRefused("The file is empty.")
    with open(path, "rb") as fh:
        head = fh.read(8)
    extension = os.path.splitext(name)[1].lower()
    if head.startswith(_ZIP):
        from backoffice.services.imports.xlsx import open_xlsx  # only Excel files need it

        return open_xlsx(path, sheet=sheet, max_bytes=max_bytes)
    if head.startswith(_XLS) or extension == ".xls":
        raise ImportRefused(
            "Excel 97-2003 files (.xls) cannot be imported: save it as XLSX or CSV."
        )
    if extension not in (".csv", ".txt", ".tsv"):
        raise ImportRefused("Only CSV and XLSX files can be imported.")
    return open_csv(path, encoding=encoding)


def _choose_encoding(sample: bytes, asked: str | None) -> tuple[str, bool]:
    """``(codec, declared)``: declared means a BOM or the sender said which encoding."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", True
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", True
    if asked:
        try:
            return codecs.lookup(asked).name, True
        except LookupError:
            raise ImportRefused(f"Unknown encoding “{asked}”.") from None
    if b"\x00" in sample:
        raise ImportRefused(_NUL)
    try:  # final=False: the sample may end in the middle of a character
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "cp1252", False  # not UTF-8: the Windows code page Excel saves CSV in
    return "utf-8", False


_NUL = "The file contains NUL bytes: it is not a text CSV (was a binary file renamed?)."


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def open_csv(path: str | os.PathLike, *, encoding: str | None = None) -> Table:
    """Open a CSV file (see the module docstring); the header row is read at once."""
    with open(path, "rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
    codec, declared = _choose_encoding(sample, encoding)
    fh = open(path, "rb")  # noqa: SIM115 - closed by the rows generator
    text = io.TextIOWrapper(fh, encoding=codec, errors="strict", newline="")
    lines = _checked_lines(text, codec, declared)
    try:
        first = next(lines, "")
    except ImportRefused:
        text.close()
        raise
    delimiter = _delimiter(first)
    reader = csv.reader(_chain(first, lines), delimiter=delimiter)
    rows = _csv_rows(reader, text)
    try:
        headers = _header(rows)
    except ImportRefused:
        rows.close()
        raise
    return Table(headers, rows, "csv", encoding=codec, delimiter=delimiter)


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _checked_lines(text: io.TextIOWrapper, codec: str, declared: bool) -> Iterator[str]:
    """The file's lines; NUL characters and undecodable bytes refuse the file."""
    number = 0
    try:
        for number, line in enumerate(text, start=1):
            if "\x00" in line:
                raise ImportRefused(f"{_NUL} (line {number})")
            yield line
    except UnicodeDecodeError:
        name = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "utf-16": "UTF-16"}.get(codec, codec)
        why = "declared" if declared else "read as"
        raise ImportRefused(
            f"The file is {why} {name} but holds bytes that are not {name} near line "
            f"{number + 1}. Save it again as “CSV UTF-8”."
        ) from None


def _csv_rows(reader, fh) -> Iterator[tuple[int, list[str]]]:
    try:
        for number, cells in enumerate(reader, start=1):
            cells = [cell.strip() for cell in cells]
            if any(cells):
                yield number, cells
    except csv.Error as exc:
        raise ImportRefused(f"The CSV cannot be read near line {reader.line_num}: {exc}.") from None
    finally:
        fh.close()


def _header(rows: Iterator[tuple[int, list[str]]]) -> list[str]:
    """Take the header row from ``rows``; refuse a file without one."""
    first = next(rows, None)
    if first is None:
        raise ImportRefused("The file has no rows: the first row must name the columns.")
    line, headers = first
    while headers and not headers[-1]:
        headers.pop()  # trailing empty cells (Excel keeps a sheet's used width)
    if line != 1 or not headers or all(_is_number(h) for h in headers if h):
        raise ImportRefused(
            "The first row must name the columns (a header row such as “SKU, Name, Price”)."
        )
    seen = set()
    for header in headers:
        key = header.casefold()
        if key and key in seen:
            raise ImportRefused(f"The column “{header}” appears twice in the header row.")
        seen.add(key)
    return headers


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "."))
    except ValueError:
        return False
    return True
