"""Delivering the order-mail outbox: claim before sending, mark after, never send twice.

The rule that keeps a killed worker from sending a mail twice: a row is *claimed*
(``claimed_at`` set, ``attempts`` raised) and that claim is COMMITTED before the mail
leaves. Only unclaimed rows are ever claimed. So:

- the mail was sent and marked: ``sent``;
- SMTP refused it: the claim is released with the error and the next attempt's time
  (backoff), or the row is ``failed`` once out of attempts;
- the worker died after claiming (before or after sending, nobody can tell): the row
  stays claimed, is never picked again, and once the claim is older than
  ``STALE_CLAIM`` it is marked ``failed`` ("may have been sent"). Staff decide with the
  Retry action; a retried mail carries the same Message-ID (``message_id``), so a mail
  client that got the first copy shows one.

These functions never commit: the worker (``jobs.notify``) commits each step.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Select, func, select, update

from backoffice import clock
from backoffice.extensions import db
from backoffice.models import OrderNotification as Row
from backoffice.models import utcnow
from backoffice.services.notifications import kick
from backoffice.services.outcome import Outcome

#: A claim older than this is a worker that died mid-send (MAIL_TIMEOUT is far shorter).
STALE_CLAIM = dt.timedelta(minutes=15)
STOPPED = "the worker stopped while sending: it may have been sent; Retry sends it again"


def message_id(row: Row, domain: str) -> str:
    """The Message-ID of ``row``'s mail: the same for every attempt at it."""
    return f"<order-{row.order_id}-{row.status}-{row.id}@{domain}>"


def claim_due(limit: int) -> list[int]:
    """Claim up to ``limit`` due, unclaimed pending rows (oldest first); their ids."""
    now = clock.now()
    due = (
        select(Row.id)
        .where(Row.state == "pending", Row.claimed_at.is_(None), Row.next_attempt_at <= now)
        .order_by(Row.next_attempt_at, Row.id)
        .limit(limit)
        .scalar_subquery()
    )
    claimed = db.session.scalars(
        update(Row)
        .where(Row.id.in_(due), Row.claimed_at.is_(None), Row.state == "pending")
        .values(claimed_at=now, attempts=Row.attempts + 1, updated_at=utcnow())
        .returning(Row.id)
        .execution_options(synchronize_session=False)
    ).all()
    return sorted(claimed)


def claimed_lately(window: dt.timedelta = dt.timedelta(minutes=1)) -> int:
    """Rows claimed (by any worker) within ``window``: the shared pace of MAIL_RATE_LIMIT."""
    return db.session.scalar(
        select(func.count()).select_from(Row).where(Row.claimed_at >= clock.now() - window)
    )


def mark_sent(row_id: int) -> None:
    """The claimed row's mail left."""
    _set(row_id, state="sent", sent_at=clock.now(), last_error=None)


def mark_skipped(row_id: int, why: str) -> None:
    """No mail is due after all (the customer was erased meanwhile)."""
    _set(row_id, state="skipped", last_error=why)


def mark_failed(row_id: int, error: str, *, retries: int, first_wait: int) -> None:
    """The attempt failed: release the claim for a later attempt, or fail for good."""
    row = db.session.get(Row, row_id, populate_existing=True)
    if row.attempts > retries:
        _set(row_id, state="failed", last_error=error[:1000])
        return
    wait = dt.timedelta(seconds=first_wait * 2 ** (row.attempts - 1))
    _set(row_id, claimed_at=None, last_error=error[:1000], next_attempt_at=clock.now() + wait)


def fail_stale_claims() -> int:
    """Rows claimed by a worker that died: failed, never resent on their own; the count."""
    return db.session.execute(
        update(Row)
        .where(Row.state == "pending", Row.claimed_at < clock.now() - STALE_CLAIM)
        .values(state="failed", last_error=STOPPED, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount


def next_due() -> dt.datetime | None:
    """When the earliest unclaimed pending row is due (None: nothing waits)."""
    return db.session.scalar(
        select(func.min(Row.next_attempt_at)).where(
            Row.state == "pending", Row.claimed_at.is_(None)
        )
    )


def retry(ids: Select) -> Outcome:
    """Send the failed rows ``ids`` selects again (from a fresh set of attempts)."""
    in_scope = Row.id.in_(ids.scalar_subquery())
    by_state = dict(
        db.session.execute(
            select(Row.state, func.count()).where(in_scope).group_by(Row.state)
        ).all()
    )
    now = clock.now()
    changed = db.session.execute(
        update(Row)
        .where(in_scope, Row.state == "failed")
        .values(
            state="pending",
            claimed_at=None,
            attempts=0,
            next_attempt_at=now,
            retried_at=now,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    outcome = Outcome(changed)
    outcome.skip("already sent", by_state.get("sent", 0))
    outcome.skip("still being sent", by_state.get("pending", 0))
    outcome.skip("no mail due", by_state.get("skipped", 0))
    if changed:
        kick()
    return outcome


def _set(row_id: int, **values) -> None:
    db.session.execute(
        update(Row)
        .where(Row.id == row_id)
        .values(updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
