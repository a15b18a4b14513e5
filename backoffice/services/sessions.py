"""Server-side sessions: start one at login, check it on each request, revoke it at logout.

The browser holds a random token (inside the signed Flask session and the remember-me
cookie); the table holds its SHA-256, so a copy of the table cannot sign anybody in.
Nothing here commits: the caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import delete, update

from backoffice.extensions import db
from backoffice.models import User, UserSession, new_uniquifier

#: last_seen_at is written at most this often per session (one UPDATE a minute, not a request).
TOUCH_EVERY = dt.timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _printable(text: str | None) -> str:
    """``text`` without control characters (PostgreSQL refuses NUL; none belong in a header)."""
    return "".join(ch for ch in text or "" if ch.isprintable())


def start(user_id: int, *, now: dt.datetime, ip: str | None, user_agent: str | None):
    """Create a session for ``user_id``; return ``(token for the browser, row)``."""
    token = secrets.token_urlsafe(32)
    row = UserSession(
        id=_digest(token),
        user_id=user_id,
        created_at=now,
        last_seen_at=now,
        ip=ip,
        user_agent=_printable(user_agent)[:255] or None,
    )
    db.session.add(row)
    return token, row


def find_live(token: str) -> UserSession | None:
    """The session this token names, unless it is unknown or revoked (one primary-key read)."""
    row = db.session.get(UserSession, _digest(token))
    if row is None or row.revoked_at is not None:
        return None
    return row


def touch_due(row: UserSession, now: dt.datetime) -> bool:
    """True when ``last_seen_at`` is older than TOUCH_EVERY."""
    return now - row.last_seen_at >= TOUCH_EVERY


def touch(connection, session_id: str, now: dt.datetime) -> None:
    """Record on ``connection`` that the session was used at ``now``."""
    connection.execute(
        update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now)
    )


def revoke(session_id: str, now: dt.datetime) -> None:
    """End one session (logout): its cookies, and every copy of them, stop working."""
    db.session.execute(
        update(UserSession)
        .where(UserSession.id == session_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def revoke_others(user_id: int, keep: str | None, now: dt.datetime) -> None:
    """End every live session of ``user_id`` except ``keep`` (after a password change)."""
    query = update(UserSession).where(
        UserSession.user_id == user_id, UserSession.revoked_at.is_(None)
    )
    if keep is not None:
        query = query.where(UserSession.id != keep)
    db.session.execute(query.values(revoked_at=now))


def revoke_users(user_ids, now: dt.datetime) -> None:
    """End every live session of the users a SELECT of ids names (suspension).

    The new uniquifier already refuses their cookies; this keeps the rows truthful for
    whoever lists a user's devices.
    """
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id.in_(user_ids), UserSession.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )


def end_everywhere(user: User, now: dt.datetime) -> None:
    """Sign ``user`` out on every device: each session row ends and a new uniquifier
    refuses every session and remember-me cookie, copies included."""
    user.fs_uniquifier = new_uniquifier()
    revoke_users([user.id], now)


def forget_user(user_id: int) -> None:
    """Delete every session row of ``user_id`` (erasure: addresses and agents are personal)."""
    db.session.execute(delete(UserSession).where(UserSession.user_id == user_id))
