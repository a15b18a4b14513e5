"""Orders for tests, made the real way: placed through the service, moved through legal steps."""

from __future__ import annotations

import datetime as dt

from backoffice.extensions import db
from backoffice.services.order_status import change_status
from backoffice.services.orders import place_order

#: Legal moves from pending to each status.
PATH = {
    "pending": [],
    "paid": ["paid"],
    "shipped": ["paid", "shipped"],
    "delivered": ["paid", "shipped", "delivered"],
    "cancelled": ["cancelled"],
}


def place(
    app,
    customer: int,
    lines: list[tuple[int, int]],
    status: str = "pending",
    created_at: dt.datetime | None = None,
) -> int:
    """Place an order of ``lines`` for ``customer`` and move it to ``status``; its id."""
    with app.app_context():
        oid = place_order(customer, lines, "1 High Street", created_at=created_at).id
        for step in PATH[status]:
            change_status(oid, step)
        db.session.commit()
    return oid
