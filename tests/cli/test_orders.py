"""``python manage.py place-order``: the same service as the admin form."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import Order, Product
from tests.support.factories import add_product


def run(app, *args):
    return app.test_cli_runner().invoke(args=["place-order", *args])


def test_place_order_by_sku(app, users):
    add_product(app, sku="LAMP-01", price=Decimal("19.99"), stock=5)
    add_product(app, sku="MUG", price=Decimal("4.50"), stock=5)
    result = run(
        app,
        "Customer@Example.com",
        "--item",
        "lamp-01:2",
        "--item",
        "MUG:1",
        "--address",
        "1 High St",
    )
    assert result.exit_code == 0, result.output
    assert "placed: 2 line(s), total 44.48." in result.output
    with app.app_context():
        order = db.session.scalar(select(Order))
        assert (order.user_id, order.total, order.status) == (
            users["customer"],
            Decimal("44.48"),
            "pending",
        )
        assert db.session.scalar(select(Product.stock).where(Product.sku == "LAMP-01")) == 3


def test_refusals_print_every_message_and_change_nothing(app, users):
    add_product(app, sku="LAMP", stock=1)
    result = run(app, "customer@example.com", "--item", "LAMP:2", "--address", " ")
    assert result.exit_code == 1
    assert "Error: Enter the shipping address." in result.output
    assert "\nLine 1: Only 1 of Desk Lamp left in stock." in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Order)) == 0
        assert db.session.scalar(select(Product.stock)) == 1


def test_bad_arguments(app, users):
    add_product(app, sku="LAMP", stock=1)
    result = run(app, "nobody@example.com", "--item", "LAMP:1", "--address", "x")
    assert result.exit_code == 1  # a refusal, as for every command naming a user
    assert "Error: No user with the address nobody@example.com." in result.output
    result = run(app, "customer@example.com", "--item", "LAMP", "--address", "x")
    assert result.exit_code == 2  # the command line cannot be read: a usage error
    assert "is not SKU:QUANTITY" in result.output
    result = run(app, "customer@example.com", "--item", "NOPE:1", "--address", "x")
    assert result.exit_code == 1
    assert "no product with SKU NOPE" in result.output


def test_a_malformed_address_is_refused_with_its_field(app, users):
    add_product(app, sku="LAMP", stock=1)
    result = run(app, "not an address", "--item", "LAMP:1", "--address", "x")
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Error: email: " in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Order)) == 0
