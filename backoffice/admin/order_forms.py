"""The order forms' glue to the order services: lines out of the inline form, errors back in.

Creating goes through ``services.orders.place_order``; editing allows only the status
(through the status machine) and the shipping address. Items are fixed once an order
is placed: changing them would need stock to move back and forth under the customer's
feet, so the rule is "cancel (which restocks) and place a new order".
"""

from __future__ import annotations

from flask import flash
from flask_admin.form import BaseForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from backoffice.models import ORDER_STATUSES
from backoffice.services.order_status import TRANSITIONS
from backoffice.services.orders import MAX_ADDRESS, OrderError
from backoffice.validation import strip_filter

ADDRESS_VALIDATORS = [
    DataRequired(message="Enter the shipping address."),
    Length(max=MAX_ADDRESS, message=f"Keep the address under {MAX_ADDRESS:,} characters."),
]


class OrderEditForm(BaseForm):
    """What may change after placement: the status (legal moves only) and the address."""

    status = SelectField(
        "Status", choices=[SelectChoice(s, s.capitalize()) for s in ORDER_STATUSES]
    )
    shipping_address = TextAreaField(
        "Shipping address", validators=ADDRESS_VALIDATORS, filters=[strip_filter]
    )
    # Asked when the order is marked shipped; both go in the customer's mail.
    carrier = StringField(
        "Carrier",
        validators=[Optional(), Length(max=64, message="Keep the carrier under 64 characters.")],
        filters=[strip_filter],
        description="When marking it shipped: told to the customer.",
    )
    tracking_number = StringField(
        "Tracking number",
        validators=[Optional(), Length(max=64, message="Keep it under 64 characters.")],
        filters=[strip_filter],
        description="When marking it shipped: told to the customer.",
    )
    reason = TextAreaField(
        "Reason",
        validators=[Optional(), Length(max=500, message="Keep the reason under 500 characters.")],
        filters=[strip_filter],
        description="When cancelling: told to the customer in the cancellation mail.",
    )

    def describe_moves(self, current: str) -> None:
        """Tell the user where the order can go from ``current``."""
        moves = TRANSITIONS.get(current, ())
        self.status.description = (
            "Can move to: " + " or ".join(moves) + "." if moves else "This status is final."
        )


def order_lines(items_field) -> tuple[list[tuple[int, int]], list[int]]:
    """``(product_id, quantity)`` lines from the inline items, and each line's entry index."""
    lines, positions = [], []
    for index, entry in enumerate(items_field.entries):
        if items_field.should_delete(entry):
            continue
        product = entry.form.product.data
        lines.append((getattr(product, "id", None), entry.form.quantity.data))
        positions.append(index)
    return lines, positions


def show_order_errors(form, exc: OrderError, positions: list[int] | None = None) -> None:
    """Put an OrderError's messages on the form's fields; the rest in a flash message."""
    leftovers = []
    for name, message in exc.errors.items():
        field = getattr(form, name, None)
        if field is None or name == "items":
            leftovers.append(message)
        else:
            field.errors = [*field.errors, message]
    for line, problems in exc.line_errors.items():
        entry = form.items.entries[positions[line]].form
        for name, message in problems.items():
            field = getattr(entry, name)
            field.errors = [*field.errors, message]
    flash(" ".join(["Nothing was saved.", *leftovers]), "error")
