"""Create or change one product or book from given values (the REST API's catalogue writes).

One validation path: the values are checked by the admin's create form, field by field,
through the importer's ``RowChecker`` (``services/imports/rows.py``), so a length, a
price's places, an ISBN checksum or a stock's range is refused exactly as on the admin
page and in an import. The unique key is checked here (a taken SKU or ISBN is a
conflict, not a bad value), and stock is written only through the guarded UPDATE of
``catalog_bulk.set_stock_if_unchanged``, so a change never undoes a sale made meanwhile.
Nothing commits: the caller owns the transaction.
"""

from __future__ import annotations

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.services import catalog_bulk
from backoffice.services.imports.fields import TARGETS, Target
from backoffice.services.imports.rows import RowChecker
from backoffice.services.locks import LockBusy, lock_rows


class FieldErrors(ValueError):
    """Values the admin form refuses: ``errors`` is ``{field: [message]}``."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


class KeyTaken(ValueError):
    """Another row already has this SKU or ISBN."""


class StockMoved(ValueError):
    """The stock changed (an order, an adjustment) after the row was read."""

    def __init__(self, current: int):
        super().__init__(f"The stock changed meanwhile (now {current:,}).")
        self.current = current


class Busy(ValueError):
    """Another change holds the database's write lock (SQLite): try again."""


def target(kind: str) -> Target:
    """The fields and key of ``"product"`` or ``"book"``."""
    return TARGETS[kind]


def _cell(value) -> str:
    """A JSON value as the text a form (or a file's cell) would hold; null is no value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def check(kind: str, values: dict, *, new: bool) -> dict:
    """The values as the admin's create form cleans them, or ``FieldErrors``.

    Only the fields given are checked (a partial update); a new row also checks the
    ones left out, with the model's defaults. ``None`` clears an optional field.
    """
    spec = target(kind)
    names = [name for name in values if name in spec.fields]
    checker = RowChecker(spec, {name: name for name in names}, names, clear_empty=True)
    row = checker.check(1, [_cell(values[name]) for name in names])
    if new:
        checker.complete_new(row)
    errors: dict[str, list[str]] = {}
    for name, message in row.errors:
        errors.setdefault(name, []).append(message)
    if errors:
        raise FieldErrors(errors)
    return row.values


def locked(kind: str, row_id: int):
    """The row ``row_id``, read after locking it (None if there is none).

    The lock comes before the read (``services/locks.py``): two updates of the same
    row, each checked against the version its client read (If-Match), then run one
    after the other, and the second sees the first's change, on SQLite as on
    PostgreSQL. ``Busy`` if SQLite's write lock is not granted in time.
    """
    model = target(kind).model
    try:
        lock_rows(model, model.id == row_id)
    except LockBusy as exc:
        raise Busy(str(exc)) from exc
    return db.session.scalars(select(model).where(model.id == row_id)).first()


def _key_taken(spec: Target, value, but=None) -> bool:
    key = getattr(spec.model, spec.key)
    query = select(spec.model.id).where(key == value)
    if but is not None:
        query = query.where(spec.model.id != but)
    return db.session.scalar(query.limit(1)) is not None


def create(kind: str, values: dict):
    """A new row from checked ``values`` (see ``check``), flushed; ``KeyTaken`` if its key is."""
    spec = target(kind)
    if _key_taken(spec, values[spec.key]):
        raise KeyTaken(f"A {kind} with this {spec.key.upper()} exists.")
    row = spec.model(**values)
    db.session.add(row)
    db.session.flush()
    db.session.refresh(row)  # the values as stored (a price's two places)
    return row


def update(kind: str, row, values: dict) -> None:
    """Apply checked ``values`` to ``row`` and flush.

    Stock is written with ``UPDATE ... WHERE stock = <the figure read>``: if an order or
    an adjustment moved it since ``row`` was loaded, nothing is written and
    ``StockMoved`` says the current figure (the caller rolls back).
    """
    spec = target(kind)
    values = dict(values)
    wanted = values.pop("stock", None)
    key = values.get(spec.key)
    if key is not None and key != getattr(row, spec.key) and _key_taken(spec, key, but=row.id):
        raise KeyTaken(f"Another {kind} has this {spec.key.upper()}.")
    for name, value in values.items():
        setattr(row, name, value)
    db.session.flush()
    seen = row.stock
    if wanted is not None and wanted != seen:
        model = type(row)
        if catalog_bulk.set_stock_if_unchanged(model, [(row.id, seen, wanted)]).changed != 1:
            raise StockMoved(db.session.scalar(select(model.stock).where(model.id == row.id)))
    db.session.refresh(row)  # as stored: a price's two places, the guarded stock's updated_at
