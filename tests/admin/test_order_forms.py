"""The order admin: create through place_order, edit through the status machine."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import Order, OrderItem, Product
from backoffice.services.order_status import change_status
from tests.support.factories import add_product
from tests.support.http import csrf_token
from tests.support.orders import place


def submit(client, url, data, **kw):
    return client.post(url, data=dict(data, csrf_token=csrf_token(client)), **kw)


@pytest.fixture
def goods(app):
    return {
        "lamp": add_product(app, sku="LAMP", name="Lamp", price=Decimal("19.99"), stock=10),
        "mug": add_product(app, sku="MUG", name="Mug", price=Decimal("4.50"), stock=3),
        "pen": add_product(app, sku="PEN", name="Pen", price=Decimal("2.00"), is_available=False),
    }


def new_order(users, *lines, **extra):
    data = {"user": str(users["customer"]), "shipping_address": "1 High Street"}
    for n, (product, quantity) in enumerate(lines):
        data[f"items-{n}-product"] = str(product)
        data[f"items-{n}-quantity"] = str(quantity)
    data.update(extra)
    return data


def snapshot(app):
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Order)),
            db.session.scalar(select(func.count()).select_from(OrderItem)),
            dict(db.session.execute(select(Product.sku, Product.stock)).all()),
        )


def test_create_places_the_order_and_takes_stock(app, staff_client, users, goods):
    data = new_order(users, (goods["lamp"], 2), (goods["mug"], 3), status="paid")
    response = submit(staff_client, "/admin/order/new/", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        order = db.session.scalar(select(Order))
        assert (order.status, order.total) == ("pending", Decimal("53.48"))  # status ignored
    assert snapshot(app)[2] == {"LAMP": 8, "MUG": 0, "PEN": 10}


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([("lamp", 11)], "Only 10 of Lamp left in stock."),
        ([("lamp", 1), ("mug", 4)], "Only 3 of Mug left in stock."),
        ([("pen", 1)], "Pen is not available for sale."),
        ([("lamp", 1), ("lamp", 2)], "This product is already on line 1"),
        ([], "Add at least one item."),
    ],
    ids=["short", "second-line-short", "unavailable", "duplicate", "empty"],
)
def test_create_refusals_are_form_errors_and_save_nothing(
    app, staff_client, users, goods, lines, message
):
    before = snapshot(app)
    data = new_order(users, *((goods[p], q) for p, q in lines))
    response = submit(staff_client, "/admin/order/new/", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert "Nothing was saved." in page
    assert snapshot(app) == before


def placed(app, users, goods, status="pending") -> int:
    return place(app, users["customer"], [(goods["lamp"], 4)], status)


def order_state(app, oid):
    with app.app_context():
        order = db.session.get(Order, oid)
        stock = db.session.scalar(select(Product.stock).where(Product.sku == "LAMP"))
        return order.status, order.shipping_address, stock


def test_edit_page_shows_items_read_only_and_the_legal_moves(app, staff_client, users, goods):
    oid = placed(app, users, goods)
    page = staff_client.get(f"/admin/order/edit/?id={oid}").get_data(as_text=True)
    assert "Lamp (LAMP)" in page
    assert "79.96" in page
    assert "Can move to: paid or cancelled." in page
    assert 'name="items-0-quantity"' not in page


def test_edit_cancel_returns_the_stock(app, staff_client, users, goods):
    oid = placed(app, users, goods, "paid")
    assert order_state(app, oid) == ("paid", "1 High Street", 6)
    data = {"status": "cancelled", "shipping_address": "2 Low Street"}
    assert submit(staff_client, f"/admin/order/edit/?id={oid}", data).status_code == 302
    assert order_state(app, oid) == ("cancelled", "2 Low Street", 10)


@pytest.mark.parametrize(
    ("status", "target", "message"),
    [
        ("pending", "shipped", "Refused: pending orders must be paid first."),
        ("shipped", "cancelled", "Refused: shipped orders cannot be cancelled."),
        ("shipped", "teleported", "Not a valid choice"),
    ],
)
def test_edit_illegal_move_is_a_form_error(
    app, staff_client, users, goods, status, target, message
):
    oid = placed(app, users, goods, status)
    before = order_state(app, oid)
    data = {"status": target, "shipping_address": "2 Low Street"}
    response = submit(staff_client, f"/admin/order/edit/?id={oid}", data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert order_state(app, oid) == before


def test_edit_with_blank_address_changes_nothing(app, staff_client, users, goods):
    oid = placed(app, users, goods)
    response = submit(
        staff_client, f"/admin/order/edit/?id={oid}", {"status": "paid", "shipping_address": " "}
    )
    assert "Enter the shipping address." in response.get_data(as_text=True)
    assert order_state(app, oid) == ("pending", "1 High Street", 6)


def test_open_orders_cannot_be_deleted_until_cancelled(app, admin_client, users, goods):
    oid = placed(app, users, goods, "paid")
    response = submit(admin_client, "/admin/order/delete/", {"id": oid}, follow_redirects=True)
    assert "cancel it first, which returns its stock" in response.get_data(as_text=True)
    assert snapshot(app)[0] == 1
    with app.app_context():
        change_status(oid, "cancelled")
        db.session.commit()
    assert submit(admin_client, "/admin/order/delete/", {"id": oid}).status_code == 302
    assert snapshot(app)[:2] == (0, 0)
    assert snapshot(app)[2]["LAMP"] == 10
