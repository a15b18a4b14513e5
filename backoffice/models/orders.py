"""Orders and their items. Totals are derived from the items, never typed in."""

from __future__ import annotations

import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.extensions import db
from backoffice.models.base import ZERO, Money, MoneyTotal, TimestampMixin


class OrderStatus(enum.StrEnum):
    """Where an order is in its life."""

    PENDING = "pending"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


ORDER_STATUSES = tuple(s.value for s in OrderStatus)
_STATUS_SQL = ", ".join(f"'{s}'" for s in ORDER_STATUSES)


class Order(db.Model, TimestampMixin):
    """A customer's order; it keeps its user (accounts are erased, not deleted)."""

    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint(f"status IN ({_STATUS_SQL})", name="status_valid"),
        CheckConstraint("total >= 0", name="total_not_negative"),
        # Serves a status filter sorted by date, and the dashboard's revenue sums as
        # index-only scans (total is in the index, so no row is read).
        Index("ix_orders_status_created_at_total", "status", "created_at", "total"),
        Index("ix_orders_user_id_created_at", "user_id", "created_at"),
        Index("ix_orders_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # Its own small index: counting orders per status reads only this (PostgreSQL
    # deduplicates its five values down to a few megabytes for a million rows).
    status: Mapped[str] = mapped_column(String(16), default=OrderStatus.PENDING.value, index=True)
    total: Mapped[Decimal] = mapped_column(MoneyTotal, default=ZERO, index=True)
    shipping_address: Mapped[str] = mapped_column(Text, default="")
    # Asked for when one order is marked shipped; told to the customer.
    carrier: Mapped[str | None] = mapped_column(String(64))
    tracking_number: Mapped[str | None] = mapped_column(String(64))

    # passive_deletes="all": the ORM never nulls user_id; the database's RESTRICT decides.
    user = relationship("User", backref=db.backref("orders", lazy="dynamic", passive_deletes="all"))
    items: Mapped[list[OrderItem]] = relationship(
        back_populates="order",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="OrderItem.id",
    )

    def __str__(self) -> str:
        return f"Order #{self.id}"


class OrderItem(db.Model):
    """One product line of an order, priced when the order was placed."""

    __tablename__ = "order_items"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price >= 0", name="unit_price_not_negative"),
        UniqueConstraint("order_id", "product_id", name="uq_order_items_order_id_product_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="RESTRICT"), index=True
    )
    quantity: Mapped[int] = mapped_column(default=1)
    unit_price: Mapped[Decimal] = mapped_column(Money)

    order: Mapped[Order] = relationship(back_populates="items")
    product = relationship("Product")

    @property
    def line_total(self) -> Decimal:
        """Quantity times unit price."""
        return (self.unit_price or ZERO) * (self.quantity or 0)

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product}"
