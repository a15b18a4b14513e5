"""``POST /api/v1/products/{sku}/stock-adjustments`` (and books by ISBN): ``{delta, reason}``.

One conditional UPDATE through the admin's bulk service (``catalog_bulk.adjust_stock``):
the bound is in its WHERE, so a concurrent sale cannot push stock below zero and an
adjustment that would is refused with 409 and the current stock, never clamped.
"""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import abort
from sqlalchemy import select

from backoffice.api.auth import current_key, requires
from backoffice.api.catalog import book_id_by_isbn, books, product_id_by_sku, products
from backoffice.extensions import db
from backoffice.models import Book, Product
from backoffice.services import audit, catalog_bulk
from backoffice.services.catalog import normalise_isbn


class AdjustmentSchema(ma.Schema):
    """Add ``delta`` (negative: remove) to the stock, for ``reason``."""

    delta = ma.fields.Integer(
        required=True,
        strict=True,
        validate=[
            ma.validate.Range(-catalog_bulk.MAX_STOCK, catalog_bulk.MAX_STOCK),
            ma.validate.NoneOf([0], error="A zero adjustment changes nothing."),
        ],
    )
    reason = ma.fields.String(required=True, validate=ma.validate.Length(1, 500))


class StockSchema(ma.Schema):
    """The stock after the adjustment."""

    id = ma.fields.Integer()
    stock = ma.fields.Integer()


def _adjust(model, row_id: int, label: str, body: dict) -> dict:
    outcome = catalog_bulk.adjust_stock(
        model, select(model.id).where(model.id == row_id), body["delta"]
    )
    stock = db.session.scalar(select(model.stock).where(model.id == row_id))
    if outcome.changed != 1:
        db.session.rollback()
        reason = next(iter(outcome.skipped), "refused")
        abort(
            409,
            message=f"Stock not adjusted: {reason} (current stock {stock:,}).",
            extra={"current_stock": stock},
        )
    key = current_key()
    audit.record(
        "stock_adjust",
        model=model.__name__,
        object_id=row_id,
        changes={"stock": {"before": stock - body["delta"], "after": stock}},
        summary=f"Stock of {label} adjusted by {body['delta']:+d}: {body['reason']}",
        api_key=key.name,
    )
    db.session.commit()
    return {"id": row_id, "stock": stock}


@products.route("/<string(maxlength=64):sku>/stock-adjustments", methods=["POST"])
@products.arguments(AdjustmentSchema)
@products.response(200, StockSchema)
@requires("stock:write")
def adjust_product_stock(body, sku):
    """Adjust a product's stock atomically; 409 with the current stock if it would go below 0."""
    product_id = product_id_by_sku(sku)
    if product_id is None:
        abort(404, message="No such product.")
    return _adjust(Product, product_id, f"product {sku.strip().upper()}", body)


@books.route("/<string(maxlength=32):isbn>/stock-adjustments", methods=["POST"])
@books.arguments(AdjustmentSchema)
@books.response(200, StockSchema)
@requires("stock:write")
def adjust_book_stock(body, isbn):
    """Adjust a book's stock atomically; 409 with the current stock if it would go below 0."""
    book_id = book_id_by_isbn(isbn)
    if book_id is None:
        abort(404, message="No such book.")
    return _adjust(Book, book_id, f"book {normalise_isbn(isbn)}", body)
