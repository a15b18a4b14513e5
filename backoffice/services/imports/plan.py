"""Classify the rows of a file: new, update (with its field diff), unchanged or error.

Rows are checked one by one (``rows.RowChecker``) and looked up a batch at a time (one
SELECT per batch, by key). A key the file already used on an earlier line is an error on
the later line. For a stock list in ``add`` mode the stock figure is added to the
current one. Nothing is written: the dry run and the apply both classify with this
module, the apply then writes what it found.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import bindparam, select

from backoffice.extensions import db
from backoffice.services.imports.fields import Target
from backoffice.services.imports.rows import Checked, RowChecker
from backoffice.services.imports.seen import SeenKeys

CLASSES = ("new", "update", "unchanged", "error")
#: Keys looked up per statement on SQLite (``Planner._existing``).
LOOKUP_CHUNK = 500


@dataclass
class Classified:
    """A checked row and what the import would do with it."""

    row: Checked
    cls: str
    #: The row's id in the database (updates and unchanged rows).
    id: int | None = None
    #: ``{field: [old, new]}`` of an update.
    diff: dict | None = None


class Planner:
    """Classifies a file's rows batch by batch; remembers keys across batches."""

    def __init__(self, checker: RowChecker, *, stock_only=False, mode: str = "set"):
        self.checker = checker
        self.target: Target = checker.target
        self.stock_only = stock_only
        self.mode = mode
        #: key → first line that used it (duplicates are errors on later lines)
        self.seen = SeenKeys()

    def remember(self, rows: Iterable[Checked]) -> None:
        """Note the keys of rows already applied (a resumed apply skips them)."""
        for row in rows:
            if row.key is not None:
                self.seen.first_line(row.key, row.line)

    def check(self, batch: list[tuple[int, list[str]]]) -> list[Checked]:
        """The rows of ``batch`` checked (no database: see ``checked``)."""
        return [self.checker.check(line, cells) for line, cells in batch]

    def classify(self, checked: list[Checked]) -> list[Classified]:
        """The checked rows of a batch classified (one SELECT for the whole batch)."""
        existing = self._existing({row.key for row in checked if row.key is not None})
        return [self._one(row, existing) for row in checked]

    def _existing(self, keys: set) -> dict:
        if not keys:
            return {}
        model = self.target.model
        key = getattr(model, self.target.key)
        columns = [getattr(model, name) for name in self.target.fields]
        query = select(model.id, *columns)
        if db.session.get_bind().dialect.name != "postgresql":
            # Bound, LOOKUP_CHUNK keys a statement: the same two statement texts every
            # batch, never past SQLite's limit on variables. sqlite3 keeps the last 128
            # statements prepared per connection, and with the keys written in (as on
            # PostgreSQL, below) each batch was a new text, kept: at 300,000 rows the dry
            # run's memory growth went from 83 to 40 MB without them.
            ordered, found = sorted(keys), {}
            for start in range(0, len(ordered), LOOKUP_CHUNK):
                chunk = ordered[start : start + LOOKUP_CHUNK]
                for r in db.session.execute(query.where(key.in_(chunk))):
                    found[getattr(r, self.target.key)] = r
            return found
        # The keys are written into the SQL (quoted by SQLAlchemy's literal rendering),
        # not bound: psycopg prepares a statement run five times, and PostgreSQL's generic
        # plan of ``IN ($1, ..., $5000)`` (or ``= ANY($1)``) chosen while the table was
        # small scanned the whole table per batch, 4-16 s at 100,000 products. A constant
        # list is planned each time: an index scan on the key.
        match = key.in_(bindparam("keys", sorted(keys), expanding=True, literal_execute=True))
        return {getattr(r, self.target.key): r for r in db.session.execute(query.where(match))}

    def _one(self, row: Checked, existing: dict) -> Classified:
        if row.key is not None:
            first = self.seen.first_line(row.key, row.line)
            if first != row.line:
                row.errors.append((self.target.key, f"Repeats the key of line {first}."))
        if row.errors:
            return Classified(row, "error")
        current = existing.get(row.key)
        if current is None:
            if self.stock_only:
                row.errors.append(
                    (self.target.key, f"No {self.target.form} has this {self.target.key.upper()}.")
                )
                return Classified(row, "error")
            self.checker.complete_new(row)
            return Classified(row, "error" if row.errors else "new")
        if self.stock_only and self.mode == "add":
            row.values["stock"] = current.stock + row.values["stock"]
            if row.values["stock"] > 2_147_483_647:
                row.errors.append(("stock", "The stock would exceed 2,147,483,647."))
                return Classified(row, "error", current.id)
        diff = {
            name: [getattr(current, name), value]
            for name, value in row.values.items()
            if name != self.target.key and getattr(current, name) != value
        }
        return Classified(row, "update" if diff else "unchanged", current.id, diff or None)


def batches(
    rows: Iterator[tuple[int, list[str]]], size: int
) -> Iterator[list[tuple[int, list[str]]]]:
    """``rows`` in lists of at most ``size``."""
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
