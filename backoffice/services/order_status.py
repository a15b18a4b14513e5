"""The order status machine: pending → paid → shipped → delivered, pending/paid → cancelled.

Every move is one conditional UPDATE (``... WHERE status IN (legal sources)``), so two
people moving the same order cannot both succeed, and a set of orders moves in one
statement however large it is. Cancelling returns the items' stock in the same
transaction.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Select, func, select, update

from backoffice.extensions import db
from backoffice.models import Order, OrderItem, OrderStatus, Product, utcnow
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


def transition_orders(ids: Select, target: str) -> Outcome:
    """Move every order whose id ``ids`` selects to ``target`` where that move is legal.

    Set-based: one GROUP BY to explain the skips, one UPDATE (cancelling also
    restocks, see ``_cancel``). Does not commit.
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
    if target == CANCELLED:
        changed = _cancel(in_scope)
    else:
        changed = db.session.execute(
            update(Order)
            .where(in_scope, Order.status.in_(legal))
            .values(status=target, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
    skipped: Counter = Counter()
    for status in TRANSITIONS:  # lifecycle order, so messages read the same every time
        if status in by_status and status not in legal:
            skipped[refusal(status, target)] += by_status[status]
    expected = sum(n for s, n in by_status.items() if s in legal)
    if changed < expected:  # another transaction moved some of them first
        skipped[CHANGED_MEANWHILE] += expected - changed
    return Outcome(changed, skipped)


def _cancel(in_scope) -> int:
    """Cancel the open orders in scope and put their items back in stock; returns the count.

    PostgreSQL does both in ONE statement (data-modifying CTEs), so the orders that
    are restocked are exactly the ones cancelled even while others write. SQLite
    allows one writer at a time and our transaction holds the write lock from the
    first UPDATE, so two statements see the same rows there.
    """
    now = utcnow()
    if db.session.get_bind().dialect.name == "postgresql":
        cancelled = (
            update(Order)
            .where(in_scope, Order.status.in_(OPEN))
            .values(status=CANCELLED, updated_at=now)
            .returning(Order.id)
            .cte("cancelled")
        )
        restocked = _restock(select(cancelled.c.id), now).returning(Product.id).cte("restocked")
        # Counted here, not with counts.count_rows: PostgreSQL allows data-modifying
        # WITH only at the top level, never inside the subquery that count wraps.
        return db.session.scalar(select(func.count()).select_from(cancelled).add_cte(restocked))
    open_orders = select(Order.id).where(in_scope, Order.status.in_(OPEN))
    db.session.execute(_restock(open_orders, now), execution_options={"synchronize_session": False})
    return db.session.execute(
        update(Order)
        .where(in_scope, Order.status.in_(OPEN))
        .values(status=CANCELLED, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount


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


def change_status(order_id: int, target: str) -> None:
    """Move one order to ``target``, or raise OrderError({"status": reason}); the caller commits.

    Same statements as the bulk actions, so the same rules and the same atomicity. A
    refusal changes nothing.
    """
    current = db.session.scalar(select(Order.status).where(Order.id == order_id))
    if current is None:
        raise OrderError({"status": "That order does not exist."})
    reason = refusal(current, target)
    if reason is None:
        outcome = transition_orders(select(Order.id).where(Order.id == order_id), target)
        if outcome.changed != 1:
            reason = CHANGED_MEANWHILE
    if reason is not None:
        raise OrderError({"status": f"Refused: {reason}."})
