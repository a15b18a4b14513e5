"""Outgoing mail leaves after its transaction commits and after the response has gone.

Flask-Security renders its messages inside the request, before the view commits. Sent
there, a message could reach an account whose creation was then rolled back, and the
time spent sending told a visitor whether an address has an account. So ``hold`` keeps
each message on the database session (``after_commit.Held``): the outermost commit
releases it, a rollback (or a session closed without committing) drops it. In a request,
released messages are delivered once the server has written the response and closes it
(``Response.call_on_close``); outside a request (the CLI, a job) right after the commit.

``deliver`` hands each released message to the job queue (the ``send_mail`` task of
``backoffice.jobs.mail``): the worker sends it, retrying while the SMTP server is down or
slow, so no request waits for the mail server. If the queue itself cannot be reached
(Redis down, the queue file unwritable), ``deliver`` logs it and sends the message at
once instead, as before there was a queue: still after the response, never failing it.
``send`` is the one place that talks to the mail server (the worker's task uses it too).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

from flask import Flask, after_this_request, current_app, g, has_request_context
from flask_mailman import EmailMultiAlternatives

from backoffice.after_commit import Held

log = logging.getLogger(__name__)

#: ``g`` attribute of the messages this request committed, sent when its response closes.
_RELEASED = "outgoing_mail"


@dataclass(frozen=True)
class OutgoingMail:
    """A rendered message: plain strings only, so it can wait (or be queued as a job)."""

    subject: str
    to: str
    sender: str
    body: str | None
    html: str | None
    #: Set by senders that may try one message more than once (the order-mail outbox).
    message_id: str | None = None


def hold(mail: OutgoingMail) -> None:
    """Keep ``mail`` until the current transaction commits; it is dropped if it does not."""
    _HELD_MAIL.add(mail)
    if has_request_context() and _RELEASED not in g:
        released: list[OutgoingMail] = []
        setattr(g, _RELEASED, released)
        app = current_app._get_current_object()

        @after_this_request
        def _send_when_closed(response):
            # The list is filled by the commit, which may come later in after-request
            # processing (Flask-Security commits there); it is read when the server closes
            # the response, after the body has been written to the client.
            response.call_on_close(lambda: deliver(app, released))
            return response


def deliver(app: Flask, messages: list[OutgoingMail]) -> None:
    """Queue each message for the worker; any the queue refuses are sent now (logged)."""
    if not messages:
        return
    with app.app_context():
        send_mail = app.extensions["jobs_tasks"]["send_mail"]  # jobs.mail.build_mail_task
        unqueued = []
        for mail in messages:
            try:
                send_mail(asdict(mail))  # plain strings: the queue pickles them
            except Exception:  # Redis down, the queue file unwritable: any of them
                log.exception("Mail not queued, sending it now: %s", describe([mail]))
                unqueued.append(mail)
        if unqueued:
            try:
                send(unqueued)
            except Exception:
                log.exception("Mail not sent: %s", describe(unqueued))


def send(messages: list[OutgoingMail]) -> None:
    """Send ``messages`` over one connection of the current app's mailer; raises on failure."""
    with current_app.extensions["mailman"].get_connection() as connection:
        for mail in messages:
            message = EmailMultiAlternatives(
                mail.subject, body=mail.body, from_email=mail.sender, to=[mail.to],
                connection=connection,
                headers={"Message-ID": mail.message_id} if mail.message_id else None,
            )  # fmt: skip
            if mail.html:
                message.attach_alternative(mail.html, "text/html")
            message.send()


def describe(messages: list[OutgoingMail]) -> str:
    """Subjects and recipients for a log line: never a body (its links hold tokens)."""
    return ", ".join(f"{m.subject!r} to {m.to}" for m in messages)


def _release(held: list[OutgoingMail]) -> None:
    """The outermost transaction committed: its messages may go."""
    if has_request_context() and _RELEASED in g:
        getattr(g, _RELEASED).extend(held)
    else:
        deliver(current_app._get_current_object(), held)


_HELD_MAIL = Held("outgoing_mail", committed=_release)
