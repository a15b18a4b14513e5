"""Idempotency keys: a request retried with the same key gets the first answer, once.

The record is claimed with an INSERT, the first write of the transaction that makes
the change, and completed with the answer before that transaction commits. A second
request with the same key (per API key) finds one of:

- the committed record: it gets the stored answer, and nothing runs again;
- a record still being written by a transaction in flight: its INSERT waits on the
  unique index (PostgreSQL row lock; SQLite's single writer) until that transaction
  ends, then either finds the committed record or, if it rolled back, claims the key;
- nothing: it claims the key and runs.

So however many retries arrive at once, the change happens exactly once. Refused
requests (the transaction rolls back) store nothing: a retry is tried afresh.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from backoffice import clock
from backoffice.extensions import db
from backoffice.models import IdempotencyRecord

MAX_KEY_LENGTH = 255


def fingerprint(method: str, path: str, body: bytes) -> str:
    """SHA-256 of what was asked, so a key reused for another request can be refused."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _find(api_key_id: int, key: str) -> IdempotencyRecord | None:
    return db.session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.api_key_id == api_key_id, IdempotencyRecord.key == key
        )
    )


def claim(api_key_id: int, key: str, print_: str) -> tuple[IdempotencyRecord | None, bool]:
    """The record for ``key`` and whether it is new (True: go ahead; False: answer from it).

    Must be the first write of the caller's transaction: losing the race for the key
    rolls the transaction back (no savepoint: SQLite's driver would commit on its
    release). Waits for a concurrent transaction holding the same key to end. Does
    not commit.
    """
    existing = _find(api_key_id, key)
    if existing is not None:
        return existing, False
    record = IdempotencyRecord(api_key_id=api_key_id, key=key, fingerprint=print_)
    db.session.add(record)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()  # another request claimed the key and has committed
        return _find(api_key_id, key), False
    return record, True


def complete(record: IdempotencyRecord, status_code: int, response: dict) -> None:
    """Store the answer (committed with the change it describes)."""
    record.status_code = status_code
    record.response = response


def remove_expired(days: int, limit: int = 5000) -> int:
    """Delete up to ``limit`` records older than ``days`` days (oldest first); how many went.

    A retry comes minutes or hours after its request, not weeks: past the retention a
    key is forgotten, and the same key would place a new order. Does not commit; the
    caller repeats until fewer than ``limit`` go, committing in between.
    """
    cutoff = clock.now() - dt.timedelta(days=days)
    old = (
        select(IdempotencyRecord.id)
        .where(IdempotencyRecord.created_at < cutoff)
        .order_by(IdempotencyRecord.created_at)
        .limit(limit)
    )
    statement = delete(IdempotencyRecord).where(IdempotencyRecord.id.in_(old.scalar_subquery()))
    return db.session.execute(statement.execution_options(synchronize_session=False)).rowcount
