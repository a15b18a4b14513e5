"""``/api/v1/customers`` and ``/api/v1/orders`` (reading): customers and their orders."""

from __future__ import annotations

import marshmallow as ma
from flask import Response, current_app
from flask_smorest import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from backoffice.api.auth import requires
from backoffice.api.common import PageArgs, api_blueprint, keyset_page, money_filter, page_schema
from backoffice.api.schemas import CustomerSchema, OrderSchema
from backoffice.extensions import db
from backoffice.models import ORDER_STATUSES, Order, OrderItem, Product, User
from backoffice.ranges import INT4
from backoffice.services.users import customers as customer_query

ID = f"int(max={INT4[1]})"
MAX_TOTAL = 10**10  # orders.total is NUMERIC(12, 2)
#: The order columns an answer shows (``OrderSchema``), read for pages.
ORDER_COLUMNS = (
    "id", "user_id", "status", "total", "shipping_address", "carrier", "tracking_number",
    "created_at", "updated_at",
)  # fmt: skip

customers = api_blueprint("customers", "/customers", "Customers: read-only, no secrets.")
orders = api_blueprint("orders", "/orders", "Orders: list, get, place, move through statuses.")


def _customers():
    return customer_query().options(selectinload(User.profile))


@customers.route("", methods=["GET"])
@customers.arguments(PageArgs, location="query")
@customers.response(200, page_schema(CustomerSchema, "CustomerPage"))
@requires("customers:read")
def list_customers(args):
    """Customers (accounts without a staff role) in id order; erased ones say so."""
    return keyset_page(_customers(), User.id, args)


@customers.route(f"/<{ID}:customer_id>", methods=["GET"])
@customers.response(200, CustomerSchema)
@requires("customers:read")
def get_customer(customer_id):
    """One customer."""
    user = db.session.scalars(_customers().where(User.id == customer_id)).first()
    if user is None:
        abort(404, message="No such customer.")
    return user


class OrderArgs(PageArgs):
    """The order list's filters: status, customer, placed between, total between."""

    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(ORDER_STATUSES))
    customer_id = ma.fields.Integer(load_default=None, validate=ma.validate.Range(1, INT4[1]))
    placed_since = ma.fields.AwareDateTime(load_default=None)
    placed_before = ma.fields.AwareDateTime(load_default=None)
    min_total = money_filter(MAX_TOTAL)
    max_total = money_filter(MAX_TOTAL)


def order_query():
    """Orders with their items and the items' SKUs loaded (no query per row).

    Items come in one more query, with their product's SKU joined: an answer shows no
    other product column, so no other is read (a page of 100 orders holds ~250 items).
    """
    return select(Order).options(
        selectinload(Order.items).joinedload(OrderItem.product).load_only(Product.sku)
    )


def get_order_or_404(order_id: int) -> Order:
    """The order ``order_id``, or a 404 problem."""
    order = db.session.scalars(order_query().where(Order.id == order_id)).first()
    if order is None:
        abort(404, message="No such order.")
    return order


def _money(value) -> str:
    """An amount as ``OrderSchema``'s ``Money`` writes it: two decimals, as a string."""
    return format(value, ".2f")


def _moment(value) -> str | None:
    """A timestamp as marshmallow's ``DateTime`` writes it (ISO 8601), or None."""
    return None if value is None else value.isoformat()


def _page_orders(rows) -> list[dict]:
    """A page's order rows as ``OrderSchema`` writes them, each with its items.

    Written here rather than by marshmallow: a page of 100 orders holds ~250 items, and
    the nested dump of the schema took a third of the answer's time. The fields, names
    and formats are the schema's (a test compares every order of a page with its answer
    by id, which the schema writes).
    """
    orders = [
        {
            "id": row.id,
            "customer_id": row.user_id,
            "status": row.status,
            "total": _money(row.total),
            "shipping_address": row.shipping_address,
            "carrier": row.carrier,
            "tracking_number": row.tracking_number,
            "items": [],
            "created_at": _moment(row.created_at),
            "updated_at": _moment(row.updated_at),
        }
        for row in rows
    ]
    by_id = {order["id"]: order["items"] for order in orders}
    if by_id:
        items = select(
            OrderItem.order_id, OrderItem.product_id, Product.sku, OrderItem.quantity,
            OrderItem.unit_price,
        ).join(Product, Product.id == OrderItem.product_id)  # fmt: skip
        query = items.where(OrderItem.order_id.in_(by_id)).order_by(OrderItem.id)
        rows = db.session.connection().execute(query)  # plain rows: no ORM row loading
        for order_id, product_id, sku, quantity, unit_price in rows:
            by_id[order_id].append(
                {
                    "product_id": product_id,
                    "sku": sku,
                    "quantity": quantity,
                    "unit_price": _money(unit_price),
                }
            )
    return orders


def order_page(args: dict, *conditions) -> Response:
    """A page of the orders that meet ``conditions``, with their items, as the answer.

    Read as rows, not ORM objects (building and tracking an object per item was half
    the answer's time), and written as JSON without the schema's dump (a third of what
    was left): the view's ``@response(…, page_schema(OrderSchema, …))`` still documents
    it, and flask-smorest sends a ``Response`` a view returns as it is.
    """
    query = select(*(getattr(Order, name) for name in ORDER_COLUMNS)).where(*conditions)
    return current_app.json.response(keyset_page(query, Order.id, args, rows_of=_page_orders))


@orders.route("", methods=["GET"])
@orders.arguments(OrderArgs, location="query")
@orders.response(200, page_schema(OrderSchema, "OrderPage"))
@requires("orders:read")
def list_orders(args):
    """Orders in id order (the order they were placed), filtered, with their items."""
    conditions = []
    if args["status"] is not None:
        conditions.append(Order.status == args["status"])
    if args["customer_id"] is not None:
        conditions.append(Order.user_id == args["customer_id"])
    if args["placed_since"] is not None:
        conditions.append(Order.created_at >= args["placed_since"])
    if args["placed_before"] is not None:
        conditions.append(Order.created_at < args["placed_before"])
    if args["min_total"] is not None:
        conditions.append(Order.total >= args["min_total"])
    if args["max_total"] is not None:
        conditions.append(Order.total <= args["max_total"])
    return order_page(args, *conditions)


@orders.route(f"/<{ID}:order_id>", methods=["GET"])
@orders.response(200, OrderSchema)
@requires("orders:read")
def get_order(order_id):
    """One order with its items."""
    return get_order_or_404(order_id)
