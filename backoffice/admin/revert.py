"""Revert one field change from a record's History: confirm, then save through the form.

``/revert/?entry=N`` shows what would change (now → back to) or why it cannot; its
POST (app-wide CSRF) re-checks, fills the view's own edit form with the record as it is
and the entry's "before" values, validates it, and saves it with ``update_model``: the
same validators, the same stock guard, the same audit entry as an edit, plus a
``revert`` entry naming the one undone (both in the edit's transaction). Write rights on
the view only (``can_edit``); products, books and profiles (``services.revert``).
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from werkzeug.datastructures import MultiDict

from backoffice.extensions import db
from backoffice.models import AuditLog
from backoffice.ranges import parse_id
from backoffice.services import audit
from backoffice.services.revert import plan_revert, revertible_entry

#: Form fields never filled from a record (uploads, tokens, buttons).
_SKIPPED_TYPES = {"CSRFTokenField", "SubmitField", "FileField", "AvatarUploadField"}


def _raw(value) -> str | None:
    """A stored value as a form would post it (None: leave the field out)."""
    if value is None or value is False:
        return None
    if value is True:
        return "y"
    return str(value)


def _formdata(form, overrides: dict) -> MultiDict:
    """What the edit form would post for the record as it is, with ``overrides``."""
    data = MultiDict()
    for fld in form:
        if fld.type in _SKIPPED_TYPES or fld.name == "csrf_token":
            continue
        if fld.name in overrides:
            value = _raw(overrides[fld.name])
        elif fld.type == "BooleanField":
            value = "y" if fld.data else None
        elif hasattr(fld, "_value"):
            value = fld._value()
        else:
            value = _raw(fld.data)
        if value is not None:
            data.add(fld.name, value)
    return data


class RevertMixin:
    """Revert from the History tab (only views whose model ``services.revert`` allows)."""

    def can_revert(self, entry: AuditLog) -> bool:
        """Whether the History page offers Revert on ``entry``."""
        return self.can_edit and revertible_entry(entry, self.model)

    def _editable(self, form) -> set[str]:
        return {f.name for f in form if f.type not in _SKIPPED_TYPES} - {"stock_seen"}

    @expose("/revert/", methods=("GET", "POST"))
    def revert_view(self):
        """The confirmation page (GET) and the revert itself (POST)."""
        if not self.can_edit:
            abort(403)
        entry_id = parse_id(request.args.get("entry"), AuditLog.id)
        entry = db.session.get(AuditLog, entry_id) if entry_id is not None else None
        if not revertible_entry(entry, self.model):
            abort(404)
        record = db.session.get(self.model, int(entry.object_id))
        form = self.edit_form(record) if record is not None else None
        plan = plan_revert(entry, self.model, self._editable(form) if form else set())
        history = url_for(".history_view", id=entry.object_id)
        if request.method == "POST" and plan.refusal is None:
            before = {name: back for name, (_now, back) in plan.fields.items()}
            form.process(formdata=None, obj=record)  # the record as it is, not the POST
            form.process(formdata=_formdata(form, before))
            if hasattr(form, "stock_seen"):
                form.stock_seen.data = record.stock
            if form.validate():
                audit.record(
                    "revert",
                    model=entry.model,
                    object_id=entry.object_id,
                    changes={"entry": entry.id, "fields": sorted(plan.fields)},
                    summary=f"Reverted change #{entry.id} of {record}",
                )
                if self.update_model(form, record):
                    flash(f"Reverted: {', '.join(sorted(plan.fields))}.", "success")
                    return redirect(history)
                plan.refusal = "The record could not be saved; see the message above."
            else:
                problems = [f"{name}: {' '.join(errs)}" for name, errs in form.errors.items()]
                plan.refusal = "The old value is no longer valid. " + "; ".join(problems)
        status = 200 if request.method == "GET" or plan.refusal is None else 409
        page = self.render("admin/model/revert.html", plan=plan, history_url=history)
        return page, status
