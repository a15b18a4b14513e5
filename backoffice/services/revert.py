"""Reverting one audited field change: what it would set, and why it may be refused.

An ``update`` entry of a product, a book or a profile holds ``before`` → ``after`` per
field. Reverting applies the ``before`` values, through the same form (validation, the
stock guard) as an edit; this module only plans it and says when it must be refused:

- the record is gone;
- the record moved on: a later audited change touched one of those fields, or a field
  no longer holds the entry's ``after`` value (stock moves with orders, unaudited per
  product; an import or the API may have changed it);
- nothing in the entry can be reverted (secret values were never recorded).

The form's validation then refuses a value that is no longer valid (a SKU taken since,
say). Never commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import AuditLog
from backoffice.services.audit import REDACTED
from backoffice.services.changes import snapshot

#: audit_log.model of the records that can be reverted.
REVERTIBLE = frozenset({"Product", "Book", "UserProfile"})


@dataclass
class RevertPlan:
    """What reverting ``entry`` would do to ``record``: field -> (now, back to)."""

    entry: AuditLog
    record: object | None
    fields: dict[str, tuple] = field(default_factory=dict)
    refusal: str | None = None


def _diffs(entry: AuditLog, editable: set[str]) -> dict[str, dict]:
    return {
        name: value
        for name, value in (entry.changes or {}).items()
        if name in editable
        and isinstance(value, dict)
        and set(value) == {"before", "after"}
        and REDACTED not in (value["before"], value["after"])
    }


def revertible_entry(entry: AuditLog | None, model) -> bool:
    """Whether ``entry`` is an update of a record of ``model`` that reverting applies to."""
    return (
        entry is not None
        and entry.action == "update"
        and entry.model == model.__name__
        and model.__name__ in REVERTIBLE
        and bool(entry.object_id)
        and entry.object_id.isdigit()
    )


def plan_revert(entry: AuditLog, model, editable: set[str]) -> RevertPlan:
    """The plan for reverting ``entry`` (a ``revertible_entry``) on ``model``'s record."""
    record = db.session.get(model, int(entry.object_id))
    plan = RevertPlan(entry, record)
    diffs = _diffs(entry, editable)
    if not diffs:
        plan.refusal = "Nothing in this change can be reverted here."
        return plan
    if record is None:
        plan.refusal = "The record no longer exists."
        return plan
    later = db.session.scalars(
        select(AuditLog)
        .where(
            AuditLog.model == entry.model,
            AuditLog.object_id == entry.object_id,
            AuditLog.id > entry.id,
        )
        .order_by(AuditLog.id)
    )
    for newer in later:
        touched = sorted(set(newer.changes or {}) & set(diffs))
        if touched:
            who = newer.actor_email or (f"API key {newer.api_key}" if newer.api_key else "—")
            plan.refusal = (
                f"The record moved on: {', '.join(touched)} changed again on "
                f"{newer.created_at:%Y-%m-%d %H:%M} by {who}. Revert that change first."
            )
            return plan
    now = snapshot(record)
    for name, value in diffs.items():
        if now.get(name) != value["after"]:
            plan.refusal = (
                f"The record moved on: {name} is now {now.get(name)!r}, not "
                f"{value['after']!r} as this change left it."
            )
            return plan
        plan.fields[name] = (now.get(name), value["before"])
    return plan
