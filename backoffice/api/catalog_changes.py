"""``DELETE /api/v1/products/{id}`` and ``/books/{id}``, with ``If-Match`` (412).

Deletes follow the admin's rule (``catalog_bulk.delete_unreferenced``, the bulk Delete
action): a product that appears in orders is history and is refused with 409.
"""

from __future__ import annotations

from flask_smorest import abort
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from backoffice.api.auth import current_key, requires
from backoffice.api.catalog import ID, books, products
from backoffice.api.schemas import BookSchema, ProductSchema
from backoffice.api.versions import check_if_match
from backoffice.extensions import db
from backoffice.models import Book, OrderItem, Product
from backoffice.services import audit, catalog_bulk, catalog_edits

IN_ORDERS = "it appears in orders"


def _delete(model, schema, row_id: int, referenced_by=None):
    try:  # locked before the If-Match check, as an update is (catalog_writes.py)
        row = catalog_edits.locked(model.__name__.lower(), row_id)
    except catalog_edits.Busy as exc:
        db.session.rollback()
        abort(409, message=f"Not deleted: {exc}")
    if row is None:
        abort(404, message=f"No such {model.__name__.lower()}.")
    check_if_match(schema, row)
    shown = schema().dump(row)
    ids = select(model.id).where(model.id == row_id)
    try:
        outcome = catalog_bulk.delete_unreferenced(model, ids, referenced_by, IN_ORDERS)
        db.session.flush()
    except IntegrityError:  # referenced meanwhile by an order placed concurrently
        outcome = None
    if outcome is None or outcome.changed != 1:
        db.session.rollback()
        abort(409, message=f"Not deleted: {IN_ORDERS} (history is kept).")
    audit.record(
        "delete",
        model=model.__name__,
        object_id=row_id,
        changes={key: {"before": value, "after": None} for key, value in shown.items()},
        summary=f"Deleted {model.__name__} {row_id} through the API",
        api_key=current_key().name,
    )
    db.session.commit()
    return "", 204


@products.route(f"/<{ID}:product_id>", methods=["DELETE"])
@products.response(204)
@requires("catalog:write")
def delete_product(product_id):
    """Delete a product that no order refers to (409 otherwise); honours If-Match (412)."""
    return _delete(Product, ProductSchema, product_id, OrderItem.product_id)


@books.route(f"/<{ID}:book_id>", methods=["DELETE"])
@books.response(204)
@requires("catalog:write")
def delete_book(book_id):
    """Delete a book; honours If-Match (412)."""
    return _delete(Book, BookSchema, book_id)
