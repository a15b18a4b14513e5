"""The worker's side of the order-mail outbox: due rows sent in batches at MAIL_RATE_LIMIT.

``deliver_notifications`` is queued once per committed status change (or bulk batch) and
runs each minute too (a sweep, in case the queue was unreachable at commit time). It
claims due rows (``services.notification_delivery``: the claim is committed before the
mail leaves, so a worker killed mid-send never sends one twice), renders each mail from
the order as it is now, sends it, and marks it. Mails go at most ``MAIL_RATE_LIMIT`` a
minute, so a bulk move of 100,000 orders drains steadily in the worker while the admin
request that moved them only wrote the rows. When rows wait for a retry (SMTP failed),
the task schedules itself for the earliest one.

The pace is kept by each running task: a worker with several threads may run several
at once (each commit queues one), and then sends up to threads × ``MAIL_RATE_LIMIT`` a
minute. Claims keep them from sending any row twice; a shared pace (a window over
``claimed_at``) is left to do.

Erased customers get no mail: the row was written ``skipped``, or the account was erased
after the change and the row is skipped here.
"""

from __future__ import annotations

import logging
import time
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
    gap = 60.0 / rate if rate > 0 else 0.0
    started, sent = time.monotonic(), 0
    while ids := outbox.claim_due(BATCH):
        db.session.commit()  # the claim lands before any mail of the batch leaves
        for row_id in ids:
            if gap:  # pace: the n-th mail not before n gaps since the start
                time.sleep(max(0.0, started + sent * gap - time.monotonic()))
            sent += _deliver(row_id)
            db.session.commit()
    due = outbox.next_due()
    db.session.commit()
    if due is None:
        return None
    return max(0.0, (due - clock.now()).total_seconds())


def _deliver(row_id: int) -> int:
    """Send one claimed row and mark it; 1 if a mail was attempted."""
    row = db.session.get(OrderNotification, row_id)
    order = db.session.scalar(
        db.select(Order)
        .where(Order.id == row.order_id)
        .options(joinedload(Order.user), selectinload(Order.items).joinedload(OrderItem.product))
    )
    if order.user.erased_at is not None:
        outbox.mark_skipped(row_id, ERASED)
        return 0
    try:
        send([compose(row, order)])
    except Exception as exc:
        retries = int(current_app.config["MAIL_RETRIES"])
        error = f"{type(exc).__name__}: {exc}"
        log.warning("Order mail %s not sent (attempt %d): %s", row_id, row.attempts, error)
        outbox.mark_failed(
            row_id, error, retries=retries, first_wait=int(current_app.config["MAIL_RETRY_SECONDS"])
        )
        return 1
    outbox.mark_sent(row_id)
    return 1


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
