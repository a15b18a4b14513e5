"""Bulk actions on orders: Mark paid, Mark shipped, Mark delivered, Cancel."""

from __future__ import annotations

from functools import partial

from backoffice.admin.actions import runner
from backoffice.admin.bulk import BulkAction
from backoffice.services.order_status import CANCELLED, DELIVERED, PAID, SHIPPED, transition_orders


def _move(target: str):
    return runner(partial(transition_orders, target=target), status=target)


def order_actions() -> tuple[BulkAction, ...]:
    """The status moves, each skipping (with its reason) orders that may not make it."""
    return (
        BulkAction(
            "mark_paid",
            "Mark paid",
            _move(PAID),
            "orders.write",
            description="Pending orders become paid; others are skipped.",
        ),
        BulkAction(
            "mark_shipped",
            "Mark shipped",
            _move(SHIPPED),
            "orders.write",
            description="Paid orders become shipped; others are skipped.",
        ),
        BulkAction(
            "mark_delivered",
            "Mark delivered",
            _move(DELIVERED),
            "orders.write",
            description="Shipped orders become delivered; others are skipped.",
        ),
        BulkAction(
            "cancel",
            "Cancel",
            _move(CANCELLED),
            "orders.write",
            danger=True,
            description=(
                "Pending and paid orders are cancelled and their items go back into stock; "
                "shipped, delivered and already cancelled orders are skipped."
            ),
        ),
    )
