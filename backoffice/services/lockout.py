"""Failed-login counting and temporary lockout, kept in the database.

The counter is incremented by one UPDATE statement that also decides the lock, so
several workers (or machines) failing the same account at once can neither lose an
increment nor skip past the threshold: the database serialises the row updates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, case, literal, update

from backoffice.extensions import db
from backoffice.models import User, UTCDateTime


@dataclass(frozen=True)
class Failure:
    """The counter after a failed login, and whether this failure set the lock."""

    count: int
    locked_until: dt.datetime | None
    locked_now: bool


def record_failure(user_id: int, *, now: dt.datetime, threshold: int, minutes: int) -> Failure:
    """Count one failed login for ``user_id`` atomically; lock at ``threshold`` failures.

    A failure after an expired lock starts a new count at 1. Failures during a lock
    are counted but do not extend it. The caller commits.
    """
    until = now + dt.timedelta(minutes=minutes)
    now_sql = literal(now, UTCDateTime())
    lock_expired = and_(User.locked_until.is_not(None), User.locked_until <= now_sql)
    lock_running = and_(User.locked_until.is_not(None), User.locked_until > now_sql)
    new_count = case((lock_expired, 1), else_=User.failed_logins + 1)
    new_lock = case(
        (lock_running, User.locked_until),
        (new_count >= threshold, literal(until, UTCDateTime())),
        else_=literal(None, UTCDateTime()),
    )
    row = db.session.execute(
        update(User)
        .where(User.id == user_id)
        .values(failed_logins=new_count, locked_until=new_lock)
        .returning(User.failed_logins, User.locked_until)
        .execution_options(synchronize_session=False)
    ).one()
    # The lock is set exactly when the count reaches the threshold: a running lock only
    # counts on past it, and an expired one restarts the count at 1.
    locked_now = row.locked_until is not None and row.failed_logins == threshold
    return Failure(row.failed_logins, row.locked_until, locked_now)


def clear(user: User) -> None:
    """Forget failed logins and any lock (after a successful login or a password reset)."""
    if user.failed_logins or user.locked_until is not None:
        user.failed_logins = 0
        user.locked_until = None
