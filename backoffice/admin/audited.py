"""Audit every create, update and delete made through an admin view, with before → after."""

from __future__ import annotations

from sqlalchemy import inspect

from backoffice.extensions import db
from backoffice.services import audit
from backoffice.services.changes import compare, snapshot

# session.info key: "before" snapshots of the records being edited in this request.
_BEFORE = "audit_before"


def _object_id(model) -> str | None:
    identity = inspect(model).identity
    return None if identity is None else "-".join(str(part) for part in identity)


def _remember(model) -> None:
    """Keep the record's snapshot for this request's session, once, before any change.

    Taken when the edit form is built: views that replace ``update_model`` (orders go
    through the status machine) still call ``edit_form`` first.
    """
    remembered = db.session.info.setdefault(_BEFORE, {})
    if id(model) not in remembered:
        remembered[id(model)] = snapshot(model)


class AuditedMixin:
    """Records ``create`` / ``update`` / ``delete`` entries in the same transaction.

    The entry is written after the view's own ``on_model_change`` (passwords hashed,
    totals computed), so it shows what is actually stored; a failed save rolls it back
    with the change.
    """

    def edit_form(self, obj=None):
        """The edit form; first remember the record as it is, the audit's "before"."""
        if obj is not None:
            _remember(obj)
        return super().edit_form(obj)

    def update_model(self, form, model) -> bool:
        """Update as usual, remembering "before" if no edit form did (list edits)."""
        _remember(model)
        return super().update_model(form, model)

    def model_changed(self, form, model, is_created: bool) -> None:
        """Record the create or update, as ``on_model_change`` left the record."""
        super().model_changed(form, model, is_created)
        name = self.model.__name__
        if is_created:
            db.session.flush()  # the new id, defaults and children
            changes = compare({}, snapshot(model))
            summary = f"Created {name} {model}"
        else:
            before = db.session.info.get(_BEFORE, {}).pop(id(model), None)
            changes = compare(before or {}, snapshot(model))
            if not changes:
                return  # saved without changing anything
            summary = f"Updated {name} {model}: {', '.join(changes)}"
            if before is None:  # a path that skipped edit_form and update_model
                summary += " (previous values not captured)"
        audit.record(
            "create" if is_created else "update",
            model=name,
            object_id=_object_id(model),
            changes=changes,
            summary=summary,
        )

    def on_model_delete(self, model) -> None:
        """Record the deleted record's last values (rolled back if the delete fails)."""
        super().on_model_delete(model)
        name = self.model.__name__
        audit.record(
            "delete",
            model=name,
            object_id=_object_id(model),
            changes=compare(snapshot(model), {}),
            summary=f"Deleted {name} {model}",
        )
