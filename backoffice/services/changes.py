"""Before → after for the audit trail: snapshots of a record and the fields that differ.

A snapshot holds a record's own columns, its many-to-one and many-to-many relations
(as readable text: ``"ada@example.com"``, ``["admin", "staff"]``) and its owned
children (relations with delete-orphan: an order's items, a user's profile), keyed
``#<id>``. Ids, foreign keys and timestamps are left out: they say nothing a reader
needs. Taking the "before" snapshot before the form touches the record makes the diff
immune to autoflushes in between (which reset SQLAlchemy's attribute history).

Secret fields are compared but their values never leave this module: a changed
password shows as ``[redacted]`` → ``[redacted]``, a new one as nothing → ``[redacted]``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import RelationshipDirection

from backoffice.services.audit import REDACTED, SECRET_FIELDS

#: Columns left out of snapshots: keys, bookkeeping and derived lookup keys.
SKIPPED_COLUMNS = frozenset({"id", "created_at", "updated_at", "update_datetime", "name_key"})


def jsonable(value: Any) -> Any:
    """A JSON-safe, readable form of a value (Decimal and dates as text, records by name)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return str(value)


class _Secret:
    """A secret's value, compared for equality but never written out."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Secret) and other.value == self.value

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return REDACTED


def _public(value: Any) -> Any:
    """``value`` with every secret replaced by the redaction marker."""
    if isinstance(value, _Secret):
        return REDACTED
    if isinstance(value, dict):
        return {k: _public(v) for k, v in value.items()}
    return value


def _owned(rel) -> bool:
    return rel.direction is RelationshipDirection.ONETOMANY and rel.cascade.delete_orphan


def snapshot(obj, exclude: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The record's readable state now: columns, relations and owned children."""
    mapper = inspect(obj).mapper
    session = inspect(obj).session
    relation_keys = {col for rel in mapper.relationships for col in rel.local_columns}
    values: dict[str, Any] = {}
    for attr in mapper.column_attrs:
        columns = set(attr.columns)
        if attr.key in SKIPPED_COLUMNS or attr.key in exclude or columns & relation_keys:
            continue
        value = getattr(obj, attr.key)
        secret = attr.key in SECRET_FIELDS and value is not None
        values[attr.key] = _Secret(value) if secret else jsonable(value)
    for rel in mapper.relationships:
        if rel.key in exclude or rel.viewonly:
            continue
        if rel.direction is RelationshipDirection.MANYTOONE:
            values[rel.key] = jsonable(getattr(obj, rel.key))
        elif rel.direction is RelationshipDirection.MANYTOMANY:
            values[rel.key] = sorted(str(x) for x in getattr(obj, rel.key))
        elif _owned(rel):
            values[rel.key] = _children(rel, getattr(obj, rel.key), session)
    return {k: v for k, v in values.items() if v is not None and v != [] and v != {}}


def _children(rel, value, session) -> dict[str, Any] | None:
    """Owned children: one child as its snapshot, a collection keyed by ``#id``."""
    back = frozenset({rel.back_populates} if rel.back_populates else ())
    if not rel.uselist:
        return snapshot(value, back) if value is not None else None
    children: dict[str, Any] = {}
    new = 0
    for child in value:
        if session is not None and child in session.deleted:
            continue  # removed by the form; gone after the flush
        child_id = inspect(child).identity
        if child_id is None:
            new += 1
            key = f"new {new}"
        else:
            key = "#" + "-".join(str(part) for part in child_id)
        children[key] = snapshot(child, back)
    return children


def compare(before: dict[str, Any], after: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """The fields that differ, flat: ``{"items.#3.quantity": {"before": 1, "after": 2}}``.

    A child present on one side only is one entry with its whole snapshot.
    """
    changes: dict[str, Any] = {}
    for key in [*before, *(k for k in after if k not in before)]:
        old, new = before.get(key), after.get(key)
        path = f"{prefix}{key}"
        if isinstance(old, dict) and isinstance(new, dict):
            changes.update(compare(old, new, f"{path}."))
        elif old != new:
            changes[path] = {"before": _public(old), "after": _public(new)}
    return changes
