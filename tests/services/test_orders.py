"""Placing orders through the service: prices, totals, stock, and every refusal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import Order, OrderItem, Product
from backoffice.services.orders import MAX_LINES, OrderError, place_order
from tests.support.factories import add_product


@pytest.fixture
def shop(app, users):
    """A customer and three products: lamp (10 in stock), mug (3), an unavailable pen."""
    return {
        "customer": users["customer"],
        "lamp": add_product(app, sku="LAMP", name="Lamp", price=Decimal("19.99"), stock=10),
        "mug": add_product(app, sku="MUG", name="Mug", price=Decimal("4.50"), stock=3),
        "pen": add_product(app, sku="PEN", name="Pen", price=Decimal("2.00"), is_available=False),
    }


def stock(app) -> dict[str, int]:
    with app.app_context():
        return dict(db.session.execute(select(Product.sku, Product.stock)).all())


def counts(app) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Order)),
            db.session.scalar(select(func.count()).select_from(OrderItem)),
        )


def test_happy_path_prices_from_products_and_stock_taken(app, shop):
    placed_at = dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.UTC)
    with app.app_context():
        order = place_order(
            shop["customer"],
            [(shop["lamp"], 2), (shop["mug"], 3)],
            "  1 High Street  ",
            created_at=placed_at,
        )
        db.session.commit()
        oid = order.id
    with app.app_context():
        order = db.session.get(Order, oid)
        assert order.status == "pending"
        assert order.total == Decimal("53.48")
        assert isinstance(order.total, Decimal)
        assert order.shipping_address == "1 High Street"
        assert order.created_at == placed_at
        assert sorted((i.product_id, i.quantity, i.unit_price) for i in order.items) == sorted(
            [(shop["lamp"], 2, Decimal("19.99")), (shop["mug"], 3, Decimal("4.50"))]
        )
    assert stock(app) == {"LAMP": 8, "MUG": 0, "PEN": 10}


def test_price_is_the_one_at_placement(app, shop):
    with app.app_context():
        oid = place_order(shop["customer"], [(shop["lamp"], 1)], "1 High Street").id
        db.session.get(Product, shop["lamp"]).price = Decimal("99.00")
        db.session.commit()
    with app.app_context():
        order = db.session.get(Order, oid)
        assert (order.items[0].unit_price, order.total) == (Decimal("19.99"), Decimal("19.99"))


REFUSALS = [
    ("unknown customer", {"user": 999_999}, "errors", "user", "Choose an existing customer."),
    ("blank address", {"address": "   "}, "errors", "shipping_address", "Enter the shipping"),
    ("long address", {"address": "x" * 1001}, "errors", "shipping_address", "under 1,000"),
    ("no lines", {"lines": []}, "errors", "items", "Add at least one item."),
    ("too many lines", {"lines": "many"}, "errors", "items", f"at most {MAX_LINES} lines"),
    ("quantity 0", {"lines": [("lamp", 0)]}, 0, "quantity", "between 1 and 10,000"),
    ("negative", {"lines": [("lamp", -1)]}, 0, "quantity", "between 1 and 10,000"),
    ("too many", {"lines": [("lamp", 10_001)]}, 0, "quantity", "between 1 and 10,000"),
    ("not a number", {"lines": [("lamp", "2")]}, 0, "quantity", "between 1 and 10,000"),
    ("no product", {"lines": [(None, 1)]}, 0, "product", "Choose a product."),
    ("unknown product", {"lines": [(999_999, 1)]}, 0, "product", "does not exist"),
    ("unavailable", {"lines": [("pen", 1)]}, 0, "product", "Pen is not available for sale."),
    ("short stock", {"lines": [("lamp", 11)]}, 0, "quantity", "Only 10 of Lamp left"),
    ("duplicate", {"lines": [("lamp", 1), ("lamp", 2)]}, 1, "product", "already on line 1"),
    ("second line short", {"lines": [("lamp", 2), ("mug", 4)]}, 1, "quantity", "Only 3 of Mug"),
]


@pytest.mark.parametrize(
    ("case", "where", "field", "message"),
    [(r[1], r[2], r[3], r[4]) for r in REFUSALS],
    ids=[r[0] for r in REFUSALS],
)
def test_each_refusal_names_the_problem_and_changes_nothing(app, shop, case, where, field, message):
    before_stock, before_counts = stock(app), counts(app)
    lines = case.get("lines", [("lamp", 1)])
    if lines == "many":
        lines = [(n, 1) for n in range(MAX_LINES + 1)]
    else:
        lines = [(shop.get(p, p) if isinstance(p, str) else p, q) for p, q in lines]
    with app.app_context(), pytest.raises(OrderError) as caught:
        place_order(case.get("user", shop["customer"]), lines, case.get("address", "1 High Street"))
    errors = caught.value.errors if where == "errors" else caught.value.line_errors[where]
    assert message in errors[field]
    assert message in str(caught.value)
    assert stock(app) == before_stock
    assert counts(app) == before_counts


def test_sold_out_product(app, shop):
    with app.app_context():
        place_order(shop["customer"], [(shop["mug"], 3)], "1 High Street")
        db.session.commit()
    with app.app_context(), pytest.raises(OrderError) as caught:
        place_order(shop["customer"], [(shop["lamp"], 1), (shop["mug"], 1)], "1 High Street")
    assert caught.value.line_errors == {1: {"quantity": "Mug is out of stock."}}
    assert stock(app) == {"LAMP": 10, "MUG": 0, "PEN": 10}
    assert counts(app) == (1, 1)


def test_every_problem_is_reported_at_once(app, shop):
    with app.app_context(), pytest.raises(OrderError) as caught:
        place_order(999_999, [(shop["pen"], 1), (shop["lamp"], 0), (shop["mug"], 9)], "")
    exc = caught.value
    assert set(exc.errors) == {"user", "shipping_address"}
    assert set(exc.line_errors) == {0, 1, 2}
    assert exc.messages()[-1].startswith("Line 3: ")


def test_total_beyond_the_column_is_refused(app, shop):
    big = add_product(app, sku="YACHT", price=Decimal("99999999.99"), stock=1000)
    with app.app_context(), pytest.raises(OrderError) as caught:
        place_order(shop["customer"], [(big, 1000)], "1 High Street")
    assert "too large" in caught.value.errors["items"]
    assert stock(app)["YACHT"] == 1000
    assert counts(app) == (0, 0)


def test_the_caller_owns_the_transaction(app, shop):
    with app.app_context():
        place_order(shop["customer"], [(shop["lamp"], 1)], "1 High Street")
        db.session.rollback()
    assert counts(app) == (0, 0)
    assert stock(app)["LAMP"] == 10
