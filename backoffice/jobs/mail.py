"""The worker sends the mail: one Huey task per message, retried while SMTP fails.

``backoffice.outgoing_mail`` releases a message once its transaction commits and hands
it to this task as plain strings (an ``OutgoingMail`` as a dict). The task sends it
through Flask-Mailman inside an app context; on any failure (server down, refused,
timed out) it raises, and Huey retries it ``MAIL_RETRIES`` times, the first after
``MAIL_RETRY_SECONDS`` and each later wait twice the one before. The last failure is
logged with the subject and the recipient, never the body: its links carry tokens.

Mail is not a ``jobs`` row: nobody on the staff started it, there is nothing to show
on the Jobs page or to cancel, and a row per sign-up would fill the table with noise.
The worker's log is where a mail that never left is found.
"""

from __future__ import annotations

import logging

from flask import Flask
from huey.api import Huey, Task

from backoffice.outgoing_mail import OutgoingMail, describe, send

log = logging.getLogger(__name__)

#: Each wait before a retry is this many times the previous one.
BACKOFF = 2


def build_mail_task(huey: Huey, app: Flask) -> dict:
    """The ``send_mail`` task of ``app`` on ``huey``, keyed for ``app.extensions["jobs_tasks"]``."""

    @huey.task(
        name="send_mail",
        retries=int(app.config["MAIL_RETRIES"]),
        retry_delay=int(app.config["MAIL_RETRY_SECONDS"]),
        retry_backoff=BACKOFF,
        context=True,
    )
    def send_mail_task(message: dict, task: Task | None = None) -> None:
        with app.app_context():
            send_mail(message, retries_left=task.retries if task is not None else 0)

    return {"send_mail": send_mail_task}


def send_mail(message: dict, *, retries_left: int) -> None:
    """Send one queued message; raise on failure so the queue retries it while it may."""
    mail = OutgoingMail(**message)
    try:
        send([mail])
    except Exception as exc:
        if retries_left:
            log.warning(
                "Mail not sent yet (%s), %d retries left: %s",
                type(exc).__name__, retries_left, describe([mail]),
            )  # fmt: skip
        else:
            log.error("Mail not sent, no retries left: %s", describe([mail]))
        raise
