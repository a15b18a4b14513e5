"""Customer mail about an order's status: the outbox rows, written with the change itself.

``services.order_status`` calls ``queue_rows`` inside the statement(s) that move orders,
so every door (admin form, bulk action, bulk job, CLI, API) writes one row per order it
moved, in the same transaction: a rolled-back change leaves no row, hence no mail. The
unique key on (order, status) makes a second row for one change impossible (an order
never returns to a status it left). Customers who were erased, and those who turned
off shipping updates (for shipped and delivered), get a ``skipped`` row: no mail, but
the order's story stays whole.

Once the transaction commits, one ``deliver_notifications`` task is queued
(``after_commit.Held``); the worker (``jobs.notify``) sends the rows through
``services.notification_delivery``.
"""

from __future__ import annotations

import logging

from flask import current_app, g, has_app_context, has_request_context
from flask_login import current_user
from sqlalchemy import Insert, and_, case, insert, literal, null, select

from backoffice import clock
from backoffice.after_commit import Held
from backoffice.models import OrderNotification, User
from backoffice.services import audit

log = logging.getLogger(__name__)

#: Statuses whose mail a customer may turn off ("shipping updates" under /account).
SHIPPING_UPDATES = ("shipped", "delivered")
ERASED = "customer account erased: no mail"
OPTED_OUT = "customer turned off shipping updates"
#: The Huey task (``jobs.notify``) that sends due rows.
TASK = "deliver_notifications"


def queue_rows(moved, target: str, *, reason: str | None = None) -> Insert:
    """INSERT ... SELECT of one outbox row per order in ``moved`` (columns ``id``, ``user_id``).

    ``moved`` is a SELECT or a CTE of the orders the caller moves to ``target`` in the
    same transaction. Not executed here: the status service runs it with its UPDATE.
    """
    opted_out = User.shipping_updates.is_(False) if target in SHIPPING_UPDATES else literal(False)
    skipped = (User.erased_at.is_not(None), "skipped"), (opted_out, "skipped")
    why = (User.erased_at.is_not(None), ERASED), (opted_out, OPTED_OUT)
    # When the status changed is a fact of the business (the timeline's): clock.now().
    now = at = clock.now()
    rows = select(
        moved.c.id,
        literal(target),
        case(*skipped, else_=literal("pending")),
        literal(0),
        case(*why, else_=null()),
        literal(reason),
        literal(changed_by()),
        literal(now, OrderNotification.next_attempt_at.type),
        literal(at, OrderNotification.created_at.type),
        literal(at, OrderNotification.updated_at.type),
    ).join(User, and_(User.id == moved.c.user_id))
    names = [
        "order_id", "status", "state", "attempts", "last_error", "reason", "changed_by",
        "next_attempt_at", "created_at", "updated_at",
    ]  # fmt: skip
    _KICK.add(True)
    return insert(OrderNotification).from_select(names, rows)


def set_shipping_updates(user: User, wanted: bool) -> None:
    """The customer's choice of shipping mails (shipped, delivered); audited. Does not commit."""
    before = bool(user.shipping_updates)
    if before == bool(wanted):
        return
    user.shipping_updates = bool(wanted)
    audit.record(
        "update",
        model="User",
        object_id=user.id,
        changes={"shipping_updates": {"before": before, "after": bool(wanted)}},
        summary="Shipping updates turned " + ("on" if wanted else "off"),
    )


def changed_by() -> str | None:
    """Who is moving orders now, for the timeline: the signed-in user, a job's starter, a key."""
    if has_request_context() and current_user.is_authenticated:
        return current_user.email
    if has_app_context():
        actor = g.get("job_actor")  # set by jobs.bulk for the batches it runs
        if actor is not None:
            return actor.email
        key = g.get("api_key")  # set by api.auth for a request signed with a key
        if key is not None:
            return f"API key {key.name}"
    return None


def kick() -> None:
    """Have the worker look for due rows once the current transaction commits."""
    _KICK.add(True)


def _queue_delivery(items: list) -> None:
    try:
        current_app.extensions["jobs_tasks"][TASK]()
    except Exception:  # the queue unreachable: the periodic sweep sends them later
        log.exception("Could not queue the order mail; the next sweep will send it")


_KICK = Held("order_notifications", committed=_queue_delivery)
