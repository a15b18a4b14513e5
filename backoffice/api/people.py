"""``/api/v1/customers`` and ``/api/v1/orders`` (reading): customers and their orders."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from backoffice.api.auth import requires
from backoffice.api.common import PageArgs, api_blueprint, keyset_page, money_filter, page_schema
from backoffice.api.schemas import CustomerSchema, OrderSchema
from backoffice.extensions import db
from backoffice.models import ORDER_STATUSES, Order, OrderItem, User
from backoffice.ranges import INT4
from backoffice.services.users import customers as customer_query

ID = f"int(max={INT4[1]})"
MAX_TOTAL = 10**10  # orders.total is NUMERIC(12, 2)

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
    """Orders with their items and the items' products loaded (no query per row)."""
    return select(Order).options(selectinload(Order.items).selectinload(OrderItem.product))


def get_order_or_404(order_id: int) -> Order:
    """The order ``order_id``, or a 404 problem."""
    order = db.session.scalars(order_query().where(Order.id == order_id)).first()
    if order is None:
        abort(404, message="No such order.")
    return order


@orders.route("", methods=["GET"])
@orders.arguments(OrderArgs, location="query")
@orders.response(200, page_schema(OrderSchema, "OrderPage"))
@requires("orders:read")
def list_orders(args):
    """Orders in id order (the order they were placed), filtered, with their items."""
    query = order_query()
    if args["status"] is not None:
        query = query.where(Order.status == args["status"])
    if args["customer_id"] is not None:
        query = query.where(Order.user_id == args["customer_id"])
    if args["placed_since"] is not None:
        query = query.where(Order.created_at >= args["placed_since"])
    if args["placed_before"] is not None:
        query = query.where(Order.created_at < args["placed_before"])
    if args["min_total"] is not None:
        query = query.where(Order.total >= args["min_total"])
    if args["max_total"] is not None:
        query = query.where(Order.total <= args["max_total"])
    return keyset_page(query, Order.id, args)


@orders.route(f"/<{ID}:order_id>", methods=["GET"])
@orders.response(200, OrderSchema)
@requires("orders:read")
def get_order(order_id):
    """One order with its items."""
    return get_order_or_404(order_id)
