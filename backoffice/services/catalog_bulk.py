"""Set-based changes to many products or books at once (the admin's bulk actions).

Each function takes a SELECT of primary keys, changes the rows with one UPDATE or
DELETE (plus at most one counting query to explain the skips) and does not commit.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Select, bindparam, delete, exists, or_, select, update

from backoffice.extensions import db
from backoffice.models import utcnow
from backoffice.services.counts import count_rows
from backoffice.services.outcome import Outcome

#: The largest stock a row can hold (PostgreSQL INTEGER).
MAX_STOCK = 2_147_483_647
#: Why the stock guard left a row alone (``set_stock_if_unchanged``).
STOCK_MOVED = "stock changed meanwhile (an order?)"


def _update(model, ids: Select, *conditions, **values) -> int:
    """UPDATE the rows in ``ids`` that meet ``conditions``; the number changed."""
    return db.session.execute(
        update(model)
        .where(model.id.in_(ids.scalar_subquery()), *conditions)
        .values(**values, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount


def set_available(model, ids: Select, value: bool) -> Outcome:
    """Put the rows on sale (or take them off); rows already so are skipped."""
    total = count_rows(ids)
    changed = _update(model, ids, model.is_available.is_not(value), is_available=value)
    reason = "already " + ("available" if value else "unavailable")
    return Outcome(changed, +Counter({reason: total - changed}))


def adjust_stock(model, ids: Select, delta: int) -> Outcome:
    """Add ``delta`` (may be negative) to every row's stock.

    Rows that would go below zero, or above MAX_STOCK, are skipped with a reason,
    not clamped: a clamped "remove 10" that removed 3 would be a silent lie. The
    bounds are in the UPDATE's WHERE, so a concurrent sale cannot push a row below
    zero between check and write, and the stock >= 0 CHECK never fires. The bound is
    written as ``stock >= -delta`` (not ``stock + delta >= 0``) so the database never
    computes a sum that could overflow its integer.
    """
    fits = model.stock <= MAX_STOCK - delta if delta >= 0 else model.stock >= -delta
    reason = _misfit_reason(delta)
    misfits = count_rows(select(model.id).where(model.id.in_(ids.scalar_subquery()), ~fits))
    changed = _update(model, ids, fits, stock=model.stock + delta)
    return Outcome(changed, +Counter({reason: misfits}))


def _misfit_reason(delta: int) -> str:
    return f"stock would exceed {MAX_STOCK:,}" if delta >= 0 else f"fewer than {-delta:,} in stock"


def stock_misfit(stock: int, delta: int) -> str | None:
    """Why ``adjust_stock`` would refuse to add ``delta`` to ``stock`` (None: it fits)."""
    fits = stock <= MAX_STOCK - delta if delta >= 0 else stock >= -delta
    return None if fits else _misfit_reason(delta)


def set_stock_if_unchanged(model, rows: list[tuple[int, int, int]]) -> Outcome:
    """Set each row's stock to ``wanted`` only if it still holds ``seen``: ``(id, seen, wanted)``.

    The stock guard of the edit form and of imports: ``UPDATE ... WHERE stock = seen``,
    so an order placed since the figure was read is never overwritten; such rows are
    skipped (counted), never written. One executemany for all the rows.
    """
    if not rows:
        return Outcome()
    table = model.__table__
    statement = (
        update(table)
        .where(table.c.id == bindparam("_id"), table.c.stock == bindparam("_seen"))
        .values(stock=bindparam("_wanted"), updated_at=utcnow())
    )
    params = [{"_id": i, "_seen": seen, "_wanted": wanted} for i, seen, wanted in rows]
    changed = db.session.execute(statement, params).rowcount
    return Outcome(changed, +Counter({STOCK_MOVED: len(rows) - changed}))


def set_value(model, ids: Select, column: str, value: str) -> Outcome:
    """Set a text column (category, genre) to ``value``; rows already there are skipped."""
    attr = getattr(model, column)
    total = count_rows(ids)
    changed = _update(model, ids, or_(attr.is_(None), attr != value), **{column: value})
    return Outcome(changed, +Counter({f"already {value}": total - changed}))


def delete_unreferenced(model, ids: Select, referenced_by=None, reason: str = "") -> Outcome:
    """Delete the rows in ``ids`` that nothing refers to.

    ``referenced_by`` is a foreign-key column pointing at ``model.id`` (e.g.
    ``OrderItem.product_id``); rows it refers to are history and are skipped with
    ``reason``. A row referenced concurrently makes the DELETE fail on its foreign
    key, which refuses the whole batch rather than leaving a dangling reference.
    """
    in_scope = model.id.in_(ids.scalar_subquery())
    conditions = [in_scope]
    skipped: Counter = Counter()
    if referenced_by is not None:
        used = exists().where(referenced_by == model.id)
        skipped[reason] = count_rows(select(model.id).where(in_scope, used))
        conditions.append(~used)
    changed = db.session.execute(
        delete(model).where(*conditions).execution_options(synchronize_session=False)
    ).rowcount
    return Outcome(changed, +skipped)
