"""The order's details page tells its story: the timeline, and staff notes (add, edit).

A mixin for ``OrderView``: the timeline comes from ``services.order_timeline``, notes go
through ``services.order_notes`` (its author only, for 15 minutes; audited). Adding or
editing a note needs write rights on orders; every POST is under the app-wide CSRF.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user

from backoffice.extensions import db
from backoffice.models import OrderNote
from backoffice.ranges import parse_id
from backoffice.services.order_notes import (
    MAX_NOTE,
    NoteError,
    add_note,
    edit_note,
    edit_refusal,
)
from backoffice.services.order_timeline import staff_timeline


class OrderStoryMixin:
    """Timeline and notes on the order's details page."""

    details_template = "admin/order/details.html"
    max_note = MAX_NOTE

    def timeline(self, order):
        """The order's events, newest first (the details template calls it)."""
        return staff_timeline(order)

    def may_edit_note(self, note: OrderNote) -> bool:
        """Whether the signed-in user may change ``note`` now."""
        return self.can_edit and edit_refusal(note, current_user) is None

    def _details(self, order_id) -> str:
        return url_for(".details_view", id=order_id) + "#timeline"

    @expose("/notes/", methods=("POST",))
    def add_note_view(self):
        """Add a note to the order ``order_id`` of the form."""
        if not self.can_edit:
            abort(403)
        order_id = parse_id(request.form.get("order_id"), OrderNote.order_id)
        if order_id is None:
            abort(404)
        try:
            add_note(order_id, current_user._get_current_object(), request.form.get("text"))
        except NoteError as exc:
            db.session.rollback()
            if "does not exist" in str(exc):
                abort(404)
            flash(str(exc), "error")
            return redirect(self._details(order_id))
        db.session.commit()
        flash("Note added.", "success")
        return redirect(self._details(order_id))

    @expose("/notes/edit/", methods=("GET", "POST"))
    def edit_note_view(self):
        """Change one's own recent note."""
        if not self.can_edit:
            abort(403)
        note_id = parse_id(request.args.get("id"), OrderNote.id)
        note = db.session.get(OrderNote, note_id) if note_id is not None else None
        if note is None:
            abort(404)
        refused = edit_refusal(note, current_user)
        if refused:
            if request.method == "POST":
                abort(403, refused)
            flash(refused, "error")
            return redirect(self._details(note.order_id))
        error = None
        if request.method == "POST":
            try:
                edit_note(note.id, current_user._get_current_object(), request.form.get("text"))
            except NoteError as exc:
                db.session.rollback()
                error = str(exc)
            else:
                db.session.commit()
                flash("Note saved.", "success")
                return redirect(self._details(note.order_id))
        page = self.render("admin/order/note_edit.html", note=note, error=error)
        return page, 400 if error else 200
