"""A row whose stock moved between its classification and its write is left alone whole.

The concurrent change is made from another connection, committed between the batch's
classification and its write: the moment a sale can slip in during a real import.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select, text

from backoffice.extensions import db
from backoffice.models import Product
from backoffice.services.catalog_bulk import STOCK_MOVED
from backoffice.services.imports.apply import write_batch
from backoffice.services.imports.fields import auto_mapping, check_mapping
from backoffice.services.imports.plan import Planner
from backoffice.services.imports.rows import RowChecker
from tests.support.factories import add_product


def classify(kind, headers, lines, mode="set"):
    mapping = auto_mapping(kind, headers)
    target = check_mapping(kind, mapping, headers)
    planner = Planner(RowChecker(target, mapping, headers), stock_only=kind == "stock", mode=mode)
    return target, planner.classify(planner.check(list(enumerate(lines, start=2))))


def sold_meanwhile(sku: str, units: int) -> None:
    """An order taking ``units`` of ``sku``, committed by another connection."""
    with db.engine.connect() as other:
        taken = text("UPDATE products SET stock = stock - :n WHERE sku = :sku")
        other.execute(taken, {"n": units, "sku": sku})
        other.commit()


def rows() -> dict:
    query = select(Product.sku, Product.name, Product.price, Product.stock)
    return {sku: (name, price, stock) for sku, name, price, stock in db.session.execute(query)}


def test_a_row_whose_stock_moved_is_not_written_at_all_and_is_reported(app):
    add_product(app, sku="SOLD", name="Old lamp", price=Decimal("5.00"), stock=5)
    add_product(app, sku="CALM", name="Old mug", price=Decimal("2.00"), stock=5)
    with app.app_context():
        target, batch = classify("product", ["SKU", "Name", "Price", "Qty"], [
            ["SOLD", "New lamp", "6", "50"], ["CALM", "New mug", "3", "50"],
        ])  # fmt: skip
        assert [c.cls for c in batch] == ["update", "update"]
        sold_meanwhile("SOLD", 1)
        written = write_batch(target, batch)
        db.session.commit()
        assert written.counts == {"updated": 1, f"conflict: {STOCK_MOVED}": 1}
        assert written.conflicts == [{"line": 2, "key": "SOLD", "reason": STOCK_MOVED}]
        # Not half-written: the name and price stay with the stock the sale left.
        assert rows() == {
            "SOLD": ("Old lamp", Decimal("5.00"), 4), "CALM": ("New mug", Decimal("3.00"), 50),
        }  # fmt: skip


def test_a_row_without_a_stock_change_is_written_whatever_the_stock_does(app):
    add_product(app, sku="SOLD", name="Old lamp", stock=5)
    with app.app_context():
        target, batch = classify("product", ["SKU", "Name"], [["SOLD", "New lamp"]])
        sold_meanwhile("SOLD", 1)
        assert write_batch(target, batch).counts == {"updated": 1}
        db.session.commit()
        assert rows()["SOLD"][0::2] == ("New lamp", 4)


def test_add_mode_counts_a_sale_made_meanwhile_and_refuses_an_overflow(app):
    add_product(app, sku="SOLD", stock=5)
    add_product(app, sku="FULL", stock=2_147_483_640)
    with app.app_context():
        target, batch = classify("stock", ["SKU", "Qty"], [["SOLD", "3"], ["FULL", "5"]], "add")
        assert [c.cls for c in batch] == ["update", "update"]
        sold_meanwhile("SOLD", 1)
        with db.engine.connect() as other:  # a delivery booked meanwhile
            other.execute(text("UPDATE products SET stock = stock + 5 WHERE sku = 'FULL'"))
            other.commit()
        written = write_batch(target, batch, mode="add")
        db.session.commit()
        reason = "stock would exceed 2,147,483,647"
        assert written.counts == {"updated": 1, f"conflict: {reason}": 1}
        assert written.conflicts == [{"line": 3, "key": "FULL", "reason": reason}]
        assert {sku: stock for sku, (_, _, stock) in rows().items()} == {
            "SOLD": 7, "FULL": 2_147_483_645,
        }  # fmt: skip


def test_a_new_row_created_by_someone_else_meanwhile_is_skipped_not_overwritten(app):
    with app.app_context():
        target, batch = classify("product", ["SKU", "Name", "Price"], [
            ["RACE", "From the file", "3"], ["MINE", "Mine", "4.5"],
        ])  # fmt: skip
        assert [c.cls for c in batch] == ["new", "new"]
        with db.engine.connect() as other:
            other.execute(
                text(
                    "INSERT INTO products (sku, name, name_key, category, price, stock,"
                    " is_available, created_at, updated_at) VALUES ('RACE', 'Theirs', 'theirs',"
                    " 'home', 9, 1, true, '2026-01-01', '2026-01-01')"
                )
            )
            other.commit()
        written = write_batch(target, batch)
        db.session.commit()
        assert written.counts == {"created": 1, "skipped: created by someone else meanwhile": 1}
        assert rows() == {
            "RACE": ("Theirs", Decimal("9.00"), 1),
            "MINE": ("Mine", Decimal("4.50"), 0),
        }
        mine = db.session.scalars(select(Product).where(Product.sku == "MINE")).one()
        assert (mine.name_key, mine.category, mine.is_available) == ("mine", "general", True)
        assert mine.created_at.tzinfo is not None
        assert mine.created_at == mine.updated_at
