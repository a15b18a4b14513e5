"""The outbox's delivery over real SMTP (aiosmtpd on 127.0.0.1) with a real worker.

Retries with backoff while the server is down; failures visible on the order and
retried from the Notifications list; a worker killed after sending and before marking
never sends twice (the claim is committed before the mail leaves).
"""

from __future__ import annotations

import datetime as dt
import signal
import time

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import OrderNotification
from backoffice.services.notification_delivery import STALE_CLAIM, STOPPED
from backoffice.services.order_status import change_status
from tests.admin.bulk_helpers import bulk
from tests.jobs.conftest import wait_for
from tests.support.smtp import Inbox, smtp_server, smtp_settings
from tests.support.worker import running_worker, start_worker


@pytest.fixture
def app_config(app_config, closed_port) -> dict:
    """SMTP to 127.0.0.1 on a port nobody listens on yet; quick retries (1, 2, 4 s); no pacing."""
    return {**smtp_settings(closed_port, retries=3, MAIL_RATE_LIMIT=0), **app_config}


def row(app) -> OrderNotification:
    with app.app_context():
        found = db.session.scalars(select(OrderNotification)).one()
        db.session.expunge(found)
        return found


def move(app, order_id: int, target: str = "paid") -> None:
    with app.app_context():
        change_status(order_id, target)
        db.session.commit()


def test_smtp_down_the_mail_is_retried_with_backoff_and_leaves_once(app, catalog):
    with running_worker(app) as worker:
        move(app, catalog["order"])
        wait_for(lambda: row(app).attempts == 1 and row(app).claimed_at is None)
        first = row(app)
        assert first.state == "pending"
        assert "Connection" in first.last_error or "refused" in first.last_error.lower()
        assert first.next_attempt_at > first.updated_at  # backed off
        smtp, inbox = smtp_server(app.config["MAIL_PORT"])
        try:
            wait_for(lambda: row(app).state == "sent", timeout=15)
            worker.drain()
        finally:
            smtp.stop()
    assert [m["Subject"] for m in inbox.messages] == [
        f"Order #{catalog['order']}: payment received"
    ]
    assert (
        inbox.messages[0]["Message-ID"]
        == f"<order-{catalog['order']}-paid-{first.id}@backoffice.local>"
    )
    assert row(app).attempts >= 2


@pytest.mark.config(MAIL_RETRIES=1)
def test_out_of_attempts_it_fails_shows_on_the_order_and_retry_sends_it(app, catalog, staff_client):
    with running_worker(app) as worker:
        move(app, catalog["order"])
        wait_for(lambda: row(app).state == "failed", timeout=15)
        worker.drain()
        assert row(app).attempts == 2
        details = staff_client.get(f"/admin/order/details/?id={catalog['order']}").text
        assert "Failed" in details
        listed = staff_client.get("/admin/notification/?flt0_state_equals=failed").text
        assert f"Order #{catalog['order']}" in listed
        smtp, inbox = smtp_server(app.config["MAIL_PORT"])
        try:
            response = bulk(staff_client, "notification", "retry", rows=[row(app).id])
            assert response.status_code == 302
            wait_for(lambda: row(app).state == "sent", timeout=15)
            worker.drain()
        finally:
            smtp.stop()
    assert len(inbox.messages) == 1
    assert row(app).retried_at is not None


def test_retry_needs_the_write_right_and_a_csrf_token(app, catalog, client, users):
    from tests.support.http import login

    assert login(client, "customer@example.com").status_code == 302
    assert client.get("/admin/notification/").status_code == 403
    response = client.post("/admin/notification/bulk/apply", data={"action": "retry"})
    assert response.status_code in (400, 403)


class SlowInbox(Inbox):
    """Keeps each message as DATA arrives, then answers only after ``delay`` seconds."""

    async def handle_DATA(self, server, session, envelope):
        """Record first, so the test sees the mail while the sender still waits for 250."""
        import asyncio
        from email import message_from_bytes
        from email.policy import default

        self.messages.append(message_from_bytes(envelope.content, policy=default))
        await asyncio.sleep(self.delay)
        return "250 OK"


@pytest.mark.config(MAIL_TIMEOUT=60)
def test_a_worker_killed_after_sending_never_sends_twice(
    app, app_config, migrated, catalog, clock, tmp_path, staff_client
):
    from aiosmtpd.controller import Controller

    clock.now = dt.datetime.now(dt.UTC)  # the worker process reads the real clock
    inbox = SlowInbox(delay=30)
    smtp = Controller(inbox, hostname="127.0.0.1", port=app.config["MAIL_PORT"])
    smtp.start()
    log_path = tmp_path / "worker.log"
    try:
        move(app, catalog["order"])
        with log_path.open("wb") as log:
            process = start_worker(app_config, migrated, log)
            try:
                wait_for(lambda: len(inbox.messages) == 1, timeout=60)
            finally:
                process.send_signal(signal.SIGKILL)  # sent, the 250 not yet read: not marked
                process.wait(timeout=15)
        killed = row(app)
        assert (killed.state, killed.attempts) == ("pending", 1)
        assert killed.claimed_at is not None  # claimed (and committed) before sending
        inbox.delay = 0
        with running_worker(app) as worker:
            app.extensions["jobs_tasks"]["deliver_notifications"]()
            worker.drain()
            time.sleep(0.2)
            assert len(inbox.messages) == 1  # the claimed row is not picked again
            clock.advance(
                seconds=STALE_CLAIM.total_seconds() + 300
            )  # it started at the test's start
            app.extensions["jobs_tasks"]["deliver_notifications"]()
            worker.drain()
            stale = row(app)
            assert (stale.state, stale.last_error) == ("failed", STOPPED)
            assert len(inbox.messages) == 1
            # Staff choose to send it again: same Message-ID, so the client shows one.
            bulk(staff_client, "notification", "retry", rows=[stale.id])
            wait_for(lambda: row(app).state == "sent", timeout=15)
            worker.drain()
    finally:
        smtp.stop()
    first, second = inbox.messages
    assert first["Message-ID"] == second["Message-ID"]
