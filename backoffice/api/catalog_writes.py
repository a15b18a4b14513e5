"""Create (``POST``) and partly update (``PATCH``) products and books.

The values are checked by the admin's create form (``services/catalog_edits.py``, the
path imports take too); the schemas below only say which JSON types each field takes.
A taken SKU or ISBN is a 409. A PATCH must carry ``If-Match`` with the ETag of a read
(428 without it, 412 when the row has moved on since): an update decides on a row as it
was read, and stock in particular is only ever set from the figure the client saw,
through the guarded UPDATE, so a sale made meanwhile is never overwritten (412 too).
"""

from __future__ import annotations

import marshmallow as ma
from flask import request, url_for
from flask_smorest import abort
from sqlalchemy.exc import IntegrityError

from backoffice.api.auth import current_key, requires
from backoffice.api.catalog import ID, book_id_by_isbn, books, product_id_by_sku, products
from backoffice.api.schemas import BookSchema, ProductSchema
from backoffice.api.versions import check_if_match, row_etag
from backoffice.extensions import db
from backoffice.models import Book, Product
from backoffice.services import audit, catalog_edits
from backoffice.services.changes import compare, snapshot


class Amount(ma.fields.Field):
    """A price, sent as the string the API answers with ("19.90"); a JSON number is taken too."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ma.ValidationError('Enter an amount such as "19.90".')
        return str(value)


def _text(**metadata):
    # null too: the form then says the field is required, under the field's own name.
    return ma.fields.String(allow_none=True, metadata=metadata)


def _optional_text():
    return ma.fields.String(allow_none=True, metadata={"description": "null clears it."})


class _ForSale(ma.Schema):
    price = Amount(
        allow_none=True, metadata={"type": "string", "format": "decimal", "example": "19.90"}
    )
    stock = ma.fields.Integer(strict=True)
    is_available = ma.fields.Boolean(truthy={True}, falsy={False})


class ProductInSchema(_ForSale):
    """A product's fields; a new one needs ``sku``, ``name`` and ``price``."""

    sku = _text(description="Stored upper case.")
    name = _text()
    category = _text(description='"general" when a new product has none.')
    description = _optional_text()


class BookInSchema(_ForSale):
    """A book's fields; a new one needs ``isbn``, ``title``, ``author`` and ``price``."""

    isbn = _text(description="ISBN-13 (or ISBN-10, converted), hyphens allowed.")
    title = _text()
    author = _text()
    publisher = _optional_text()
    published_year = ma.fields.Integer(strict=True, allow_none=True)
    genre = _optional_text()


IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "description": "The ETag of the row as read (GET); 428 without it, 412 if it moved on.",
    "schema": {"type": "string", "minLength": 1},
}


def _kind(model) -> str:
    return model.__name__.lower()


def _refuse(exc: Exception, kind: str):
    """Roll back and answer for what the service refused."""
    db.session.rollback()
    if isinstance(exc, catalog_edits.FieldErrors):
        abort(422, message=f"The {kind} was not saved: {exc}", errors=exc.errors)
    if isinstance(exc, catalog_edits.StockMoved):
        abort(412, message=f"Not saved: {exc} Read the row again.")
    if isinstance(exc, catalog_edits.KeyTaken | catalog_edits.Busy):
        abort(409, message=f"Not saved: {exc}")
    abort(409, message=f"Not saved: another {kind} took this key meanwhile.")


def _create(model, schema, body: dict, endpoint: str):
    kind = _kind(model)
    try:
        row = catalog_edits.create(kind, catalog_edits.check(kind, body, new=True))
    except (catalog_edits.FieldErrors, catalog_edits.KeyTaken, IntegrityError) as exc:
        _refuse(exc, kind)
    audit.record(
        "create",
        model=model.__name__,
        object_id=row.id,
        changes=compare({}, snapshot(row)),
        summary=f"Created {model.__name__} {row} through the API",
        api_key=current_key().name,
    )
    db.session.commit()
    location = url_for(endpoint, **{f"{kind}_id": row.id})
    return row, 201, {"ETag": row_etag(schema, row), "Location": location}


def _patch(model, schema, row_id: int | None, body: dict):
    kind = _kind(model)
    if row_id is None:
        abort(404, message=f"No such {kind}.")
    if not body:  # an empty PATCH (or no body at all) is a mistake, not a no-op
        abort(422, message="Send at least one field to change.")
    if "If-Match" not in request.headers:
        abort(428, message="Send If-Match with the ETag of the row as read (GET it first).")
    try:
        row = catalog_edits.locked(kind, row_id)
    except catalog_edits.Busy as exc:
        _refuse(exc, kind)
    if row is None:
        abort(404, message=f"No such {kind}.")
    check_if_match(schema, row)
    before = snapshot(row)
    try:
        catalog_edits.update(kind, row, catalog_edits.check(kind, body, new=False))
    except (catalog_edits.FieldErrors, catalog_edits.KeyTaken, catalog_edits.StockMoved,
            IntegrityError) as exc:  # fmt: skip
        _refuse(exc, kind)
    if changes := compare(before, snapshot(row)):
        audit.record(
            "update",
            model=model.__name__,
            object_id=row.id,
            changes=changes,
            summary=f"Changed {model.__name__} {row} through the API",
            api_key=current_key().name,
        )
    db.session.commit()
    return row, 200, {"ETag": row_etag(schema, row)}


@products.route("", methods=["POST"])
@products.arguments(ProductInSchema)
@products.response(201, ProductSchema)
@requires("catalog:write")
def create_product(body):
    """Create a product (the admin form's rules; 409 if the SKU is taken); answers its ETag."""
    return _create(Product, ProductSchema, body, "api_products.get_product")


@products.route(f"/<{ID}:product_id>", methods=["PATCH"])
@products.arguments(ProductInSchema)
@products.response(200, ProductSchema)
@products.doc(parameters=[IF_MATCH])
@requires("catalog:write")
def patch_product(body, product_id):
    """Change the fields given; needs If-Match (428 without, 412 if the row moved on)."""
    return _patch(Product, ProductSchema, product_id, body)


@products.route("/sku/<string(maxlength=64):sku>", methods=["PATCH"])
@products.arguments(ProductInSchema)
@products.response(200, ProductSchema)
@products.doc(parameters=[IF_MATCH])
@requires("catalog:write")
def patch_product_by_sku(body, sku):
    """Change the fields of the product with this SKU; needs If-Match, as by id."""
    return _patch(Product, ProductSchema, product_id_by_sku(sku), body)


@books.route("", methods=["POST"])
@books.arguments(BookInSchema)
@books.response(201, BookSchema)
@requires("catalog:write")
def create_book(body):
    """Create a book (the admin form's rules; 409 if the ISBN is taken); answers its ETag."""
    return _create(Book, BookSchema, body, "api_books.get_book")


@books.route(f"/<{ID}:book_id>", methods=["PATCH"])
@books.arguments(BookInSchema)
@books.response(200, BookSchema)
@books.doc(parameters=[IF_MATCH])
@requires("catalog:write")
def patch_book(body, book_id):
    """Change the fields given; needs If-Match (428 without, 412 if the row moved on)."""
    return _patch(Book, BookSchema, book_id, body)


@books.route("/isbn/<string(maxlength=32):isbn>", methods=["PATCH"])
@books.arguments(BookInSchema)
@books.response(200, BookSchema)
@books.doc(parameters=[IF_MATCH])
@requires("catalog:write")
def patch_book_by_isbn(body, isbn):
    """Change the fields of the book with this ISBN; needs If-Match, as by id."""
    return _patch(Book, BookSchema, book_id_by_isbn(isbn), body)
