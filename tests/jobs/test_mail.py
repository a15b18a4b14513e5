"""Mail leaves through the worker: a real consumer thread and a real SMTP server (aiosmtpd).

The request only queues the message (after its commit, after the response); the worker
sends it, and retries while the SMTP server is down. A rolled-back registration queues
nothing (also tests/auth/test_mail_after_commit.py, through the same worker).
"""

from __future__ import annotations

import logging
import re
import time
import uuid

import pytest
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import User
from tests.support.apps import make_app
from tests.support.factories import PASSWORD
from tests.support.http import csrf_token
from tests.support.smtp import smtp_server, smtp_settings
from tests.support.worker import running_worker

SMTP_DELAY = 5.0  # seconds the slow server takes to accept a message
REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def app_config(app_config, closed_port) -> dict:
    """SMTP to 127.0.0.1 on a port nobody listens on yet; quick retries (1, 2, 4, 8 s)."""
    return {**smtp_settings(closed_port, retries=4), **app_config}


def register(app, address: str):
    """Sign up through the real form; returns (response, seconds the POST took)."""
    client = app.test_client()
    data = {"email": address, "full_name": "New Person", "password": PASSWORD}
    data |= {"password_confirm": PASSWORD, "csrf_token": csrf_token(client, "/register")}
    started = time.monotonic()
    response = client.post("/register", data=data)  # answered, closed, mail queued
    return response, time.monotonic() - started


def confirm_link(message) -> str:
    """The confirmation link in a received message's text part."""
    text = message.get_body(("plain",)).get_content()
    return re.search(r"https?://\S+/confirm/\S+", text).group(0)


def users_named(app, address: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).where(User.email == address))


def test_the_confirmation_mail_arrives_through_the_worker(app, worker):
    smtp, inbox = smtp_server(app.config["MAIL_PORT"])
    try:
        response, _ = register(app, "new@example.com")
        assert response.status_code == 302
        worker.drain()
    finally:
        smtp.stop()
    assert [m["To"] for m in inbox.messages] == ["new@example.com"]
    link = confirm_link(inbox.messages[0])
    assert app.test_client().get(link.split("localhost", 1)[-1]).status_code == 302
    with app.app_context():
        assert db.session.scalars(select(User)).one().confirmed_at is not None


def test_nothing_is_sent_in_the_request_without_a_worker(app):
    smtp, inbox = smtp_server(app.config["MAIL_PORT"])
    try:
        response, _ = register(app, "new@example.com")
        assert response.status_code == 302
        time.sleep(0.5)  # time enough for a send, had the request made one
    finally:
        smtp.stop()
    assert inbox.messages == []
    assert app.extensions["huey"].pending_count() == 1  # waiting for a worker


def test_smtp_down_the_sign_up_answers_and_the_mail_leaves_when_smtp_is_back(app, worker, caplog):
    with caplog.at_level(logging.WARNING):
        response, seconds = register(app, "new@example.com")
        assert response.status_code == 302
        assert users_named(app, "new@example.com") == 1
        assert seconds < SMTP_DELAY / 2  # answered at once: no SMTP in the request
        deadline = time.monotonic() + 10
        while "Mail not sent yet" not in caplog.text:  # the worker tried and failed
            assert time.monotonic() < deadline, "the worker never tried"
            time.sleep(0.05)
        smtp, inbox = smtp_server(app.config["MAIL_PORT"])
        try:
            worker.drain(timeout=20)
        finally:
            smtp.stop()
    assert [m["To"] for m in inbox.messages] == ["new@example.com"]  # exactly once
    token = confirm_link(inbox.messages[0]).rsplit("/", 1)[-1]
    assert token not in caplog.text
    assert "no retries left" not in caplog.text


@pytest.mark.config(MAIL_RETRIES=1, MAIL_RETRY_SECONDS=0)
def test_the_last_failure_is_logged_without_the_body(app, worker, caplog):
    with caplog.at_level(logging.INFO):
        response, _ = register(app, "new@example.com")
        assert response.status_code == 302
        worker.drain()
    final = [r for r in caplog.records if "no retries left" in r.getMessage()]
    assert len(final) == 1
    assert final[0].levelno == logging.ERROR
    assert "new@example.com" in final[0].getMessage()
    assert caplog.text.count("Mail not sent yet") == 1  # one retry, then the last try
    assert "/confirm/" not in caplog.text


def test_a_slow_smtp_server_does_not_slow_the_sign_up(app, worker):
    smtp, inbox = smtp_server(app.config["MAIL_PORT"], delay=SMTP_DELAY)
    try:
        response, seconds = register(app, "new@example.com")
        assert response.status_code == 302
        sent = time.monotonic()
        worker.drain(timeout=20)
        sending = time.monotonic() - sent
    finally:
        smtp.stop()
    print(f"sign-up {seconds:.3f} s; SMTP took {sending:.3f} s after it")
    assert seconds < SMTP_DELAY / 2  # generous (a busy machine): it never waits for SMTP
    assert sending >= SMTP_DELAY * 0.9  # the server really was slow
    assert [m["To"] for m in inbox.messages] == ["new@example.com"]


class TestQueueUnreachable:
    """Redis down at enqueue time: the request still answers and the mail still goes."""

    @pytest.fixture
    def app_config(self, app_config, closed_port) -> dict:
        """The queue on a Redis URL where nothing listens; mail in memory."""
        redis_url = f"redis://127.0.0.1:{closed_port}/0"
        return {**app_config, "JOBS_REDIS_URL": redis_url, "MAIL_BACKEND": "locmem"}

    def test_mail_is_sent_after_the_response_instead(self, app, caplog):
        app.extensions["mailman"].outbox = []
        with caplog.at_level(logging.ERROR, logger="backoffice.outgoing_mail"):
            response, _ = register(app, "new@example.com")
        assert response.status_code == 302
        assert [m.to for m in app.extensions["mailman"].outbox] == [["new@example.com"]]
        assert "Mail not queued, sending it now" in caplog.text
        assert "/confirm/" not in caplog.text


@pytest.fixture
def redis_app(app, migrated, app_config):
    """Like ``app``, its queue on the local Redis under a name of this test's own."""
    try:
        Redis.from_url(REDIS_URL, socket_timeout=1).ping()
    except RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    queue = f"backoffice-test-{uuid.uuid4().hex}"
    redis_app = make_app(migrated, **app_config, JOBS_REDIS_URL=REDIS_URL, JOBS_QUEUE_NAME=queue)
    yield redis_app
    redis_app.extensions["huey"].flush()  # every key of this queue
    with redis_app.app_context():
        db.engine.dispose()


def test_on_a_redis_queue_the_mail_waits_out_an_smtp_outage(redis_app, caplog):
    app = redis_app
    with running_worker(app) as worker, caplog.at_level(logging.WARNING):
        response, _ = register(app, "new@example.com")
        assert response.status_code == 302
        deadline = time.monotonic() + 10
        while "Mail not sent yet" not in caplog.text:
            assert time.monotonic() < deadline, "the worker never tried"
            time.sleep(0.05)
        smtp, inbox = smtp_server(app.config["MAIL_PORT"])
        try:
            worker.drain(timeout=20)
        finally:
            smtp.stop()
    assert [m["To"] for m in inbox.messages] == ["new@example.com"]
