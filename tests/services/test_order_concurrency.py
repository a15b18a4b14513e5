"""Concurrent placements never oversell (PostgreSQL, real threads, one session each)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import Order, OrderItem, Product
from backoffice.services.orders import OrderError, place_order
from tests.support.factories import add_product

# Enough connections for every thread to hold one at the same time.
POOL = {"pool_size": 25, "max_overflow": 0, "pool_pre_ping": True}


def race(app, buyers: list[list[tuple[int, int]]], customer: int) -> list[tuple[str, object]]:
    """Run one placement per buyer, all released at once; ("ok"|"refused"|"error", detail)."""
    start = threading.Barrier(len(buyers))
    results: list[tuple[str, object]] = []

    def buy(lines):
        with app.app_context():
            start.wait()
            try:
                order_id = place_order(customer, lines, "1 High Street").id
                db.session.commit()
                results.append(("ok", order_id))
            except OrderError as exc:
                results.append(("refused", exc.messages()))
            except Exception as exc:  # anything else is a bug the test must show
                results.append(("error", repr(exc)))

    threads = [threading.Thread(target=buy, args=(lines,)) for lines in buyers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a buyer hung (deadlock?)"
    return results


def totals(app, product: int) -> tuple[int, int, int]:
    """(stock left, orders placed, units sold) for ``product``."""
    with app.app_context():
        return (
            db.session.scalar(select(Product.stock).where(Product.id == product)),
            db.session.scalar(select(func.count()).select_from(Order)),
            db.session.scalar(
                select(func.coalesce(func.sum(OrderItem.quantity), 0)).where(
                    OrderItem.product_id == product
                )
            ),
        )


def kinds(results) -> dict[str, int]:
    return {k: sum(1 for r in results if r[0] == k) for k in ("ok", "refused", "error")}


@pytest.mark.config(SQLALCHEMY_ENGINE_OPTIONS=POOL)
@pytest.mark.parametrize(
    ("buyers", "quantity", "winners", "left"),
    [(20, 1, 5, 0), (12, 2, 2, 1)],
    ids=["1each", "2each"],
)
def test_buyers_race_for_the_last_five_units(
    app, users, is_postgres, buyers, quantity, winners, left
):
    if not is_postgres:
        pytest.skip(
            "needs PostgreSQL: SQLite lets one writer in at a time, so threads there test "
            "its file lock, not our UPDATE (see test_sequential_buyers_on_any_database)"
        )
    product = add_product(app, sku="LAST", stock=5)
    results = race(app, [[(product, quantity)]] * buyers, users["customer"])
    assert kinds(results) == {"ok": winners, "refused": buyers - winners, "error": 0}, results
    assert totals(app, product) == (left, winners, winners * quantity)
    for kind, messages in results:
        if kind == "refused":
            assert any("stock" in m for m in messages), messages


@pytest.mark.config(SQLALCHEMY_ENGINE_OPTIONS=POOL)
def test_orders_taking_the_same_products_in_opposite_order_do_not_deadlock(app, users, is_postgres):
    if not is_postgres:
        pytest.skip("needs PostgreSQL: row locks and deadlocks do not exist on SQLite")
    a = add_product(app, sku="A", stock=100)
    b = add_product(app, sku="B", stock=100)
    buyers = [[(a, 1), (b, 1)], [(b, 1), (a, 1)]] * 8
    results = race(app, buyers, users["customer"])
    assert kinds(results) == {"ok": 16, "refused": 0, "error": 0}, results
    assert totals(app, a)[0] == totals(app, b)[0] == 84


def test_sequential_buyers_on_any_database(app, users):
    # The weaker variant that runs everywhere: exactly the stock is sold, then clean refusals.
    product = add_product(app, sku="LAST", stock=5)
    for _ in range(5):
        with app.app_context():
            place_order(users["customer"], [(product, 1)], "1 High Street")
            db.session.commit()
    for _ in range(15):
        with app.app_context(), pytest.raises(OrderError) as caught:
            place_order(users["customer"], [(product, 1)], "1 High Street")
        assert caught.value.line_errors == {0: {"quantity": "Desk Lamp is out of stock."}}
    assert totals(app, product) == (0, 5, 5)
