"""Products and books."""

from __future__ import annotations

from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from backoffice.admin.actions.catalog import book_actions, product_actions
from backoffice.admin.base import SecuredModelView
from backoffice.admin.stock_guard import StockGuardMixin
from backoffice.validation import isbn, isbn_filter, money, strip_filter, upper_filter

#: The form fields every catalogue item ends with, and their rules.
_FOR_SALE = ("price", "stock", "stock_seen", "is_available")
_FOR_SALE_ARGS = {
    "price": {"validators": [InputRequired(message="Price is required."), money], "places": 2},
    "stock": {"validators": [NumberRange(min=0, message="Stock cannot be negative.")]},
}


def _required_text(max_length: int, clean=strip_filter) -> dict:
    """Form args of a required text field: at most ``max_length`` characters, ``clean``-ed."""
    return {"validators": [DataRequired(), Length(max=max_length)], "filters": [clean]}


class ProductView(StockGuardMixin, SecuredModelView):
    """Products: staff and admins edit, everyone with admin access reads."""

    read_permission = "catalog.read"
    write_permission = "catalog.write"
    delete_permission = "history.delete"

    column_list = ("name", "sku", "category", "price", "stock", "is_available", "updated_at")
    column_sortable_list = column_list
    column_default_sort = ("name", False)
    column_searchable_list = ("name", "sku")
    column_filters = ("category", "price", "stock", "is_available", "created_at")
    column_labels = {"sku": "SKU", "is_available": "Available"}
    column_details_list = (
        "name",
        "sku",
        "category",
        "description",
        "price",
        "stock",
        "is_available",
        "created_at",
        "updated_at",
    )
    form_columns = ("name", "sku", "category", "description", *_FOR_SALE)
    form_args = {
        "name": _required_text(200),
        "sku": _required_text(64, upper_filter),
        "category": _required_text(80),
        **_FOR_SALE_ARGS,
    }
    bulk_actions = product_actions()


class BookView(StockGuardMixin, SecuredModelView):
    """Books, identified by a checksum-validated ISBN-13."""

    read_permission = "catalog.read"
    write_permission = "catalog.write"
    delete_permission = "history.delete"

    column_list = (
        "title",
        "author",
        "isbn",
        "genre",
        "published_year",
        "price",
        "stock",
        "is_available",
    )
    column_sortable_list = column_list
    column_default_sort = ("title", False)
    column_searchable_list = ("title", "author", "isbn")
    column_filters = ("author", "genre", "published_year", "price", "stock", "is_available")
    column_labels = {"isbn": "ISBN", "published_year": "Year", "is_available": "Available"}
    form_columns = ("title", "author", "isbn", "publisher", "published_year", "genre", *_FOR_SALE)
    form_args = {
        "title": _required_text(255),
        "author": _required_text(200),
        "isbn": {"label": "ISBN", "validators": [DataRequired(), isbn], "filters": [isbn_filter]},
        "published_year": {
            "validators": [
                Optional(),
                NumberRange(min=1450, max=2100, message="Enter a year between 1450 and 2100."),
            ]
        },
        **_FOR_SALE_ARGS,
    }
    bulk_actions = book_actions()
