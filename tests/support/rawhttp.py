"""A minimal browser over raw sockets, for tests against real server processes.

It sends a request's whole body before reading the answer, as browsers do with form
uploads, and reports a connection reset while sending instead of hiding it.
"""

from __future__ import annotations

import http.client
import socket
import uuid
from dataclasses import dataclass
from http.cookies import SimpleCookie

CHUNK = 64 * 1024


@dataclass
class Answer:
    """A response, and how much of the request body the server let us send."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes
    sent_everything: bool
    send_error: str | None = None

    @property
    def text(self) -> str:
        """The body as text."""
        return self.body.decode("utf-8", "replace")


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body and its Content-Type."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    for name, (filename, data) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Browser:
    """Cookies kept across requests to one server on 127.0.0.1."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes = b"", content_type: str = "") -> Answer:
        """Send one request (Connection: close) and read the whole answer."""
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: 127.0.0.1:{self.port}",
            f"Content-Length: {len(body)}",
            "Connection: close",
        ]
        if content_type:
            lines.append(f"Content-Type: {content_type}")
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        payload = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as sock:
            sent, error = 0, None
            try:
                while sent < len(payload):
                    sock.sendall(payload[sent : sent + CHUNK])
                    sent += CHUNK
            except OSError as exc:  # EPIPE / ECONNRESET: the server stopped reading
                error = repr(exc)
            response = http.client.HTTPResponse(sock)
            response.begin()
            data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return Answer(response.status, response.headers, data, error is None, error)

    def get(self, path: str) -> Answer:
        """GET ``path``."""
        return self.request("GET", path)

    def post_form(self, path: str, fields: dict[str, str], files=None) -> Answer:
        """POST a multipart form, as a browser's upload form does."""
        body, content_type = multipart(fields, files or {})
        return self.request("POST", path, body, content_type)
