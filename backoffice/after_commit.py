"""Work that must wait for the database transaction: done once it commits, or once it fails.

Deleting the files a change stops referring to, or sending mail about it, cannot happen
inside the transaction: it may still roll back. A ``Held`` list keeps such items on the
database session, each tied to the transaction (or savepoint) it was added in:

- the outermost commit hands them all to ``committed`` (a released savepoint passes its
  items on to the enclosing transaction, which can still roll back);
- a transaction or savepoint that ends without committing (rollback, or a session closed
  before its commit) hands its own items to ``dropped``.

The listeners are on SQLAlchemy's ``Session`` class, so they serve every session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from backoffice.extensions import db

Handler = Callable[[list[Any]], None]

_HELD: list[Held] = []


class Held:
    """Items waiting for the current transaction's outcome; ``name`` keys them in Session.info."""

    def __init__(
        self, name: str, *, committed: Handler | None = None, dropped: Handler | None = None
    ):
        self.key = f"backoffice.after_commit.{name}"
        self.committed = committed
        self.dropped = dropped
        _HELD.append(self)

    def add(self, item: Any) -> None:
        """Keep ``item`` until the current transaction (begun now if none is) commits or ends."""
        session = db.session()
        if not session.in_transaction():
            session.begin()  # bind the item to a transaction, so closing the session drops it
        transaction = session.get_nested_transaction() or session.get_transaction()
        session.info.setdefault(self.key, []).append((transaction, item))


def _after_commit(session: Session) -> None:
    savepoint = session.get_nested_transaction()
    for held in _HELD:
        items = session.info.get(held.key)
        if not items:
            continue
        if savepoint is not None:  # released: its items now wait on the enclosing transaction
            session.info[held.key] = [
                (savepoint.parent if t is savepoint else t, item) for t, item in items
            ]
            continue
        del session.info[held.key]
        if held.committed:
            held.committed([item for _t, item in items])


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    outermost = transaction.parent is None
    for held in _HELD:
        items = session.info.get(held.key)
        if not items:
            continue
        gone = [item for t, item in items if outermost or t is transaction]
        if not gone:
            continue
        kept = [] if outermost else [(t, item) for t, item in items if t is not transaction]
        session.info[held.key] = kept
        if held.dropped:
            held.dropped(gone)


event.listen(Session, "after_commit", _after_commit)
event.listen(Session, "after_transaction_end", _after_transaction_end)
