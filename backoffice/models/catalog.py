"""The shop catalogue: products and books."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import CheckConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, validates

from backoffice.extensions import db
from backoffice.models.base import Money, TimestampMixin


def name_key(name: str | None) -> str | None:
    """The lookup key of a product name: lower case (``str.lower``, Unicode-aware)."""
    return name.lower() if isinstance(name, str) else name


class Product(db.Model, TimestampMixin):
    """Something the shop sells, identified by its SKU."""

    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("price > 0", name="price_positive"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        Index("ix_products_category_name", "category", "name"),
        Index("ix_products_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    # The name in lower case, kept by ``_normalise_name``: the order form's product
    # lookup matches a typed prefix on it with an index range scan, whatever the case.
    # (Core inserts that bypass the model must set it; the server default only lets
    # SQLite add the column without rebuilding a table that order items point at.)
    name_key: Mapped[str] = mapped_column(String(200), server_default="", index=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(80), default="general")
    price: Mapped[Decimal] = mapped_column(Money, index=True)
    stock: Mapped[int] = mapped_column(default=0, server_default="0", index=True)
    is_available: Mapped[bool] = mapped_column(default=True, index=True)

    @validates("name")
    def _normalise_name(self, key, value):
        self.name_key = name_key(value)
        return value

    @validates("sku")
    def _normalise_sku(self, key, value):
        return value.strip().upper() if isinstance(value, str) else value

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"


class Book(db.Model, TimestampMixin):
    """A catalogue book, identified by its ISBN-13."""

    __tablename__ = "books"
    __table_args__ = (
        CheckConstraint("price > 0", name="price_positive"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("length(isbn) = 13", name="isbn_length"),
        CheckConstraint(
            "published_year IS NULL OR (published_year >= 1450 AND published_year <= 2100)",
            name="published_year_range",
        ),
        Index("ix_books_genre_title", "genre", "title"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(255), index=True)
    author: Mapped[str] = mapped_column(String(200), index=True)
    isbn: Mapped[str] = mapped_column(String(13), unique=True)
    publisher: Mapped[str | None] = mapped_column(String(200))
    published_year: Mapped[int | None] = mapped_column(index=True)
    genre: Mapped[str | None] = mapped_column(String(80))
    price: Mapped[Decimal] = mapped_column(Money, index=True)
    stock: Mapped[int] = mapped_column(default=0, server_default="0", index=True)
    is_available: Mapped[bool] = mapped_column(default=True, index=True)

    def __str__(self) -> str:
        return f"{self.title} — {self.author}"
