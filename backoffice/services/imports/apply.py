"""Write one classified batch: new rows inserted, updates written, stock by the stock guard.

Set-based per batch: new rows are one INSERT (ON CONFLICT DO NOTHING on the key, from
a COPY on PostgreSQL: a row created by someone else since the batch was classified is
skipped, counted, never half-written); updates are one executemany UPDATE per set of
changed columns. Stock is never written by those: a stock figure goes through the guarded SQL of the
catalogue's bulk services, so a sale made during the import is never lost:
``set`` mode writes ``WHERE stock = <figure read for this batch>`` (the edit form's
stock guard), ``add`` mode adds with the bounds of the bulk "Adjust stock".

A row is written whole or not at all. Before an update with a stock figure is written,
the batch's rows are locked (``locks.lock_rows``: row locks on PostgreSQL, the write
lock on SQLite) and their stock read again; a row the guard would refuse (stock changed
since it was classified, or out of bounds) is a *conflict*: none of its columns is
written, and it is reported with its line, key and reason (``Written.conflicts``).
Rows in error are not written at all. Nothing here commits.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from psycopg import sql
from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from backoffice.extensions import db
from backoffice.models import utcnow
from backoffice.models.catalog import name_key
from backoffice.services import catalog_bulk
from backoffice.services.imports.fields import Target
from backoffice.services.imports.plan import Classified
from backoffice.services.locks import lock_rows

#: Counts of rows left alone whole because the stock guard refused them: ``"conflict: <reason>"``.
CONFLICT = "conflict"


@dataclass
class Written:
    """What ``write_batch`` did: counts by outcome, and each conflict row with its reason."""

    counts: Counter = field(default_factory=Counter)
    #: ``[{"line", "key", "reason"}]`` of the updates left alone whole (see the docstring).
    conflicts: list[dict] = field(default_factory=list)


def write_batch(target: Target, batch: list[Classified], *, mode: str = "set") -> Written:
    """Write the new and updated rows of ``batch``: ``created``, ``updated``, skips, conflicts."""
    written = Written()
    counts = written.counts
    new = [c.row.values for c in batch if c.cls == "new"]
    updates = [c for c in batch if c.cls == "update"]
    if new:
        created = _insert(target, new)
        counts["created"] += created
        counts["skipped: created by someone else meanwhile"] += len(new) - created
    if updates:
        refused = _stock_conflicts(target, updates, mode)
        for c in updates:
            if c.id in refused:
                reason = refused[c.id]
                written.conflicts.append({"line": c.row.line, "key": c.row.key, "reason": reason})
                counts[f"{CONFLICT}: {reason}"] += 1
        updates = [c for c in updates if c.id not in refused]
        counts.update(_update_stock(target, updates, mode))
        _update_fields(target, updates)
        counts["updated"] += len(updates)
    written.counts = +counts
    return written


def _stock_conflicts(target: Target, updates: list[Classified], mode: str) -> dict[int, str]:
    """Lock the rows whose stock changes and read it again: ``{id: reason}`` of those refused.

    The reasons are the guards' own: ``set`` needs the stock still as it was read when the
    row was classified; ``add`` (``diff`` holds the figure read and that figure plus the
    file's: their difference is added to whatever the stock is now, so no sale is lost)
    needs the sum within the bounds of "Adjust stock".
    """
    wanted = {c.id: c.diff["stock"] for c in updates if "stock" in c.diff}
    if not wanted:
        return {}
    model = target.model
    lock_rows(model, model.id.in_(wanted))
    now = dict(db.session.execute(select(model.id, model.stock).where(model.id.in_(wanted))).all())
    refused = {}
    for row_id, (seen, new) in wanted.items():
        current = now.get(row_id)
        if current is None:
            refused[row_id] = "deleted meanwhile"
        elif mode == "add":
            reason = catalog_bulk.stock_misfit(current, new - seen)
            if reason:
                refused[row_id] = reason
        elif current != seen:
            refused[row_id] = catalog_bulk.STOCK_MOVED
    return refused


def _with_name_key(target: Target, values: dict) -> dict:
    # Core statements skip the model's @validates: keep the lookup key in step by hand.
    if "name" in values and target.form == "product":
        return {**values, "name_key": name_key(values["name"])}
    return values


def _insert(target: Target, rows: list[dict]) -> int:
    """Insert ``rows`` (a key someone else created meanwhile is skipped); how many landed.

    Straight through the driver, each value first through its column type's bind
    processor, as SQLAlchemy would send it (its per-row parameter handling was most of
    the insert's time): on SQLite one executemany (sqlite3 sums its row counts); on
    PostgreSQL a ``COPY`` into a temporary table, then one INSERT ... SELECT (a
    multi-row INSERT's text is parsed again by psycopg for each page of rows).
    """
    table = target.model.__table__
    now = utcnow()
    values = [{**_with_name_key(target, row), "created_at": now, "updated_at": now} for row in rows]
    names = list(dict.fromkeys(name for row in values for name in row))
    dialect = db.session.get_bind().dialect
    driver = db.session.connection().connection.driver_connection
    if dialect.name != "postgresql":
        statement = sqlite_insert(table).on_conflict_do_nothing(index_elements=[target.key])
        compiled = statement.compile(dialect=dialect, column_keys=names)
        cursor = driver.cursor()
        cursor.executemany(str(compiled), _driver_rows(table, compiled.positiontup, values))
        return cursor.rowcount
    columns = sql.SQL(", ").join(map(sql.Identifier, names))
    with driver.cursor() as cur:
        cur.execute(
            sql.SQL("CREATE TEMP TABLE import_new ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA")
            .format(columns, sql.Identifier(table.name))
        )  # fmt: skip
        with cur.copy(sql.SQL("COPY import_new ({}) FROM STDIN").format(columns)) as copy:
            for row in _driver_rows(table, names, values):
                copy.write_row(row)
        cur.execute(
            sql.SQL("INSERT INTO {table} ({cols}) SELECT {cols} FROM import_new "
                    "ON CONFLICT ({key}) DO NOTHING")
            .format(table=sql.Identifier(table.name), cols=columns, key=sql.Identifier(target.key))
        )  # fmt: skip
        landed = cur.rowcount
        cur.execute("DROP TABLE import_new")
    return landed


def _driver_rows(table, names: list[str], values: list[dict]):
    """Each row's values in the order of ``names``, as SQLAlchemy would bind them.

    A value shared by every row (the timestamps) is converted once.
    """
    dialect = db.session.get_bind().dialect
    processors = [table.c[name].type.bind_processor(dialect) for name in names]
    shared = {}
    for name, process in zip(names, processors, strict=True):
        first = values[0].get(name)
        if process and all(row.get(name) is first for row in values):
            shared[name] = process(first)
    steps = [(name, None if name in shared else process)
             for name, process in zip(names, processors, strict=True)]  # fmt: skip
    for row in values:
        yield [
            shared[name] if name in shared else process(row.get(name)) if process
            else row.get(name)
            for name, process in steps
        ]  # fmt: skip


def _update_fields(target: Target, updates: list[Classified]) -> None:
    """One executemany UPDATE per set of changed columns (stock excepted)."""
    table = target.model.__table__
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for c in updates:
        changed = {name: c.row.values[name] for name in c.diff if name != "stock"}
        if changed:
            groups[tuple(sorted(changed))].append({"_id": c.id, **_with_name_key(target, changed)})
    for names, params in groups.items():
        columns = [*names, "name_key"] if "name_key" in params[0] else list(names)
        statement = (
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values({**{name: bindparam(name) for name in columns}, "updated_at": utcnow()})
        )
        db.session.execute(statement, params)


def _update_stock(target: Target, updates: list[Classified], mode: str) -> Counter:
    """Stock changes through the guarded bulk SQL; the rows it refused, by reason."""
    model = target.model
    stock = [(c.id, *c.diff["stock"]) for c in updates if "stock" in c.diff]
    counts: Counter = Counter()
    if mode == "add":
        by_delta: dict[int, list[int]] = defaultdict(list)
        for row_id, old, new in stock:
            by_delta[new - old].append(row_id)
        for delta, ids in by_delta.items():
            outcome = catalog_bulk.adjust_stock(
                model, select(model.id).where(model.id.in_(ids)), delta
            )
            _note(outcome, counts)
    else:
        outcome = catalog_bulk.set_stock_if_unchanged(model, stock)
        _note(outcome, counts)
    return counts


def _note(outcome, counts: Counter) -> None:
    """Count the rows the stock guard refused, by its reason."""
    for reason, n in outcome.skipped.items():
        counts[f"skipped: {reason}"] += n
