"""Reading import files: encodings, delimiters, Excel's quirks and every refusal."""

from __future__ import annotations

import datetime as dt
import zipfile

import pytest
import xlsxwriter

from backoffice.services.imports import ImportRefused, open_table
from tests.imports.files import write_csv, write_xlsx

MB = 1_000_000
ROWS = [["SKU", "Name", "Prix"], ["00123", "Crème brûlée", "9.50"], ["AB-2", "Café", "12"]]


def read(path, **kwargs):
    table = open_table(
        path,
        name=kwargs.pop("name", path.name),
        max_bytes=kwargs.pop("max_bytes", 50 * MB),
        **kwargs,
    )
    return table, list(table.rows)


@pytest.mark.parametrize(
    ("encoding", "bom", "delimiter", "found"),
    [
        ("utf-8", False, ",", "utf-8"),
        ("utf-8", True, ";", "utf-8-sig"),
        ("utf-16", True, "\t", "utf-16"),  # Excel's "Unicode text": UTF-16 LE, BOM, tabs
        ("cp1252", False, ";", "cp1252"),
    ],
)
def test_csv_encodings_and_delimiters(tmp_path, encoding, bom, delimiter, found):
    path = write_csv(tmp_path / "f.csv", ROWS, encoding=encoding, bom=bom, delimiter=delimiter)
    table, rows = read(path)
    assert (table.encoding, table.delimiter) == (found, delimiter)
    assert table.headers == ["SKU", "Name", "Prix"]
    assert rows == [(2, ["00123", "Crème brûlée", "9.50"]), (3, ["AB-2", "Café", "12"])]


def test_csv_rows_are_a_generator_and_skip_empty_lines(tmp_path):
    path = write_csv(tmp_path / "f.csv", [*ROWS[:2], [",,"], ROWS[2], [""], [""]])
    table, rows = read(path)
    assert not isinstance(table.rows, list)
    assert [line for line, _ in rows] == [2, 4]


