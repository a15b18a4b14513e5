"""Housekeeping of the REST API's records: old Idempotency-Key answers leave the database."""

from __future__ import annotations

from flask import current_app

from backoffice.extensions import db
from backoffice.services import idempotency

#: Records deleted per transaction: short transactions beside the API's writes.
BATCH = 5000


def remove_expired_idempotency_records() -> int:
    """Delete records older than IDEMPOTENCY_RETENTION_DAYS, a batch per commit; how many."""
    days = int(current_app.config["IDEMPOTENCY_RETENTION_DAYS"])
    removed = 0
    while True:
        gone = idempotency.remove_expired(days, BATCH)
        db.session.commit()
        removed += gone
        if gone < BATCH:
            return removed
