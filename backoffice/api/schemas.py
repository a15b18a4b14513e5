"""Response schemas, from the models (marshmallow-sqlalchemy): each lists its fields explicitly.

Listing fields keeps a new column (a hash, a token, a private note) out of the API
until someone decides it belongs there. Money is a string of two decimals ("19.90"),
never a float.
"""

from __future__ import annotations

import marshmallow as ma
from marshmallow_sqlalchemy import SQLAlchemyAutoSchema

from backoffice.models import Book, Order, OrderItem, Product, User

#: Sent as a string, so it is documented as one (apispec says "number" for any Decimal,
#: and every order, product and book answer then broke its own spec).
Money = ma.fields.Decimal(
    as_string=True,
    places=2,
    dump_only=True,
    metadata={"type": "string", "format": "decimal", "pattern": r"^-?\d+\.\d{2}$"},
)


class ProblemSchema(ma.Schema):
    """An error (RFC 9457 problem details), as ``web/problems.py`` writes it; documentation only."""

    type = ma.fields.String()
    title = ma.fields.String()
    status = ma.fields.Integer()
    detail = ma.fields.String()
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        metadata={"description": "Messages by field (per location for query and body errors)."},
    )
    current_stock = ma.fields.Integer(metadata={"description": "On a refused stock adjustment."})


class ProductSchema(SQLAlchemyAutoSchema):
    """A product as the API shows it."""

    class Meta:
        model = Product
        fields = (
            "id", "sku", "name", "description", "category", "price", "stock",
            "is_available", "created_at", "updated_at",
        )  # fmt: skip

    price = Money


class BookSchema(SQLAlchemyAutoSchema):
    """A book as the API shows it."""

    class Meta:
        model = Book
        fields = (
            "id", "isbn", "title", "author", "publisher", "published_year", "genre", "price",
            "stock", "is_available", "created_at", "updated_at",
        )  # fmt: skip

    price = Money


class CustomerSchema(SQLAlchemyAutoSchema):
    """A customer account: contact and state, never a secret (hash, uniquifier, TOTP)."""

    class Meta:
        model = User
        fields = ("id", "email", "username", "full_name", "active", "erased", "created_at")

    full_name = ma.fields.String(dump_only=True, allow_none=True)
    # Erased accounts keep their row (and orders) under a placeholder address.
    erased = ma.fields.Function(lambda user: user.erased_at is not None, dump_only=True)


class OrderItemSchema(SQLAlchemyAutoSchema):
    """One line of an order, priced when it was placed."""

    class Meta:
        model = OrderItem
        include_fk = True
        fields = ("product_id", "sku", "quantity", "unit_price")

    sku = ma.fields.Function(lambda item: item.product.sku, dump_only=True)
    unit_price = Money


class OrderSchema(SQLAlchemyAutoSchema):
    """An order with its items."""

    class Meta:
        model = Order
        fields = (
            "id", "customer_id", "status", "total", "shipping_address", "carrier",
            "tracking_number", "items", "created_at", "updated_at",
        )  # fmt: skip

    customer_id = ma.fields.Integer(attribute="user_id", dump_only=True)
    total = Money
    items = ma.fields.List(ma.fields.Nested(OrderItemSchema), dump_only=True)
