"""The import's faster ways through the same rules give the same answers.

``RowChecker.value`` remembers each distinct cell's outcome and hands the form field a
light one-value form data; ``SeenKeys`` holds the file's keys as hashes; the apply reads
the rows its dry run checked instead of checking them again. Each is compared here with
the plain way on inputs chosen to be awkward.
"""

from __future__ import annotations

import io
import random

import pytest
from flask import current_app
from werkzeug.datastructures import MultiDict

from backoffice.services.imports.checked import CheckedWriter, read_checked
from backoffice.services.imports.fields import BOOK, PRODUCT, auto_mapping, check_mapping
from backoffice.services.imports.rows import _NO, _YES, RowChecker
from backoffice.services.imports.seen import SeenKeys

TRICKY = {
    "sku": ["  abc-1 ", "ABC-1", "", " ", "x" * 64, "x" * 65, "a\tb", "ÉTÉ-1", "0012"],
    "name": ["Lamp", "  Lamp  ", "", "x" * 200, "x" * 201, "Café ☕", "\u00a0"],
    "category": ["home", "", "x" * 81, " Home "],
    "description": ["", " ", "Line one\nline two", "x" * 5000, "\u00a0Soft", "<b>bold</b>"],
    "title": ["Dune", "", "  ", "x" * 300, "Être"],
    "author": ["Frank Herbert", "", "x" * 300],
    "price": ["12.50", " 12.5 ", "1.999", "0", "0.00", "-1", "abc", "1e3", "12.0", "１２",
              "NaN", "Infinity", "1,5", "99999999.99", "100000000", ""],
    "stock": ["0", "-1", "12.0", "12", " 7 ", "2147483647", "2147483648", "1e2", "x", "", "٣"],
    "is_available": ["yes", "NO", "x", "maybe", "", "1", "0", "On", "oui"],
    "isbn": ["0-306-40615-2", "9780306406157", "9780306406158", "978 0306 406157", "",
             "030640615X", "abc", "97803064061570"],
    "published_year": ["1450", "1449", "2100", "2101", "", "1999.0", "year"],
}  # fmt: skip


def plain(target, name: str, raw: str):
    """The admin form field's own process and validate, with a ``MultiDict``, no memo."""
    form = current_app.extensions["import_row_forms"][target.form]()(formdata=None)
    field = form[name]
    if field.type == "BooleanField" and raw:
        word = raw.casefold()
        if word not in _YES | _NO:
            return None, "Enter yes or no."
        raw = "y" if word in _YES else "false"
    field.process(MultiDict({name: raw} if raw else {}))
    if not field.validate(form):
        return None, " ".join(str(e) for e in field.errors)
    return field.data, None


@pytest.mark.parametrize("target", [PRODUCT, BOOK], ids=["product", "book"])
def test_the_remembered_outcome_is_the_forms_own(app, target):
    with app.test_request_context():
        mapping = {name: name for name in target.fields}
        checker = RowChecker(target, mapping, list(mapping))
        for name in target.fields:
            if name == target.key:
                continue  # the form's unique-key check is left out on purpose
            for raw in TRICKY.get(name, []):
                expected = plain(target, name, raw)
                assert checker._checked(name, raw) == expected, (name, raw, "unremembered")
                assert checker.value(name, raw) == expected, (name, raw)
                assert checker.value(name, raw) == expected, (name, raw, "remembered")
                assert type(checker.value(name, raw)[0]) is type(expected[0])


def test_string_fields_take_the_direct_way(app):
    """The text fields (unique cells, never remembered) skip ``process`` and ``validate``'s
    bookkeeping; numbers, prices and yes/no still go the whole way."""
    with app.test_request_context():
        product = RowChecker(PRODUCT, {n: n for n in PRODUCT.fields}, list(PRODUCT.fields))
        book = RowChecker(BOOK, {n: n for n in BOOK.fields}, list(BOOK.fields))
    assert {"sku", "name", "description"} <= product.direct
    assert {"price", "stock", "is_available"}.isdisjoint(product.direct)
    assert {"isbn", "title", "author"} <= book.direct
    assert "published_year" not in book.direct


