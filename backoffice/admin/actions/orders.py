"""Bulk actions on orders: Mark paid, Mark shipped, Mark delivered, Cancel."""

from __future__ import annotations

from functools import partial

from flask_wtf import FlaskForm
from sqlalchemy import Select
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from backoffice.admin.actions import runner
from backoffice.admin.bulk import BulkAction
from backoffice.services.order_status import CANCELLED, DELIVERED, PAID, SHIPPED, transition_orders
from backoffice.services.outcome import Outcome
from backoffice.validation import strip_filter


class CancelForm(FlaskForm):
    """Why the orders are cancelled: told to each customer in the cancellation mail."""

    reason = TextAreaField(
        "Reason",
        filters=[strip_filter],
        validators=[Optional(), Length(max=500, message="Keep the reason under 500 characters.")],
        description="Told to each customer in the cancellation mail (optional).",
    )


def _move(target: str):
    return runner(partial(transition_orders, target=target), status=target)


def _cancel(ids: Select, params: dict) -> Outcome:
    reason = params.get("reason") or None
    return transition_orders(ids, CANCELLED, reason=reason).with_fields(status=CANCELLED)


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
            _cancel,
            "orders.write",
            form=CancelForm,
            danger=True,
            description=(
                "Pending and paid orders are cancelled and their items go back into stock; "
                "shipped, delivered and already cancelled orders are skipped."
            ),
        ),
    )
