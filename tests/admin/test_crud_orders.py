"""Create and edit orders through the admin, with good and bad input."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import Order
from tests.admin.crud_helpers import count, errors_in, submit

# -- orders -----------------------------------------------------------------------------


def test_create_order_with_inline_items_prices_from_products(app, staff_client, users):
    from tests.support.factories import add_product

    lamp = add_product(app, sku="LAMP", price=Decimal("19.99"))
    mug = add_product(app, sku="MUG", price=Decimal("4.50"))
    data = {
        "user": str(users["customer"]),
        "status": "pending",
        "shipping_address": "1 High Street",
        "items-0-product": str(lamp),
        "items-0-quantity": "2",
        "items-1-product": str(mug),
        "items-1-quantity": "3",
    }
    response = submit(staff_client, "/admin/order/new/", data)
    assert response.status_code == 302, errors_in(response)
    with app.app_context():
        order = db.session.scalar(select(Order))
        assert order.total == Decimal("53.48")
        assert sorted((i.quantity, i.unit_price) for i in order.items) == [
            (2, Decimal("19.99")),
            (3, Decimal("4.50")),
        ]


def test_order_edit_cannot_change_items_or_total(app, staff_client, users, catalog):
    # Items are fixed once placed (cancel and re-place instead); the total is derived.
    oid = catalog["order"]
    with app.app_context():
        item = db.session.get(Order, oid).items[0]
        data = {
            "status": "pending",
            "shipping_address": "2 Low Street",
            "total": "0.01",
            "items-0-id": str(item.id),
            "items-0-product": str(item.product_id),
            "items-0-quantity": "5",
        }
    assert submit(staff_client, f"/admin/order/edit/?id={oid}", data).status_code == 302
    with app.app_context():
        order = db.session.get(Order, oid)
        assert order.shipping_address == "2 Low Street"
        assert order.total == Decimal("39.98")
        assert [i.quantity for i in order.items] == [2]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"items-0-quantity": "0"}, "Quantity must be between 1 and 10,000."),
        ({"items-0-quantity": "-4"}, "Quantity must be between 1 and 10,000."),
        ({"user": ""}, "Choose the customer."),
        ({"shipping_address": "   "}, "Enter the shipping address."),
    ],
)
def test_bad_order_input(app, staff_client, users, catalog, changes, message):
    data = {
        "user": str(users["customer"]),
        "status": "pending",
        "shipping_address": "1 High Street",
        "items-0-product": str(catalog["product"]),
        "items-0-quantity": "1",
    }
    response = submit(staff_client, "/admin/order/new/", dict(data, **changes))
    assert response.status_code == 200
    assert message in errors_in(response)
    assert count(app, Order) == 1


def test_order_list_filters(app, admin_client, users, catalog):
    from tests.support.factories import add_order

    add_order(app, users["staff"], [(catalog["product"], 1)], status="paid")
    page = admin_client.get("/admin/order/?flt0_status_equals=paid").get_data(as_text=True)
    assert "staff@example.com" in page
    assert "customer@example.com" not in page
    page = admin_client.get("/admin/order/?search=customer@").get_data(as_text=True)
    assert "customer@example.com" in page
    assert "staff@example.com" not in page
