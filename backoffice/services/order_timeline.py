"""An order's story, newest first: placed, status changes, mails, and (for staff) notes.

Staff see everything (``staff_timeline``): who changed the status and why, each mail's
fate (sent, failed with the error, retried, not due), and the staff notes. The customer
sees their side (``customer_timeline``): placed, and each status change with its date,
with the carrier and tracking number once shipped; never the notes, who did it or the
mail bookkeeping.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import Order, OrderNote, OrderNotification

#: What each status change reads as.
MOVED = {
    "paid": "Paid",
    "shipped": "Shipped",
    "delivered": "Delivered",
    "cancelled": "Cancelled",
}


@dataclass(frozen=True)
class Event:
    """One line of the timeline."""

    at: dt.datetime
    kind: str  # placed, status, mail, note
    title: str
    who: str | None = None
    detail: str | None = None
    #: ``(quantity, product, line total)`` of a placed order.
    lines: tuple = ()
    #: The note itself (kind "note"), for its edit link.
    note: OrderNote | None = None
    #: A mail's state (kind "mail"): sent, failed, pending, skipped, retried.
    state: str | None = None
    extra: dict = field(default_factory=dict)


def _placed(order: Order) -> Event:
    lines = tuple((i.quantity, str(i.product), i.line_total) for i in order.items)
    return Event(order.created_at, "placed", "Placed", detail=f"Total {order.total}", lines=lines)


def _status(row: OrderNotification, order: Order, *, staff: bool) -> Event:
    detail = row.reason
    if row.status == "shipped" and (order.carrier or order.tracking_number):
        tracking = f"{order.carrier or 'Carrier'}: {order.tracking_number or 'no tracking number'}"
        detail = f"{tracking}. {detail}" if detail else tracking
    who = (row.changed_by or "command line") if staff else None
    return Event(row.created_at, "status", MOVED.get(row.status, row.status), who, detail)


def _mails(row: OrderNotification) -> list[Event]:
    about = MOVED.get(row.status, row.status).lower()
    events = []
    if row.retried_at:
        events.append(Event(row.retried_at, "mail", f"Mail ({about}) retried", state="retried"))
    if row.state == "sent":
        events.append(Event(row.sent_at, "mail", f"Mail ({about}) sent", state="sent"))
    elif row.state == "failed":
        title = f"Mail ({about}) failed after {row.attempts} attempt(s)"
        events.append(Event(row.updated_at, "mail", title, detail=row.last_error, state="failed"))
    elif row.state == "skipped":
        events.append(
            Event(
                row.created_at, "mail", f"No mail ({about})", detail=row.last_error, state="skipped"
            )
        )
    else:
        title = f"Mail ({about}) waiting to be sent"
        if row.attempts:
            title += f" ({row.attempts} attempt(s) so far)"
        events.append(Event(row.updated_at, "mail", title, detail=row.last_error, state="pending"))
    return events


def _notes(order_id: int) -> list[Event]:
    notes = db.session.scalars(
        select(OrderNote).where(OrderNote.order_id == order_id).order_by(OrderNote.created_at)
    )
    return [
        Event(n.created_at, "note", "Note", n.author_email or "erased account", n.text, note=n)
        for n in notes
    ]


def _newest_first(events: list[Event]) -> list[Event]:
    # Ties (a status change and its skipped mail share a time): the later-built one first.
    ranked = sorted(enumerate(events), key=lambda p: (p[1].at, p[0]), reverse=True)
    return [e for _, e in ranked]


def staff_timeline(order: Order) -> list[Event]:
    """Everything that happened to ``order``, newest first, for staff."""
    events = [_placed(order)]
    for row in order.notifications:
        events.append(_status(row, order, staff=True))
        events.extend(_mails(row))
    events.extend(_notes(order.id))
    return _newest_first(events)


def customer_timeline(order: Order) -> list[Event]:
    """The customer's side of ``order``, newest first: placed and each status change."""
    events = [_placed(order)]
    events.extend(_status(row, order, staff=False) for row in order.notifications)
    return _newest_first(events)
