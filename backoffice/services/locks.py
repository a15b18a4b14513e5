"""Locks for check-then-write rules, holding alike on PostgreSQL and SQLite.

A rule such as "one active admin always stays" reads the database, then writes. Two
transactions doing that at once both read the old state and both write, unless the
second one waits for the first before it reads. The lock must come first, the reads after.

- PostgreSQL: ``SELECT ... FOR UPDATE`` on an agreed row. The second transaction waits
  there until the first commits; under READ COMMITTED each later statement then sees
  that commit.
- SQLite has no row locks (SQLAlchemy drops FOR UPDATE), and Python's sqlite3, in its
  default (legacy) transaction mode, runs SELECTs outside any transaction: it only
  sends BEGIN before an INSERT, UPDATE or DELETE. What serialises writers is the
  database's single write lock (RESERVED), taken by the first write statement of a
  transaction; a second writer waits for it (the driver's busy timeout, 5 s unless
  configured) and then reads what the first committed. So here an UPDATE that matches
  no row opens the transaction and takes that lock before anything is read. It locks
  the whole database for writing until the commit, which SQLite does for any write.
  The same holds in WAL mode (file databases use it): a transaction whose first
  statement writes reads the latest commit, and other writers wait for its lock.

After the lock, read with fresh SQL or ``Session.refresh``: objects loaded earlier in the
request (``current_user``, the form's model) hold what was true before the wait.
"""

from __future__ import annotations

from sqlalchemy import false, select, update
from sqlalchemy.exc import OperationalError

from backoffice.extensions import db
from backoffice.models import Role
from backoffice.permissions import ADMIN

BUSY = "Another change is being saved right now; nothing was changed. Please try again."


class LockBusy(Exception):
    """SQLite's write lock was not granted within the busy timeout. Message for users."""


def lock_rows(model, *conditions) -> None:
    """Hold ``model``'s rows matching ``conditions`` until the transaction ends.

    On SQLite the database write lock is taken instead (see the module docstring), and
    ``LockBusy`` is raised if another writer holds it past the busy timeout. These are
    Core statements: nothing pending in the session is flushed before the lock is held.
    """
    table = model.__table__
    if db.session.get_bind().dialect.name == "sqlite":
        # Matches no row: the statement is there for the lock it takes, not for a change.
        pk = next(iter(table.primary_key.columns))
        try:
            db.session.execute(update(table).where(false()).values({pk: pk}))
        except OperationalError as exc:
            if "locked" not in str(exc.orig):
                raise
            raise LockBusy(BUSY) from exc
    else:
        db.session.execute(select(*table.primary_key.columns).where(*conditions).with_for_update())


def lock_admin_set() -> None:
    """Lock the admin role's row before reading who the active admins are.

    Every change that can shrink the set of active admins (suspend, revoke admin,
    erase) takes this one lock first, so two admins removing each other at the same
    moment are serialised: the second sees the first's change and is refused as the
    last active admin. Demotion only touches ``roles_users`` and suspension only
    ``users``; the role's row is the one place both agree on.
    """
    lock_rows(Role, Role.name == ADMIN)
