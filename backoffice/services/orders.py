"""Order arithmetic: totals always come from the items."""

from __future__ import annotations

from decimal import Decimal

from backoffice.models import Order
from backoffice.models.base import ZERO

CENT = Decimal("0.01")


def compute_total(order: Order) -> Decimal:
    """Sum of quantity × unit price over the order's items, to the cent."""
    total = sum((item.line_total for item in order.items), ZERO)
    return total.quantize(CENT)
