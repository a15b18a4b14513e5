"""The XLSX side of ``read``: zip-bomb checks, then the sheet's cells through calamine.

python-calamine reads the cached value of every cell (a formula is never evaluated),
turns date-formatted numbers into dates and returns every number as a float: ``12.0``
is written back as ``12`` and a whole float never grows a ``.0``. Text cells keep their
leading zeros. Calamine loads the sheet's cells into its own (compact, Rust-side) grid
and does not say which rows are hidden, so hidden rows are found here by scanning the
sheet's XML once, streamed; trailing empty rows are trimmed by calamine.
"""

from __future__ import annotations

import datetime as dt
import os
import posixpath
import zipfile
from collections.abc import Iterator
from xml.etree.ElementTree import iterparse
from xml.parsers import expat

import python_calamine

from backoffice.services.imports.read import ImportRefused, Table, _header

#: A member of the zip may expand at most this many times its compressed size.
MAX_RATIO = 200
#: All members together may expand to at most this many times the import size limit.
MAX_EXPANSION = 20

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
#: A row start tag as expat names it (``namespace_separator="}"``).
_ROW = f"{_MAIN[1:]}row"
# _XML_SAFETY: ElementTree and a bare expat parser never fetch external entities, and
# expat (2.4+; 2.5.0 here) stops entity-expansion bombs by itself: no defusedxml needed
# for the three scans below.


def check_zip(path: str | os.PathLike, max_bytes: int) -> zipfile.ZipFile:
    """Open the zip and refuse a zip bomb by its declared sizes, before any inflating."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise ImportRefused(
            "The file is not a valid XLSX (its zip structure is damaged)."
        ) from None
    total = 0
    for info in archive.infolist():
        total += info.file_size
        if info.file_size > 1_000_000 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            archive.close()
            raise ImportRefused(
                "The XLSX expands to far more than its size (a “zip bomb”); it was not opened."
            )
    if total > MAX_EXPANSION * max_bytes:
        archive.close()
        raise ImportRefused(
            f"The XLSX expands to {total / 1e6:,.0f} MB; at most "
            f"{MAX_EXPANSION * max_bytes / 1e6:,.0f} MB can be read."
        )
    if "xl/workbook.xml" not in archive.namelist():
        archive.close()
        raise ImportRefused("The file is a zip archive but not an XLSX workbook.")
    return archive


def _sheet_part(archive: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member holding ``sheet``'s XML, from the workbook and its relationships."""
    rel_id = None
    with archive.open("xl/workbook.xml") as fh:
        for _event, node in iterparse(fh):  # noqa: S314 - see _XML_SAFETY
            if node.tag == f"{_MAIN}sheet" and node.get("name") == sheet:
                rel_id = node.get(f"{_REL}id")
                break
    if rel_id is None or "xl/_rels/workbook.xml.rels" not in archive.namelist():
        return None
    with archive.open("xl/_rels/workbook.xml.rels") as fh:
        for _event, node in iterparse(fh):  # noqa: S314 - see _XML_SAFETY
            if node.tag == f"{_PKG_REL}Relationship" and node.get("Id") == rel_id:
                target = node.get("Target", "")
                return (
                    target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
                )
    return None


def hidden_rows(archive: zipfile.ZipFile, sheet: str) -> set[int]:
    """Zero-based numbers of the rows hidden in ``sheet`` (streamed over its XML).

    A sheet whose XML never says ``hidden`` has none, and most do not: that is one
    pass of a byte search. Otherwise expat's start-tag callback picks the rows out,
    building no element for the cells (ElementTree's iterparse built one per cell and
    value: 4.2 s of a 100,000-row sheet, longer than calamine reading its cells).
    """
    part = _sheet_part(archive, sheet)
    if part is None or part not in archive.namelist() or not _mentions(archive, part, b"hidden"):
        return set()
    hidden: set[int] = set()

    def start(tag: str, attrs: dict) -> None:
        if tag == _ROW and attrs.get("hidden") in ("1", "true") and attrs.get("r"):
            hidden.add(int(attrs["r"]) - 1)

    parser = expat.ParserCreate(namespace_separator="}")  # tags as "<namespace>}row"
    parser.StartElementHandler = start
    with archive.open(part) as fh:
        try:
            parser.ParseFile(fh)
        except (expat.ExpatError, ValueError):
            raise ImportRefused("The XLSX cannot be read (its sheet is damaged).") from None
    return hidden


def _mentions(archive: zipfile.ZipFile, part: str, word: bytes) -> bool:
    """Whether the bytes of ``part`` contain ``word`` (read a megabyte at a time)."""
    tail = b""
    with archive.open(part) as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            data = tail + chunk
            if word in data:
                return True
            tail = data[-(len(word) - 1) :]
    return False


def cell_text(value) -> str:
    """A cell as the text a person typed: ``12.0`` → ``12``, dates in ISO form."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value).strip()


def open_xlsx(path: str | os.PathLike, *, sheet: str | None, max_bytes: int) -> Table:
    """Open an XLSX's ``sheet`` (default: the first visible one) as a ``Table``."""
    with check_zip(path, max_bytes) as archive:
        try:
            book = python_calamine.CalamineWorkbook.from_path(os.fspath(path))
        except Exception:  # calamine's errors (zip, XML, password) share no base class
            raise ImportRefused(
                "The XLSX cannot be read (damaged or password-protected)."
            ) from None
        visible = [
            m.name for m in book.sheets_metadata
            if m.visible == python_calamine.SheetVisibleEnum.Visible
        ]  # fmt: skip
        name = sheet or (visible[0] if visible else None)
        if name is None or name not in book.sheet_names:
            book.close()
            raise ImportRefused(
                f"The workbook has no sheet “{sheet}”."
                if sheet
                else "The workbook has no visible sheet."
            )
        hidden = hidden_rows(archive, name)
    rows = _rows(book, name, hidden)
    return Table(_header(rows), rows, "xlsx")


def _rows(book, name: str, hidden: set[int]) -> Iterator[tuple[int, list[str]]]:
    try:
        grid = book.get_sheet_by_name(name)
        first = grid.start[0] if grid.start else 0
        for index, values in enumerate(grid.iter_rows(), start=first):
            if index in hidden:
                continue
            cells = [cell_text(value) for value in values]
            if any(cells):
                yield index + 1, cells
    finally:
        book.close()
