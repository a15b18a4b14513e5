"""A real SMTP server for mail tests (aiosmtpd on 127.0.0.1) and the app settings that use it."""

from __future__ import annotations

import asyncio
import email
from email.policy import default

from aiosmtpd.controller import Controller


class Inbox:
    """aiosmtpd handler keeping what it received; ``delay`` makes it a slow server."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        """Accept one message (after ``delay`` seconds)."""
        await asyncio.sleep(self.delay)
        self.messages.append(email.message_from_bytes(envelope.content, policy=default))
        return "250 OK"


def smtp_server(port: int, delay: float = 0.0) -> tuple[Controller, Inbox]:
    """A started SMTP server on 127.0.0.1:``port``; stop it with ``.stop()``."""
    inbox = Inbox(delay)
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, inbox


def smtp_settings(port: int, *, retries: int, **extra) -> dict:
    """App settings that send mail over SMTP to 127.0.0.1:``port`` (where nobody need
    listen yet), retrying ``retries`` times after 1, 2, 4 … s; ``extra`` on top."""
    return {
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "MAIL_TIMEOUT": 10,
        "MAIL_RETRIES": retries,
        "MAIL_RETRY_SECONDS": 1,
        **extra,
    }
