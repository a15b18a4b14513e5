"""The worker's side of the order-mail outbox: due rows sent in batches at MAIL_RATE_LIMIT.

``deliver_notifications`` is queued once per committed status change (or bulk batch) and
runs each minute too (a sweep, in case the queue was unreachable at commit time). It
claims due rows (``services.notification_delivery``: the claim is committed before the
mail leaves, so a worker killed mid-send never sends one twice), renders each mail from
the order as it is now, sends it, and marks it. Mails go at most ``MAIL_RATE_LIMIT`` in
any minute, so a bulk move of 100,000 orders drains steadily in the worker while the admin
request that moved them only wrote the rows. When rows wait for a retry (SMTP failed),
the task schedules itself for the earliest one.

A worker with several threads may run several of these tasks at once (each commit
queues one): claims keep them from sending any row twice, and the pace is shared too:
before claiming, a task counts the rows claimed by anyone in the last minute and takes
only what is left of ``MAIL_RATE_LIMIT`` (two tasks claiming at the same instant may
overshoot it by one batch): mails leave in batches, up to the limit in any minute.

Erased customers get no mail: the row was written ``skipped``, or the account was erased
after the change and the row is skipped here.
"""

from __future__ import annotations

import logging
from email.utils import parseaddr

from flask import Flask, current_app, render_template
from huey import crontab
from huey.api import Huey
from sqlalchemy.orm import joinedload, selectinload

from backoffice import clock
from backoffice.extensions import db
from backoffice.models import Order, OrderItem, OrderNotification
from backoffice.outgoing_mail import OutgoingMail, send
from backoffice.services import notification_delivery as outbox
from backoffice.services.notifications import ERASED, TASK

log = logging.getLogger(__name__)

#: Rows claimed per commit: small, so a slow SMTP server leaves few rows claimed.
BATCH = 20
#: Seconds before looking again when the last minute's share of MAIL_RATE_LIMIT is taken.
FULL_WAIT = 5.0
SUBJECTS = {
    "paid": "Order #{id}: payment received",
    "shipped": "Order #{id} is on its way",
    "delivered": "Order #{id} was delivered",
    "cancelled": "Order #{id} was cancelled",
}


def build_notify_tasks(huey: Huey, app: Flask) -> dict:
    """The ``deliver_notifications`` task (queued after commits, and each minute)."""

    @huey.task(name=TASK)
    def deliver_task() -> None:
        with app.app_context():
            wait = deliver_due()
        if wait is not None:
            deliver_task.schedule(delay=wait)

    @huey.periodic_task(crontab(), name=f"{TASK}_sweep")
    def sweep_task() -> None:
        with app.app_context():
            deliver_due()

    return {TASK: deliver_task, f"{TASK}_sweep": sweep_task}


def deliver_due() -> float | None:
    """Send every due row, paced; seconds until the next retry is due (None: none waits)."""
    if outbox.fail_stale_claims():
        log.warning("Order mails left claimed by a stopped worker were marked failed")
    db.session.commit()
    rate = int(current_app.config["MAIL_RATE_LIMIT"])
    while True:
        room = BATCH if rate <= 0 else min(BATCH, rate - outbox.claimed_lately())
        if room <= 0:  # the minute's share is taken: come back later, free the thread
            due = outbox.next_due()
            db.session.commit()
            if due is None or due > clock.now():
                break  # nothing waits now
            return FULL_WAIT
        ids = outbox.claim_due(room)
        db.session.commit()  # the claim lands before any mail of the batch leaves
        if not ids:
            break
        for row_id in ids:
            _deliver(row_id)
            db.session.commit()
    due = outbox.next_due()
    db.session.commit()
    if due is None:
        return None
    return max(0.0, (due - clock.now()).total_seconds())


def _deliver(row_id: int) -> None:
    """Send one claimed row and mark it."""
    row = db.session.get(OrderNotification, row_id)
    order = db.session.scalar(
        db.select(Order)
        .where(Order.id == row.order_id)
        .options(joinedload(Order.user), selectinload(Order.items).joinedload(OrderItem.product))
    )
    if order.user.erased_at is not None:
        outbox.mark_skipped(row_id, ERASED)
        return
    try:
        send([compose(row, order)])
    except Exception as exc:
        retries = int(current_app.config["MAIL_RETRIES"])
        error = f"{type(exc).__name__}: {exc}"
        log.warning("Order mail %s not sent (attempt %d): %s", row_id, row.attempts, error)
        outbox.mark_failed(
            row_id, error, retries=retries, first_wait=int(current_app.config["MAIL_RETRY_SECONDS"])
        )
        return
    outbox.mark_sent(row_id)


def compose(row: OrderNotification, order: Order) -> OutgoingMail:
    """The customer's mail for ``row``: HTML and text, from the order as it is now."""
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    context = {"row": row, "order": order, "customer": order.user}
    return OutgoingMail(
        subject=SUBJECTS[row.status].format(id=order.id),
        to=order.user.email,
        sender=sender,
        body=render_template("mail/order_status.txt", **context),
        html=render_template("mail/order_status.html", **context),
        message_id=outbox.message_id(row, parseaddr(sender)[1].rpartition("@")[2] or "localhost"),
    )