def test_the_key_field_matches_too_but_for_its_unique_rule(app):
    with app.test_request_context():
        for target in (PRODUCT, BOOK):
            checker = RowChecker(target, {target.key: "k"}, ["k"])
            for raw in TRICKY[target.key]:
                assert checker.value(target.key, raw) == plain(target, target.key, raw), raw
                assert checker._checked(target.key, raw) == plain(target, target.key, raw), raw


def test_seen_keys_answer_as_a_dict_would():
    rng = random.Random(13)
    keys = [f"SKU-{rng.randrange(30_000)}" for _ in range(50_000)]
    seen, first = SeenKeys(capacity=16), {}
    for line, key in enumerate(keys, start=2):
        assert seen.first_line(key, line) == first.setdefault(key, line)
    assert len(seen) == len(first)


def test_kept_checked_rows_read_back_as_they_were_checked(app):
    headers = ["ISBN", "Title", "Author", "Year", "Price", "Stock", "Available"]
    lines = [
        ["0-306-40615-2", "Dune", "Herbert", "1965", "9.50", "3", "yes"],
        ["9780140449136", "Crime", "Dostoevsky", "", "12", "0", "no"],
        ["bad", "", "Nobody", "1200", "free", "-1", "maybe"],
        ["", "Keyless", "X", "2000", "1", "1", ""],
    ]
    with app.test_request_context():
        mapping = auto_mapping("book", headers)
        target = check_mapping("book", mapping, headers)
        checker = RowChecker(target, mapping, headers, clear_empty=True)
        checked = [checker.check(n, cells) for n, cells in enumerate(lines, start=2)]
        out = io.BytesIO()
        CheckedWriter(out).write(checked)
        out.seek(0)
        back = list(read_checked(out))
    assert [(r.line, r.key, r.values, r.errors) for r in back] == [
        (r.line, r.key, r.values, r.errors) for r in checked
    ]
    assert [type(v) for v in back[0].values.values()] == [
        type(v) for v in checked[0].values.values()
    ]
    assert checked[2].errors  # the bad row's errors came back too


def test_a_batch_finds_its_existing_rows_across_lookup_chunks(app):
    """SQLite looks keys up LOOKUP_CHUNK at a time: rows in the first, a middle and the last
    chunk of a batch (in key order) are found, with their diff; the others are new."""
    from backoffice.services.imports.plan import LOOKUP_CHUNK, Planner
    from tests.support.factories import add_product

    count = 2 * LOOKUP_CHUNK + 200
    skus = [f"K-{i:05d}" for i in range(count)]
    existing = {skus[0]: "5", skus[LOOKUP_CHUNK + 7]: "9", skus[-1]: "10"}  # stock 10 kept
    for sku in existing:
        add_product(app, sku=sku, stock=10)
    headers = ["SKU", "Name", "Category", "Price", "Stock"]
    lines = [[sku, f"Item {sku}", "home", "19.99", existing.get(sku, "3")] for sku in skus]
    with app.test_request_context():
        mapping = auto_mapping("product", headers)
        checker = RowChecker(check_mapping("product", mapping, headers), mapping, headers)
        planner = Planner(checker)
        classified = planner.classify(planner.check(list(enumerate(lines, start=2))))
    by_key = {c.row.key: c for c in classified}
    assert by_key[skus[0]].cls == "update"
    assert by_key[skus[0]].diff["stock"] == [10, 5]
    assert by_key[skus[LOOKUP_CHUNK + 7]].diff["stock"] == [10, 9]
    assert by_key[skus[-1]].diff == {"name": ["Desk Lamp", f"Item {skus[-1]}"]}
    assert sum(c.cls == "new" for c in classified) == count - 3
