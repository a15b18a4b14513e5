"""Mail the server sent, read from Flask-Mailman's ``file`` backend directory."""

from __future__ import annotations

import email
import re
import time
from dataclasses import dataclass
from email.message import Message
from email.policy import default
from pathlib import Path
from urllib.parse import urlsplit

# The file backend writes each message followed by a line of 79 dashes.
SEPARATOR = re.compile(rb"^-{79}$", re.M)
LINK = re.compile(r"https?://[^\s\"'<>]+")


@dataclass
class Mail:
    """One message: recipients, subject and plain-text body."""

    to: str
    subject: str
    text: str

    def links(self) -> list[str]:
        """Every http(s) link in the body."""
        return LINK.findall(self.text)

    def link_path(self, contains: str) -> str:
        """The path and query of the first link containing ``contains`` (host-independent)."""
        for link in self.links():
            if contains in link:
                parts = urlsplit(link)
                return parts.path + (f"?{parts.query}" if parts.query else "")
        raise AssertionError(f"no link with {contains!r} in mail {self.subject!r}:\n{self.text}")


def _text_of(message: Message) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    return part.get_content() if part is not None else ""


class Mailbox:
    """Messages in a directory, waited for by recipient and subject."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def all(self) -> list[Mail]:
        """Every message written so far, oldest file first."""
        mails = []
        if not self.directory.exists():
            return mails
        for path in sorted(self.directory.glob("*.log"), key=lambda p: p.stat().st_mtime_ns):
            # A message is complete once its separator follows: the last chunk is either
            # empty or a message still being written.
            for chunk in SEPARATOR.split(path.read_bytes())[:-1]:
                if chunk.strip():
                    message = email.message_from_bytes(chunk.strip(), policy=default)
                    mails.append(
                        Mail(str(message["To"]), str(message["Subject"]), _text_of(message))
                    )
        return mails

    def wait_for(self, to: str, subject: str = "", timeout: float = 10.0) -> Mail:
        """The newest message to ``to`` whose subject contains ``subject``, once it arrives."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.all() if to in m.to and subject.lower() in m.subject.lower()]
            if found:
                return found[-1]
            if time.monotonic() > deadline:
                seen = [(m.to, m.subject) for m in self.all()]
                raise AssertionError(f"no mail to {to} about {subject!r}; mailbox has {seen}")
            time.sleep(0.1)