def test_quoted_cells_keep_their_delimiters(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text('SKU;Name\n"A1";"Bolt; 5 mm, zinc"\n', encoding="utf-8")
    assert read(path)[1] == [(2, ["A1", "Bolt; 5 mm, zinc"])]


def test_xlsx_quirks(tmp_path):
    rows = [
        ["SKU", "Qty", "Price", "Date", "Formula"],
        ["00123", 12.0, 9.5, dt.date(2024, 3, 1), '="A"&"B"'],
        ["HIDDEN", 1, 1, None, None],
        ["9780", 3, 1.25, 45000, None],
    ]
    path = write_xlsx(tmp_path / "f.xlsx", [*rows, [], [None, None]], hidden={2})
    table, got = read(path)
    assert table.kind == "xlsx"
    assert table.headers == ["SKU", "Qty", "Price", "Date", "Formula"]
    # leading zeros kept (text cell), 12.0 → 12, dates ISO, formula = cached value,
    # the hidden row and the trailing empty rows gone, a serial number without a date
    # format stays a number
    assert got == [
        (2, ["00123", "12", "9.5", "2024-03-01", "cached"]),
        (4, ["9780", "3", "1.25", "45000", ""]),
    ]


def test_hidden_rows_are_found_however_the_sheet_says_hidden(tmp_path):
    """Rows are looked for only in a sheet whose XML says ``hidden`` somewhere (a word
    split between two megabyte reads still counts); saying it of a column hides no row."""
    from backoffice.services.imports.xlsx import _mentions

    with zipfile.ZipFile(tmp_path / "z.zip", "w") as archive:
        archive.writestr("split", b"x" * (2**20 - 3) + b"hidden" + b"y" * 10)
        archive.writestr("plain", b"x" * (2**20 + 50))
    with zipfile.ZipFile(tmp_path / "z.zip") as archive:
        assert _mentions(archive, "split", b"hidden")
        assert not _mentions(archive, "plain", b"hidden")

    # A hidden column makes the sheet say hidden: its rows are parsed, none is hidden.
    book = xlsxwriter.Workbook(str(tmp_path / "col.xlsx"))
    sheet = book.add_worksheet()
    for r, row in enumerate([["SKU", "Note"], ["S-0", "a"], ["S-1", "b"]]):
        sheet.write_row(r, 0, row)
    sheet.set_column(1, 1, None, None, {"hidden": True})
    book.close()
    assert [cells for _, cells in read(tmp_path / "col.xlsx")[1]] == [["S-0", "a"], ["S-1", "b"]]
    # A sheet XML over a megabyte, its last data row but one hidden.
    many = [["SKU", "Name"], *([f"S-{i}", "x" * 40] for i in range(30_000))]
    skus = [
        cells[0] for _, cells in read(write_xlsx(tmp_path / "m.xlsx", many, hidden={29_999}))[1]
    ]
    assert len(skus) == 29_999
    assert "S-29998" not in skus
    assert skus[-1] == "S-29999"


def test_xlsx_chosen_sheet_and_first_visible_sheet(tmp_path):
    path = write_xlsx(tmp_path / "f.xlsx", ROWS, sheet="Stock", extra_sheets=("Notes",))
    assert read(path)[0].headers == ["nothing", "here"]
    assert read(path, sheet="Stock")[1][0] == (2, ["00123", "Crème brûlée", "9.50"])
    with pytest.raises(ImportRefused, match="no sheet “Nope”"):
        read(path, sheet="Nope")


def refusal(path, **kwargs) -> str:
    with pytest.raises(ImportRefused) as caught:
        _table, _rows = read(path, **kwargs)
    return str(caught.value)


def test_refusals(tmp_path):
    pdf = tmp_path / "f.pdf"
    pdf.write_bytes(b"%PDF-1.4 ...")
    assert "Only CSV and XLSX" in refusal(pdf)
    xls = tmp_path / "f.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    assert ".xls" in refusal(xls)
    big = write_csv(tmp_path / "big.csv", ROWS * 100)
    assert "files up to" in refusal(big, max_bytes=100)
    empty = tmp_path / "e.csv"
    empty.write_bytes(b"")
    assert "empty" in refusal(empty)
    blank = tmp_path / "blank.csv"
    blank.write_bytes(b"\r\n,,\r\n")
    assert "name the columns" in refusal(blank)
    numbers = write_csv(tmp_path / "n.csv", [["1", "2.5"], ["3", "4"]])
    assert "header row" in refusal(numbers)
    twice = write_csv(tmp_path / "t.csv", [["SKU", "sku"], ["1", "2"]])
    assert "appears twice" in refusal(twice)
    nul = tmp_path / "nul.csv"
    nul.write_bytes(b"SKU,Name\nA,B\x00\n")
    assert "NUL" in refusal(nul)


def test_invalid_utf8_refused_when_declared_or_found_late(tmp_path):
    declared = tmp_path / "bom.csv"
    declared.write_bytes(b"\xef\xbb\xbfSKU,Name\nA,caf\xe9\n")
    assert "declared UTF-8" in refusal(declared)
    asked = tmp_path / "asked.csv"
    asked.write_bytes(b"SKU,Name\nA,caf\xe9\n")
    assert "declared UTF-8" in refusal(asked, encoding="utf-8")
    # UTF-8 at the start (the sample), a Latin-1 byte far later: refused, not garbled
    late = tmp_path / "late.csv"
    late.write_bytes(b"SKU,Name\n" + b"A,caf\xc3\xa9\n" * 20_000 + b"B,caf\xe9\n")
    assert "read as UTF-8" in refusal(late)


def test_zip_bomb_and_zip_that_is_not_xlsx(tmp_path):
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 50_000_000)
    assert "zip bomb" in refusal(bomb)
    other = tmp_path / "other.xlsx"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert "not an XLSX" in refusal(other)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04" + b"garbage" * 10)
    assert "not a valid XLSX" in refusal(broken)
