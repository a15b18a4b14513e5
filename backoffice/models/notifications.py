"""Around an order: the customer-mail outbox (a row per status change) and staff notes.

The status service writes the row in the same transaction as the change (so a change
that rolls back leaves no row, and the unique key on (order, status) means one mail per
change: statuses never repeat in an order's life). A worker delivers rows after the
commit and marks them; see ``services.notifications`` for the claim-before-send rule
that keeps a killed worker from ever sending one twice.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.extensions import db
from backoffice.models.base import TimestampMixin, UTCDateTime, utcnow

#: pending: to be sent (``claimed_at`` set: a worker is sending it now); sent; failed
#: (out of attempts, or its worker stopped mid-send); skipped: no mail is due (erased
#: customer, shipping updates turned off), kept so the order's story stays whole.
NOTIFICATION_STATES = ("pending", "sent", "failed", "skipped")
_STATES_SQL = ", ".join(f"'{s}'" for s in NOTIFICATION_STATES)


class OrderNotification(db.Model, TimestampMixin):
    """The mail telling a customer their order moved to ``status``."""

    __tablename__ = "order_notifications"
    __table_args__ = (
        UniqueConstraint("order_id", "status", name="uq_order_notifications_order_id_status"),
        CheckConstraint(f"state IN ({_STATES_SQL})", name="state_valid"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        # The worker's next batch: due rows of one state, oldest first.
        Index("ix_order_notifications_state_next_attempt_at", "state", "next_attempt_at"),
        # The shared pace: how many mails were claimed in the last minute.
        Index("ix_order_notifications_claimed_at", "claimed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    # Told to the customer (a cancellation's reason).
    reason: Mapped[str | None] = mapped_column(Text)
    # Who moved the order (email, "API key NAME"), for the timeline.
    changed_by: Mapped[str | None] = mapped_column(String(255))
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set (in its own commit) before each attempt; see services.notifications.
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    retried_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    order = relationship(
        "Order",
        # An order's mails go with it (a cancelled order may be deleted): the ORM deletes
        # the loaded ones, the database's ON DELETE CASCADE the others.
        backref=db.backref(
            "notifications",
            order_by="OrderNotification.id",
            cascade="all, delete-orphan",
            passive_deletes=True,
        ),
    )

    def __str__(self) -> str:
        return f"Order #{self.order_id} {self.status} mail"


class OrderNote(db.Model, TimestampMixin):
    """A staff member's note on an order: never shown to the customer."""

    __tablename__ = "order_notes"
    __table_args__ = (Index("ix_order_notes_order_id_created_at", "order_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # A copy of the author's email, kept when the account is erased.
    author_email: Mapped[str | None] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text)

    def __str__(self) -> str:
        return f"Note {self.id} on order #{self.order_id}"
