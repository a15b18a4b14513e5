"""Headers matched to fields, and each row checked by the admin form's own rules."""

from __future__ import annotations

from decimal import Decimal

import pytest

from backoffice.services.imports.fields import auto_mapping, check_mapping
from backoffice.services.imports.plan import Planner
from backoffice.services.imports.rows import RowChecker
from tests.support.factories import add_book, add_product


def test_headers_are_matched_by_case_spaces_and_synonyms():
    headers = [" Ref ", "Product Name", "QTY", "Price (incl. VAT)", "Colour", "Available"]
    assert auto_mapping("product", headers) == {
        "sku": " Ref ", "name": "Product Name", "stock": "QTY", "price": "Price (incl. VAT)",
        "is_available": "Available",
    }  # fmt: skip
    assert auto_mapping("book", ["ISBN13", "Title", "Authors", "Pub. Year"]) == {
        "isbn": "ISBN13", "title": "Title", "author": "Authors", "published_year": "Pub. Year",
    }  # fmt: skip
    assert auto_mapping("stock", ["EAN", "On hand"]) == {"isbn": "EAN", "stock": "On hand"}


def test_a_mapping_needs_its_key_and_known_columns():
    with pytest.raises(ValueError, match="key, SKU"):
        check_mapping("product", {"name": "Name"}, ["Name"])
    with pytest.raises(ValueError, match="no column named 'Nope'"):
        check_mapping("product", {"sku": "Nope"}, ["SKU"])
    with pytest.raises(ValueError, match="Unknown field"):
        check_mapping("book", {"isbn": "I", "colour": "C"}, ["I", "C"])
    with pytest.raises(ValueError, match="SKU or an ISBN"):
        check_mapping("stock", {"sku": "S", "isbn": "I", "stock": "Q"}, ["S", "I", "Q"])
    assert check_mapping("stock", {"isbn": "I", "stock": "Q"}, ["I", "Q"]).form == "book"


def plan(kind, headers, lines, *, mode="set", clear_empty=False):
    target = check_mapping(kind, auto_mapping(kind, headers), headers)
    checker = RowChecker(target, auto_mapping(kind, headers), headers, clear_empty=clear_empty)
    planner = Planner(checker, stock_only=kind == "stock", mode=mode)
    return planner.classify(planner.check(list(enumerate(lines, start=2))))


def test_products_classified_with_the_admin_forms_rules(app):
    add_product(app, sku="KEEP-1", name="Lamp", price=Decimal("19.99"), stock=10)
    add_product(app, sku="UPD-1", name="Old name", price=Decimal("5.00"), stock=1)
    headers = ["SKU", "Name", "Price", "Qty"]
    lines = [
        ["keep-1", "Lamp", "19.99", "10"],  # unchanged (the SKU filter upper-cases)
        ["UPD-1", "New name", "5", "1"],  # update of the name only
        ["NEW-1", "Chair", "42.50", ""],  # new, stock by default 0
        ["NEW-2", "Table", "0", "1"],  # price must be > 0 (admin's money rule)
        ["NEW-3", "Desk", "1.999", "-1"],  # two places; stock not negative
        ["NEW-4", "", "3", "1"],  # empty name: left out, but a new product needs one
        ["new-1", "Chair again", "1", "1"],  # repeats NEW-1
        ["NEW-5", "x" * 201, "3", "99999999999"],  # name too long; stock beyond INTEGER
        ["", "No key", "3", "1"],
    ]
    with app.app_context():
        got = plan("product", headers, lines)
    classes = [(c.row.line, c.cls) for c in got]
    assert classes == [
        (2, "unchanged"), (3, "update"), (4, "new"), (5, "error"), (6, "error"), (7, "error"),
        (8, "error"), (9, "error"), (10, "error"),
    ]  # fmt: skip
    assert got[1].diff == {"name": ["Old name", "New name"]}
    assert got[2].row.values == {
        "sku": "NEW-1", "name": "Chair", "price": Decimal("42.50"), "category": "general",
        "stock": 0, "is_available": True, "description": None,
    }  # fmt: skip
    errors = {c.row.line: c.row.errors for c in got if c.cls == "error"}
    assert errors[5] == [("price", "Must be greater than 0.")]
    assert [f for f, _ in errors[6]] == ["price", "stock"]
    assert errors[7][0][0] == "name"
    assert "new product" in errors[7][0][1]
    assert errors[8] == [("sku", "Repeats the key of line 4.")]
    assert [f for f, _ in errors[9]] == ["name", "stock"]
    assert errors[10] == [("sku", "The SKU is empty.")]


def test_books_convert_isbn10_and_check_the_checksum(app):
    add_book(app, isbn="9780306406157", title="Dune", price=Decimal("9.50"))
    headers = ["ISBN-10", "Title", "Author", "Price", "Year"]
    lines = [
        ["0-306-40615-2", "Dune", "Frank Herbert", "9.5", "1965"],  # ISBN-10 of 9780306406157
        ["9780306406158", "Bad", "A", "1", "2000"],  # wrong check digit
        ["978-0-14-044913-6", "Crime", "Dostoevsky", "12", "1300"],  # year out of range
    ]
    with app.app_context():
        got = plan("book", headers, lines)
    assert [c.cls for c in got] == ["update", "error", "error"]
    assert got[0].row.key == "9780306406157"
    assert got[0].diff == {"published_year": [None, 1965]}
    assert "check digit" in got[1].row.errors[0][1]
    assert got[2].row.errors[0][0] == "published_year"


def test_stock_lists_set_and_add_and_refuse_unknown_keys(app):
    add_product(app, sku="A", stock=10)
    add_product(app, sku="B", stock=5)
    headers = ["SKU", "Qty"]
    with app.app_context():
        set_ = plan("stock", headers, [["A", "7"], ["B", "5"], ["C", "1"]])
        add = plan("stock", headers, [["A", "7"], ["B", "0"], ["B", "1"]], mode="add")
    assert [(c.cls, c.diff) for c in set_] == [
        ("update", {"stock": [10, 7]}),
        ("unchanged", None),
        ("error", None),
    ]
    assert "No product has this SKU" in set_[2].row.errors[0][1]
    assert [(c.cls, c.diff) for c in add] == [
        ("update", {"stock": [10, 17]}),
        ("unchanged", None),
        ("error", None),
    ]


def test_empty_cells_leave_values_alone_unless_clearing(app):
    add_product(app, sku="A", description="Bright")
    headers = ["SKU", "Description"]
    with app.app_context():
        kept = plan("product", headers, [["A", ""]])
        cleared = plan("product", headers, [["A", ""]], clear_empty=True)
    assert kept[0].cls == "unchanged"
    assert cleared[0].diff == {"description": ["Bright", None]}


def test_keys_with_quotes_are_looked_up_safely(app):
    add_product(app, sku="O'BRIEN\\1", name="Quote")
    with app.app_context():
        got = plan(
            "product",
            ["SKU", "Name"],
            [["o'brien\\1", "Quote"], ["X'); DROP TABLE products; --", "Y"]],
        )
    assert [c.cls for c in got] == ["unchanged", "error"]
    assert [f for f, _ in got[1].row.errors] == ["price"]  # looked up, not found: new
