"""The order status machine: pending → paid → shipped → delivered, pending/paid → cancelled.

Every move is one conditional UPDATE (``... WHERE status IN (legal sources)``), so two
people moving the same order cannot both succeed, and a set of orders moves in one
statement however large it is. Cancelling returns the items' stock in the same
transaction. Each order moved gets its customer-mail outbox row in the same transaction
too (``services.notifications``): exactly the orders the UPDATE moved, whatever the door.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Select, func, select, update

from backoffice.extensions import db
from backoffice.models import Order, OrderItem, OrderStatus, Product, utcnow
from backoffice.services.notifications import queue_rows
from backoffice.services.orders import OrderError
from backoffice.services.outcome import Outcome

PENDING, PAID, SHIPPED, DELIVERED, CANCELLED = (s.value for s in OrderStatus)

#: Legal moves: status -> the statuses it may move to.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    PENDING: (PAID, CANCELLED),
    PAID: (SHIPPED, CANCELLED),
    SHIPPED: (DELIVERED,),
    DELIVERED: (),
    CANCELLED: (),
}
#: Orders in these statuses still hold stock (cancelling them returns it).
OPEN = (PENDING, PAID)
_PROGRESS = (PENDING, PAID, SHIPPED, DELIVERED)
_DONE = {PENDING: "reopened", PAID: "paid", SHIPPED: "shipped", DELIVERED: "delivered"}
CHANGED_MEANWHILE = "changed by someone else meanwhile"


def sources(target: str) -> tuple[str, ...]:
    """The statuses from which an order may move to ``target``."""
    return tuple(s for s, targets in TRANSITIONS.items() if target in targets)


def refusal(current: str, target: str) -> str | None:
    """Why an order in ``current`` may not move to ``target`` (None: it may)."""
    if target not in TRANSITIONS:
        return f"{target!r} is not an order status"
    if target in TRANSITIONS.get(current, ()):
        return None
    if current == target:
        return f"already {target}"
    if current == CANCELLED:
        return f"cancelled orders cannot be {_DONE[target]}"
    if target == CANCELLED:
        return f"{current} orders cannot be cancelled"
    if _PROGRESS.index(target) < _PROGRESS.index(current):
        return f"{current} orders cannot go back to {target}"
    return f"{current} orders must be {_DONE[_PROGRESS[_PROGRESS.index(current) + 1]]} first"


def transition_orders(ids: Select, target: str, *, reason: str | None = None) -> Outcome:
    """Move every order whose id ``ids`` selects to ``target`` where that move is legal.

    Set-based: one GROUP BY to explain the skips, one UPDATE (cancelling also
    restocks, see ``_move``), one INSERT of the outbox rows. ``reason`` is told to
    the customer (a cancellation's). Does not commit.
    """
    if target not in TRANSITIONS:
        raise ValueError(f"unknown order status {target!r}")
    legal = sources(target)
    in_scope = Order.id.in_(ids.scalar_subquery())
    # Counted before the UPDATE: afterwards a filter such as status=pending in ``ids``
    # no longer matches the rows it just moved.
    by_status = dict(
        db.session.execute(
            select(Order.status, func.count()).where(in_scope).group_by(Order.status)
        ).all()
    )
    changed = _move(in_scope, legal, target, reason)
    skipped: Counter = Counter()
    for status in TRANSITIONS:  # lifecycle order, so messages read the same every time
        if status in by_status and status not in legal:
            skipped[refusal(status, target)] += by_status[status]
    expected = sum(n for s, n in by_status.items() if s in legal)
    if changed < expected:  # another transaction moved some of them first
        skipped[CHANGED_MEANWHILE] += expected - changed
    return Outcome(changed, skipped)


def _move(in_scope, legal: tuple[str, ...], target: str, reason: str | None) -> int:
    """Move the orders in scope, write their outbox rows (and restock); returns the count.

    PostgreSQL does it in ONE statement (data-modifying CTEs): the rows noted, and the
    items restocked, are exactly those of the orders the UPDATE moved even while others
    write. SQLite allows one writer at a time and our transaction holds the write lock
    from the first write (the INSERT of the outbox rows), so the statements that follow
    see the same rows.
    """
    now = utcnow()
    movable = (in_scope, Order.status.in_(legal))
    moving = update(Order).where(*movable).values(status=target, updated_at=now)
    if db.session.get_bind().dialect.name == "postgresql":
        moved = moving.returning(Order.id, Order.user_id).cte("moved")
        ctes = [queue_rows(moved, target, reason=reason).cte("noted")]
        if target == CANCELLED:
            ctes.append(_restock(select(moved.c.id), now).returning(Product.id).cte("restocked"))
        # Counted here, not with counts.count_rows: PostgreSQL allows data-modifying
        # WITH only at the top level, never inside the subquery that count wraps.
        return db.session.scalar(select(func.count()).select_from(moved).add_cte(*ctes))
    db.session.execute(
        queue_rows(
            select(Order.id, Order.user_id).where(*movable).subquery(), target, reason=reason
        )
    )
    if target == CANCELLED:
        db.session.execute(
            _restock(select(Order.id).where(*movable), now),
            execution_options={"synchronize_session": False},
        )
    return db.session.execute(moving.execution_options(synchronize_session=False)).rowcount


def _restock(order_ids: Select, now):
    """UPDATE products FROM (per-product sums of the items of ``order_ids``)."""
    returned = (
        select(OrderItem.product_id, func.sum(OrderItem.quantity).label("quantity"))
        .where(OrderItem.order_id.in_(order_ids))
        .group_by(OrderItem.product_id)
        .subquery()
    )
    return (
        update(Product)
        .where(Product.id == returned.c.product_id)
        .values(stock=Product.stock + returned.c.quantity, updated_at=now)
    )


def change_status(
    order_id: int,
    target: str,
    *,
    reason: str | None = None,
    carrier: str | None = None,
    tracking_number: str | None = None,
) -> None:
    """Move one order to ``target``, or raise OrderError({"status": reason}); the caller commits.

    Same statements as the bulk actions, so the same rules and the same atomicity. A
    refusal changes nothing. ``carrier`` and ``tracking_number`` (shipped only) are
    saved with the move, so the customer's mail carries them.
    """
    current = db.session.scalar(select(Order.status).where(Order.id == order_id))
    if current is None:
        raise OrderError({"status": "That order does not exist."})
    reason_refused = refusal(current, target)
    if reason_refused is None:
        if target == SHIPPED and (carrier or tracking_number):
            db.session.execute(
                update(Order)
                .where(Order.id == order_id, Order.status.in_(sources(SHIPPED)))
                .values(carrier=carrier or None, tracking_number=tracking_number or None)
                .execution_options(synchronize_session=False)
            )
        one = select(Order.id).where(Order.id == order_id)
        if transition_orders(one, target, reason=reason).changed != 1:
            reason_refused = CHANGED_MEANWHILE
    if reason_refused is not None:
        raise OrderError({"status": f"Refused: {reason_refused}."})
