"""The status machine: every legal move, every illegal one with its reason, restocking."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import ORDER_STATUSES, Order, Product
from backoffice.services.order_status import (
    TRANSITIONS,
    change_status,
    refusal,
    transition_orders,
)
from backoffice.services.orders import OrderError, place_order
from tests.support.factories import add_product
from tests.support.orders import place

LEGAL = [(a, b) for a in ORDER_STATUSES for b in TRANSITIONS[a]]
ILLEGAL = [(a, b) for a in ORDER_STATUSES for b in ORDER_STATUSES if b not in TRANSITIONS[a]]
REASONS = {
    ("pending", "pending"): "already pending",
    ("pending", "shipped"): "pending orders must be paid first",
    ("pending", "delivered"): "pending orders must be paid first",
    ("paid", "pending"): "paid orders cannot go back to pending",
    ("paid", "paid"): "already paid",
    ("paid", "delivered"): "paid orders must be shipped first",
    ("shipped", "pending"): "shipped orders cannot go back to pending",
    ("shipped", "paid"): "shipped orders cannot go back to paid",
    ("shipped", "shipped"): "already shipped",
    ("shipped", "cancelled"): "shipped orders cannot be cancelled",
    ("delivered", "pending"): "delivered orders cannot go back to pending",
    ("delivered", "paid"): "delivered orders cannot go back to paid",
    ("delivered", "shipped"): "delivered orders cannot go back to shipped",
    ("delivered", "delivered"): "already delivered",
    ("delivered", "cancelled"): "delivered orders cannot be cancelled",
    ("cancelled", "pending"): "cancelled orders cannot be reopened",
    ("cancelled", "paid"): "cancelled orders cannot be paid",
    ("cancelled", "shipped"): "cancelled orders cannot be shipped",
    ("cancelled", "delivered"): "cancelled orders cannot be delivered",
    ("cancelled", "cancelled"): "already cancelled",
}


@pytest.fixture
def product(app):
    return add_product(app, sku="LAMP", price=Decimal("10.00"), stock=10)


def order_in(app, customer, product, status, quantity=2) -> int:
    return place(app, customer, [(product, quantity)], status)


def state(app, oid, product) -> tuple[str, int]:
    with app.app_context():
        return (
            db.session.scalar(select(Order.status).where(Order.id == oid)),
            db.session.scalar(select(Product.stock).where(Product.id == product)),
        )


def test_the_table_of_reasons_covers_every_illegal_move():
    assert sorted(REASONS) == sorted(ILLEGAL)
    assert all(refusal(a, b) is None for a, b in LEGAL)


@pytest.mark.parametrize(("current", "target"), LEGAL)
def test_legal_moves(app, users, product, current, target):
    oid = order_in(app, users["customer"], product, current)
    with app.app_context():
        change_status(oid, target)
        db.session.commit()
    expected_stock = 10 if target == "cancelled" else 8  # cancelling returns the 2 units
    assert state(app, oid, product) == (target, expected_stock)


@pytest.mark.parametrize(("current", "target"), ILLEGAL)
def test_illegal_moves_are_refused_with_the_reason(app, users, product, current, target):
    oid = order_in(app, users["customer"], product, current)
    before = state(app, oid, product)
    with app.app_context(), pytest.raises(OrderError) as caught:
        change_status(oid, target)
    assert caught.value.errors["status"] == f"Refused: {REASONS[(current, target)]}."
    assert state(app, oid, product) == before


def test_unknown_order_and_unknown_status(app, users, product):
    with app.app_context(), pytest.raises(OrderError, match="does not exist"):
        change_status(999_999, "paid")
    oid = order_in(app, users["customer"], product, "pending")
    with app.app_context(), pytest.raises(OrderError, match="not an order status"):
        change_status(oid, "teleported")


def test_cancelling_twice_restocks_once(app, users, product):
    oid = order_in(app, users["customer"], product, "paid", quantity=4)
    assert state(app, oid, product) == ("paid", 6)
    with app.app_context():
        change_status(oid, "cancelled")
        db.session.commit()
    with app.app_context(), pytest.raises(OrderError):
        change_status(oid, "cancelled")
    assert state(app, oid, product) == ("cancelled", 10)


def test_set_based_cancel_restocks_every_item_of_open_orders_only(app, users, product):
    mug = add_product(app, sku="MUG", price=Decimal("3.00"), stock=20)
    customer = users["customer"]
    with app.app_context():
        place_order(customer, [(product, 1), (mug, 5)], "1 High Street")
        b = place_order(customer, [(product, 2), (mug, 1)], "1 High Street").id
        change_status(b, "paid")
        db.session.commit()
    place(app, customer, [(product, 3)], "shipped")
    with app.app_context():
        outcome = transition_orders(select(Order.id), "cancelled")
        db.session.commit()
        assert outcome.changed == 2
        assert outcome.skipped == {"shipped orders cannot be cancelled": 1}
        stocks = dict(db.session.execute(select(Product.sku, Product.stock)).all())
    # Only c's 3 lamps stay sold; a's and b's items are all back.
    assert stocks == {"LAMP": 7, "MUG": 20}
