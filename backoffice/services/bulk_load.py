"""Database housekeeping around bulk inserts (seed-demo): caches, sequences, statistics."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select, text

from backoffice.after_commit import Held
from backoffice.extensions import db


def fast_sqlite_session() -> None:
    """A bigger page cache for this connection: index upkeep dominates large inserts."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(text("PRAGMA cache_size = -262144"))  # 256 MB


def sync_id_sequences(models: Iterable) -> None:
    """After inserting explicit ids, move PostgreSQL's id sequences past them.

    Otherwise the next row the app creates (a user signing up, an order placed)
    collides with a seeded id. SQLite picks max(rowid) + 1 by itself.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for model in models:
        sequence = func.pg_get_serial_sequence(model.__table__.name, "id")
        db.session.execute(select(func.setval(sequence, func.coalesce(func.max(model.id), 1))))


def refresh_statistics_after_commit(models: Iterable) -> None:
    """``refresh_statistics`` of ``models`` once the current transaction commits."""
    _LOADED.add(tuple(models))


def refresh_statistics(models: Iterable) -> None:
    """Give the query planners fresh statistics after a bulk load (call after committing).

    PostgreSQL: ``VACUUM (ANALYZE)`` of the loaded tables, outside any transaction.
    Besides the statistics (which also feed the admin's row estimates) it sets the
    visibility map, so counts and sums run as index-only scans at once rather than
    after autovacuum gets round to the new rows. SQLite: ``ANALYZE`` over a sample of
    each index (``analysis_limit``): seconds, not minutes, for a million rows.
    """
    engine = db.engine
    if engine.dialect.name == "postgresql":
        tables = ", ".join(model.__table__.name for model in models)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f"VACUUM (ANALYZE) {tables}"))
    elif engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            conn.execute(text("PRAGMA analysis_limit = 2000"))
            conn.execute(text("ANALYZE"))


def _refresh(loads: list[tuple]) -> None:
    refresh_statistics(dict.fromkeys(model for load in loads for model in load))


_LOADED = Held("bulk_loaded", committed=_refresh)
