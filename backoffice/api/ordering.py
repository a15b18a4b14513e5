"""Writing orders: ``POST /api/v1/orders`` (place, with ``Idempotency-Key``) and transitions.

Placing goes through ``services.orders.place_order`` and moving through
``services.order_status.change_status``, the same functions as the admin and the CLI:
prices, stock, and which moves are legal are decided there, not here.
"""

from __future__ import annotations

import marshmallow as ma
from flask import jsonify, request, url_for
from flask_smorest import abort
from sqlalchemy import select

from backoffice.api.auth import current_key, requires
from backoffice.api.people import ID, get_order_or_404, orders
from backoffice.api.schemas import OrderSchema
from backoffice.extensions import db
from backoffice.models import ORDER_STATUSES, Product
from backoffice.ranges import INT4
from backoffice.services import audit, idempotency
from backoffice.services.order_status import SHIPPED, change_status
from backoffice.services.orders import (
    MAX_ADDRESS,
    MAX_LINES,
    MAX_QUANTITY,
    OrderError,
    place_order,
)
from backoffice.text import printable


class LineSchema(ma.Schema):
    """One line: a product by SKU and how many."""

    sku = ma.fields.String(required=True, validate=ma.validate.Length(1, 64))
    # The bounds are place_order's rule, documented (not checked) here: a client reading
    # the spec, and schemathesis's valid cases, then send what the service takes.
    quantity = ma.fields.Integer(
        required=True, strict=True, metadata={"minimum": 1, "maximum": MAX_QUANTITY}
    )


class PlaceOrderSchema(ma.Schema):
    """A new order; prices come from the products, never from the request."""

    # Bounded to the column (int4) so no id reaches a database that cannot hold it.
    customer_id = ma.fields.Integer(
        required=True, strict=True, validate=ma.validate.Range(1, INT4[1])
    )
    shipping_address = ma.fields.String(
        required=True, metadata={"minLength": 1, "maxLength": MAX_ADDRESS}
    )
    items = ma.fields.List(
        ma.fields.Nested(LineSchema),
        required=True,
        validate=ma.validate.Length(max=MAX_LINES),
        metadata={"minItems": 1, "description": "One line per product (no SKU twice)."},
    )


def _parcel_field(description: str):
    return ma.fields.String(
        load_default="", validate=ma.validate.Length(max=64), metadata={"description": description}
    )


class TransitionSchema(ma.Schema):
    """Move an order to ``to``; ``reason`` goes to the audit log and, for a cancellation,
    to the customer's mail; ``carrier`` and ``tracking_number`` go with ``to: shipped``."""

    to = ma.fields.String(required=True, validate=ma.validate.OneOf(ORDER_STATUSES))
    reason = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))
    carrier = _parcel_field("Who carries the parcel (shipped only); told to the customer.")
    tracking_number = _parcel_field("The parcel's tracking number (shipped only).")

    @ma.validates_schema
    def _parcel_only_when_shipped(self, data, **kwargs):
        if data.get("to") != SHIPPED:
            wrong = [name for name in ("carrier", "tracking_number") if data.get(name)]
            if wrong:
                raise ma.ValidationError(
                    {name: ["Only an order marked shipped has a parcel."] for name in wrong}
                )


def _problems(exc: OrderError) -> dict[str, list[str]]:
    """An OrderError's messages by field: ``shipping_address``, ``items.2.quantity``."""
    errors = {field: [message] for field, message in exc.errors.items()}
    for index, fields in exc.line_errors.items():
        for field, message in fields.items():
            errors[f"items.{index}.{'sku' if field == 'product' else field}"] = [message]
    return errors


def _lines(items: list[dict]) -> list[tuple[int, int]]:
    skus = [line["sku"].strip().upper() for line in items]
    ids = dict(
        db.session.execute(select(Product.sku, Product.id).where(Product.sku.in_(skus))).all()
    )
    unknown = {
        f"items.{i}.sku": ["No product has this SKU."] for i, s in enumerate(skus) if s not in ids
    }
    if unknown:
        abort(422, message="Some items name no product.", errors=unknown)
    return [(ids[sku], line["quantity"]) for sku, line in zip(skus, items, strict=True)]


#: The header as ``_idempotency_key`` takes it: 1-255 printable ASCII characters.
IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": idempotency.MAX_KEY_LENGTH,
        "pattern": "^[\\x20-\\x7e]+$",
    },
}


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if (
        not 1 <= len(key) <= idempotency.MAX_KEY_LENGTH
        or printable(key) != key
        or not key.isascii()
    ):
        abort(
            400,
            message="Idempotency-Key must be 1-255 printable ASCII characters.",
            errors={"Idempotency-Key": ["Not a valid idempotency key."]},
        )
    return key


@orders.route("", methods=["POST"])
@orders.arguments(PlaceOrderSchema)
@orders.response(201, OrderSchema)
@orders.doc(parameters=[IDEMPOTENCY_KEY])
@requires("orders:write")
def place(body):
    """Place a pending order; with ``Idempotency-Key``, a retry returns the first answer."""
    api_key = current_key()
    record = None
    if (key := _idempotency_key()) is not None:
        print_ = idempotency.fingerprint(request.method, request.path, request.get_data())
        record, new = idempotency.claim(api_key.id, key, print_)
        if record is None:  # the request that held the key rolled back just now
            abort(409, message="A request with this Idempotency-Key was in progress; retry.")
        if not new:
            if record.fingerprint != print_:
                abort(422, message="This Idempotency-Key was used for a different request.")
            return _replay(record)
    lines = _lines(body["items"])
    try:
        order = place_order(body["customer_id"], lines, body["shipping_address"])
    except OrderError as exc:
        db.session.rollback()  # stock taken for earlier lines goes back
        abort(422, message=" ".join(exc.messages()), errors=_problems(exc))
    audit.record(
        "create",
        model="Order",
        object_id=order.id,
        changes={"total": str(order.total), "items": len(order.items)},
        summary=f"Placed {order} through the API",
        api_key=api_key.name,
    )
    if record is not None:
        idempotency.complete(record, 201, OrderSchema().dump(order))
    db.session.commit()
    return order, 201, {"Location": url_for("api_orders.get_order", order_id=order.id)}


def _replay(record):
    """The stored answer, marked as a replay."""
    response = jsonify(record.response)
    response.status_code = record.status_code
    response.headers["Idempotent-Replayed"] = "true"
    if record.status_code == 201:  # as the first answer said where the order lives
        response.headers["Location"] = url_for(
            "api_orders.get_order", order_id=record.response["id"]
        )
    return response


@orders.route(f"/<{ID}:order_id>/transitions", methods=["POST"])
@orders.arguments(TransitionSchema)
@orders.response(200, OrderSchema)
@requires("orders:write")
def transition(body, order_id):
    """Move an order through its statuses; 409 with the reason when the move is not allowed."""
    before = get_order_or_404(order_id).status
    try:
        change_status(
            order_id,
            body["to"],
            reason=body["reason"].strip() or None,
            carrier=body["carrier"].strip() or None,
            tracking_number=body["tracking_number"].strip() or None,
        )
    except OrderError as exc:
        db.session.rollback()
        abort(409, message=" ".join(exc.messages()), errors=_problems(exc))
    audit.record(
        "update",
        model="Order",
        object_id=order_id,
        changes={"status": {"before": before, "after": body["to"]}},
        summary=f"Order #{order_id} {before} → {body['to']} through the API: {body['reason']}",
        api_key=current_key().name,
    )
    db.session.commit()
    return get_order_or_404(order_id)
