"""``/api/v1/products`` and ``/api/v1/books``: the catalogue, read with the admin's filters."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import abort
from sqlalchemy import select

from backoffice.api.auth import requires
from backoffice.api.common import PageArgs, api_blueprint, keyset_page, money_filter, page_schema
from backoffice.api.schemas import BookSchema, ProductSchema
from backoffice.api.versions import row_etag
from backoffice.extensions import db
from backoffice.models import Book, Product
from backoffice.ranges import INT4
from backoffice.services.catalog import IsbnError, normalise_isbn

MAX_PRICE = 10**8  # products.price is NUMERIC(10, 2)

products = api_blueprint("products", "/products", "Products: list, get by id or SKU.")
books = api_blueprint("books", "/books", "Books: list, get by id or ISBN.")


class CatalogArgs(PageArgs):
    """The admin list's filters: availability, price range, updated since."""

    available = ma.fields.Boolean(load_default=None)
    min_price = money_filter(MAX_PRICE)
    max_price = money_filter(MAX_PRICE)
    updated_since = ma.fields.AwareDateTime(load_default=None, default_timezone=None)


class ProductArgs(CatalogArgs):
    """Product filters."""

    category = ma.fields.String(load_default=None, validate=ma.validate.Length(1, 80))


class BookArgs(CatalogArgs):
    """Book filters."""

    genre = ma.fields.String(load_default=None, validate=ma.validate.Length(1, 80))


def _filtered(model, args: dict):
    query = select(model)
    if args["available"] is not None:
        query = query.where(model.is_available.is_(args["available"]))
    if args["min_price"] is not None:
        query = query.where(model.price >= args["min_price"])
    if args["max_price"] is not None:
        query = query.where(model.price <= args["max_price"])
    if args["updated_since"] is not None:
        query = query.where(model.updated_at >= args["updated_since"])
    return query


def product_id_by_sku(sku: str) -> int | None:
    """The id of the product with the SKU a URL names (any case: SKUs are stored upper case)."""
    return db.session.scalar(select(Product.id).where(Product.sku == sku.strip().upper()))


def book_id_by_isbn(isbn: str) -> int | None:
    """The id of the book with the ISBN a URL names (ISBN-13, or an ISBN-10 or hyphenated
    form of it); None also when it is no ISBN."""
    try:
        return db.session.scalar(select(Book.id).where(Book.isbn == normalise_isbn(isbn)))
    except IsbnError:
        return None


def _get(model, **where):
    row = db.session.scalars(select(model).filter_by(**where)).first()
    if row is None:
        abort(404, message=f"No such {model.__name__.lower()}.")
    return row


ID = f"int(max={INT4[1]})"


def _versioned(schema, row):
    """The row and its ETag header."""
    return row, 200, {"ETag": row_etag(schema, row)}


@products.route("", methods=["GET"])
@products.arguments(ProductArgs, location="query")
@products.response(200, page_schema(ProductSchema, "ProductPage"))
@requires("catalog:read")
def list_products(args):
    """Products in id order, filtered; ``next_cursor`` fetches the next page."""
    query = _filtered(Product, args)
    if args["category"] is not None:
        query = query.where(Product.category == args["category"])
    return keyset_page(query, Product.id, args)


@products.route(f"/<{ID}:product_id>", methods=["GET"])
@products.response(200, ProductSchema)
@requires("catalog:read")
def get_product(product_id):
    """One product by id, with its ETag (send it as If-Match to a DELETE)."""
    return _versioned(ProductSchema, _get(Product, id=product_id))


@products.route("/sku/<string(maxlength=64):sku>", methods=["GET"])
@products.response(200, ProductSchema)
@requires("catalog:read")
def get_product_by_sku(sku):
    """One product by SKU (case does not matter: SKUs are stored upper case)."""
    return _versioned(ProductSchema, _get(Product, sku=sku.strip().upper()))


@books.route("", methods=["GET"])
@books.arguments(BookArgs, location="query")
@books.response(200, page_schema(BookSchema, "BookPage"))
@requires("catalog:read")
def list_books(args):
    """Books in id order, filtered; ``next_cursor`` fetches the next page."""
    query = _filtered(Book, args)
    if args["genre"] is not None:
        query = query.where(Book.genre == args["genre"])
    return keyset_page(query, Book.id, args)


@books.route(f"/<{ID}:book_id>", methods=["GET"])
@books.response(200, BookSchema)
@requires("catalog:read")
def get_book(book_id):
    """One book by id, with its ETag (send it as If-Match to a DELETE)."""
    return _versioned(BookSchema, _get(Book, id=book_id))


@books.route("/isbn/<string(maxlength=32):isbn>", methods=["GET"])
@books.response(200, BookSchema)
@requires("catalog:read")
def get_book_by_isbn(isbn):
    """One book by ISBN (13 digits, or an ISBN-10 or hyphenated form of it)."""
    try:
        isbn = normalise_isbn(isbn)
    except IsbnError as exc:
        abort(404, message=f"No such book: {exc}")
    return _versioned(BookSchema, _get(Book, isbn=isbn))
