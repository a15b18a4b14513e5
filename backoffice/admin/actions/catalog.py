"""Bulk actions on products and books: availability, stock, category/genre, delete."""

from __future__ import annotations

from functools import partial

from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from backoffice.admin.actions import runner
from backoffice.admin.bulk import BulkAction
from backoffice.models import Book, OrderItem, Product
from backoffice.services import catalog_bulk
from backoffice.services.outcome import Outcome
from backoffice.validation import strip_filter

MAX_DELTA = 1_000_000


def _not_zero(form, field) -> None:
    if field.data == 0:
        raise ValidationError("Enter a number other than 0.")


class AdjustStockForm(FlaskForm):
    """How much to add to (or, negative, remove from) each row's stock."""

    delta = IntegerField(
        "Change stock by",
        description="A negative number removes stock. Rows without enough stock are skipped.",
        validators=[
            InputRequired(message="Enter a whole number such as 10 or -5."),
            NumberRange(
                min=-MAX_DELTA,
                max=MAX_DELTA,
                message=f"Enter a number between -{MAX_DELTA:,} and {MAX_DELTA:,}.",
            ),
            _not_zero,
        ],
    )


def _text_form(name: str, label: str) -> type[FlaskForm]:
    """A one-field form for a required short text value (category, genre)."""
    field = StringField(
        label,
        filters=[strip_filter],
        validators=[
            DataRequired(message=f"Enter the {label.lower()}."),
            Length(max=80, message=f"Keep the {label.lower()} under 80 characters."),
        ],
    )
    return type(f"Set{label}Form", (FlaskForm,), {name: field, "__doc__": f"The new {name}."})


SetCategoryForm = _text_form("category", "Category")
SetGenreForm = _text_form("genre", "Genre")


def _adjust(model):
    def run(ids, params) -> Outcome:
        delta = params["delta"]
        return catalog_bulk.adjust_stock(model, ids, delta).with_fields(stock=f"{delta:+d}")

    return run


def _set(model, column: str):
    def run(ids, params) -> Outcome:
        value = params[column]
        return catalog_bulk.set_value(model, ids, column, value).with_fields(**{column: value})

    return run


def _shared(model) -> tuple[BulkAction, ...]:
    """Make available, Make unavailable and Adjust stock, for products and books alike."""
    return (
        BulkAction(
            "make_available",
            "Make available",
            runner(partial(catalog_bulk.set_available, model, value=True), is_available=True),
            "catalog.write",
        ),
        BulkAction(
            "make_unavailable",
            "Make unavailable",
            runner(partial(catalog_bulk.set_available, model, value=False), is_available=False),
            "catalog.write",
        ),
        BulkAction(
            "adjust_stock", "Adjust stock", _adjust(model), "catalog.write", form=AdjustStockForm
        ),
    )


def product_actions() -> tuple[BulkAction, ...]:
    """Every bulk action of the product list."""
    delete_unordered = partial(
        catalog_bulk.delete_unreferenced,
        Product,
        referenced_by=OrderItem.product_id,
        reason="appear in orders",
    )
    return (
        *_shared(Product),
        BulkAction(
            "set_category",
            "Set category",
            _set(Product, "category"),
            "catalog.write",
            form=SetCategoryForm,
        ),
        BulkAction(
            "delete",
            "Delete",
            runner(delete_unordered),
            "history.delete",
            danger=True,
            description="Products that appear in orders are history and are kept. "
            "The others are deleted for good.",
        ),
    )


def book_actions() -> tuple[BulkAction, ...]:
    """Every bulk action of the book list."""
    return (
        *_shared(Book),
        BulkAction(
            "set_genre", "Set genre", _set(Book, "genre"), "catalog.write", form=SetGenreForm
        ),
        BulkAction(
            "delete",
            "Delete",
            runner(partial(catalog_bulk.delete_unreferenced, Book)),
            "history.delete",
            danger=True,
            description="The books are deleted for good.",
        ),
    )
