"""What a set-based change did, in a form the admin, the CLI and tests can all report."""

from __future__ import annotations

from collections import Counter
from typing import NamedTuple

from sqlalchemy import Select, func, select

from backoffice.extensions import db


class Outcome(NamedTuple):
    """Rows changed, and rows left alone counted by reason (``{"already paid": 2}``)."""

    changed: int
    skipped: Counter


def count_of(ids: Select) -> int:
    """How many rows a SELECT of keys targets, counted by the database."""
    return db.session.scalar(select(func.count()).select_from(ids.subquery())) or 0
