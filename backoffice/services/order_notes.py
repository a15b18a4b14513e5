"""Staff notes on an order: written by staff, for staff; never shown to the customer.

Anyone with write rights on orders adds a note; only its author may change it, and only
for ``EDIT_WINDOW`` after writing it (later, a correction is a new note, so what others
may have read stays on record). Adding and editing are audited. Never commits.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from backoffice import clock
from backoffice.extensions import db
from backoffice.models import Order, OrderNote
from backoffice.services import audit

EDIT_WINDOW = dt.timedelta(minutes=15)
MAX_NOTE = 2000


class NoteError(Exception):
    """A note refused, with the reason to show."""


def _checked(text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise NoteError("Write the note first.")
    if len(text) > MAX_NOTE:
        raise NoteError(f"Keep a note under {MAX_NOTE:,} characters.")
    return text


def add_note(order_id: int, author, text: str | None) -> OrderNote:
    """A new note by ``author`` on the order; audited."""
    if db.session.scalar(select(Order.id).where(Order.id == order_id)) is None:
        raise NoteError("That order does not exist.")
    note = OrderNote(
        order_id=order_id,
        author_id=author.id,
        author_email=author.email,
        text=_checked(text),
        created_at=clock.now(),
    )
    db.session.add(note)
    db.session.flush()
    audit.record(
        "create",
        model="OrderNote",
        object_id=note.id,
        changes={"order_id": order_id, "text": note.text},
        summary=f"Note on order #{order_id}",
        actor=author,
    )
    return note


def edit_refusal(note: OrderNote, user) -> str | None:
    """Why ``user`` may not edit ``note`` now (None: they may)."""
    if note.author_id is None or note.author_id != getattr(user, "id", None):
        return "Only the note's author may change it."
    if clock.now() - note.created_at > EDIT_WINDOW:
        minutes = int(EDIT_WINDOW.total_seconds() // 60)
        return f"Notes can be changed for {minutes} minutes only: add a new one instead."
    return None


def edit_note(note_id: int, user, text: str | None) -> OrderNote:
    """Change a note's text (its author, within the window); audited."""
    note = db.session.get(OrderNote, note_id, with_for_update=True)
    if note is None:
        raise NoteError("That note does not exist.")
    refused = edit_refusal(note, user)
    if refused:
        raise NoteError(refused)
    new = _checked(text)
    if new != note.text:
        audit.record(
            "update",
            model="OrderNote",
            object_id=note.id,
            changes={"text": {"before": note.text, "after": new}},
            summary=f"Note on order #{note.order_id} edited",
            actor=user,
        )
        note.text = new
    return note
