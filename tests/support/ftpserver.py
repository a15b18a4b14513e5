"""Real pyftpdlib servers on 127.0.0.1 for any test: a pytest plugin (see tests/conftest.py)."""

from __future__ import annotations

import socket
import threading
import traceback
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from backoffice.storage import FTPStorage

with warnings.catch_warnings():
    # pyftpdlib 2.2 still imports asyncore and asynchat, deprecated in Python 3.11.
    warnings.filterwarnings(
        "ignore", r"The asyn(core|chat) module is deprecated", DeprecationWarning
    )
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler
    from pyftpdlib.servers import ThreadedFTPServer

FTP_USER = "media"
# Distinctive, so a test can look for it in every error message.
FTP_PASSWORD = "Sekr1t-pa55word-XYZZY"
FULL_PERMS = "elradfmwMT"


class _QuickServer(ThreadedFTPServer):
    """Connection threads notice shutdown within 0.1 s instead of 1 s."""

    poll_timeout = 0.1
    join_timeout = 2


@dataclass
class FTPServer:
    """A running test server, its user's home directory, the connections it saw and has open."""

    server: ThreadedFTPServer
    thread: threading.Thread
    stopping: threading.Event
    home: Path
    handler: type
    connections: list[str] = field(default_factory=list)
    open_connections: set[str] = field(default_factory=set)

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return self.server.address[1]

    def storage(self, **kwargs) -> FTPStorage:
        """An FTPStorage for this server (short timeout: tests must not hang)."""
        options = {"host": "127.0.0.1", "port": self.port, "user": FTP_USER, "timeout": 5}
        return FTPStorage(**{**options, "password": FTP_PASSWORD, **kwargs})

    def files(self) -> list[str]:
        """Every file under the home directory, relative, sorted."""
        found = (p.relative_to(self.home).as_posix() for p in self.home.rglob("*"))
        return sorted(name for name in found if (self.home / name).is_file())

    def stop(self) -> None:
        """Stop serving and drop every connection."""
        self.stopping.set()
        self.thread.join(5)


def start_ftp_server(
    home: Path, *, perm: str = FULL_PERMS, handler_base: type = FTPHandler, **attrs
) -> FTPServer:
    """Serve ``home`` for FTP_USER on 127.0.0.1 from a daemon thread."""
    home.mkdir(parents=True, exist_ok=True)
    authorizer = DummyAuthorizer()
    authorizer.add_user(FTP_USER, FTP_PASSWORD, str(home), perm=perm)
    connections: list[str] = []
    open_connections: set[str] = set()  # control connections, as the server sees them

    def on_connect(self) -> None:
        connections.append(f"{self.remote_ip}:{self.remote_port}")
        open_connections.add(f"{self.remote_ip}:{self.remote_port}")

    def on_disconnect(self) -> None:
        open_connections.discard(f"{self.remote_ip}:{self.remote_port}")

    handler = type(
        "TestFTPHandler",
        (handler_base,),
        {
            "authorizer": authorizer,
            "auth_failed_timeout": 0,  # no 3 s pause after a wrong password
            "timeout": 30,
            "on_connect": on_connect,
            "on_disconnect": on_disconnect,
            **attrs,
        },
    )
    server = _QuickServer(("127.0.0.1", 0), handler)
    stopping = threading.Event()

    def serve() -> None:
        # Poll in short non-blocking rounds and close from this same thread: closing
        # the IO loop from another thread while it polls fails with EBADF.
        # handle_exit=False: no log set-up, no signal handling in a test thread.
        while not stopping.is_set():
            server.serve_forever(timeout=0.05, blocking=False, handle_exit=False)
        server.close_all()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return FTPServer(server, thread, stopping, home, handler, connections, open_connections)


def assert_no_secret(exc: BaseException) -> None:
    """Neither the message nor the printed traceback holds the FTP password."""
    assert FTP_PASSWORD not in str(exc)
    assert FTP_PASSWORD not in "".join(traceback.format_exception(exc))


@pytest.fixture
def closed_port() -> int:
    """A local port with nothing listening on it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def ftp_server_factory(tmp_path: Path) -> Iterator:
    """Start servers with custom permissions or handlers; all are stopped at teardown."""
    servers: list[FTPServer] = []

    def factory(name: str = "ftp-home", **kwargs) -> FTPServer:
        server = start_ftp_server(tmp_path / name, **kwargs)
        servers.append(server)
        return server

    yield factory
    for server in servers:
        server.stop()


@pytest.fixture
def ftp_server(ftp_server_factory) -> FTPServer:
    """A plain FTP server with full permissions."""
    return ftp_server_factory()
