"""FTPStorage on real pyftpdlib servers: outages and timeouts, secrets, protocol details."""

from __future__ import annotations

import socket
import threading
import time
import traceback

import pytest

from backoffice.storage import FTPStorage, StorageError
from tests.support.ftpserver import FTP_PASSWORD, assert_no_secret

KEY = "avatars/0123456789abcdef0123456789abcdef.webp"
DATA = b"\x00\x01avatar\r\n" * 1000


@pytest.fixture
def silent_port():
    """A port that accepts TCP connections (in the kernel backlog) and never says a word."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


def _storage(port: int, **kwargs) -> FTPStorage:
    options = {"host": "127.0.0.1", "port": port, "user": "media", "password": FTP_PASSWORD}
    return FTPStorage(**{**options, **kwargs})


# --- outages and timeouts ------------------------------------------------------------


def test_connection_refused_fails_fast(closed_port):
    storage = _storage(closed_port, timeout=5)
    started = time.monotonic()
    with pytest.raises(StorageError, match="Connection refused") as info:
        storage.save(KEY, DATA, "image/webp")
    assert time.monotonic() - started < 1
    assert_no_secret(info.value)


@pytest.mark.parametrize("operation", ["save", "open", "exists", "delete", "check", "iter_keys"])
def test_silent_server_times_out(silent_port, operation):
    storage = _storage(silent_port, timeout=1)
    calls = {
        "save": lambda: storage.save(KEY, DATA, "image/webp"),
        "open": lambda: storage.open(KEY),
        "exists": lambda: storage.exists(KEY),
        "delete": lambda: storage.delete(KEY),
        "check": storage.check,
        "iter_keys": lambda: list(storage.iter_keys()),
    }
    started = time.monotonic()
    with pytest.raises(StorageError, match=r"no answer within 1s") as info:
        calls[operation]()
    # One timeout, not one per retry or cleanup: nothing was sent, nothing to clean up.
    assert 0.9 < time.monotonic() - started < 2.5
    assert_no_secret(info.value)


def test_server_stalling_mid_session_times_out(ftp_server_factory):
    release = threading.Event()

    def stall(self, line):
        release.wait(10)  # never answers SIZE within the client's timeout

    server = ftp_server_factory(ftp_SIZE=stall)
    try:
        started = time.monotonic()
        with pytest.raises(StorageError, match="no answer within 1s"):
            server.storage(timeout=1).exists(KEY)
        assert time.monotonic() - started < 2.5
    finally:
        release.set()


def test_server_stopped_before_save_leaves_nothing(ftp_server):
    storage = ftp_server.storage()
    ftp_server.stop()
    with pytest.raises(StorageError, match="Connection refused"):
        storage.save(KEY, DATA, "image/webp")
    assert ftp_server.files() == []


# --- credentials never leak --------------------------------------------------------


def test_wrong_password_is_a_clear_error_without_the_password(ftp_server):
    storage = ftp_server.storage(password=FTP_PASSWORD + "-wrong")
    with pytest.raises(StorageError, match="530") as info:
        storage.exists(KEY)
    assert FTP_PASSWORD not in str(info.value)
    assert "".join(traceback.format_exception(info.value)).count(FTP_PASSWORD) == 0


def test_password_echoed_by_the_server_is_masked(ftp_server_factory):
    def echo(self, line):
        self.respond(f"530 Password {line} refused.")

    server = ftp_server_factory(ftp_PASS=echo)
    with pytest.raises(StorageError) as info:
        server.storage().save(KEY, DATA, "image/webp")
    assert "Password *** refused" in str(info.value)
    assert_no_secret(info.value)


def test_description_and_repr_hold_no_password(ftp_server):
    storage = ftp_server.storage(directory="media")
    assert storage.describe() == f"ftp://media@127.0.0.1:{ftp_server.port}/media (passive)"
    assert FTP_PASSWORD not in repr(storage)
    assert FTP_PASSWORD not in storage.check()


# --- protocol details ----------------------------------------------------------------


def test_one_short_connection_per_operation(ftp_server):
    storage = ftp_server.storage()
    storage.save(KEY, DATA, "image/webp")
    storage.exists(KEY)
    storage.open(KEY)
    storage.delete(KEY)
    assert len(ftp_server.connections) == 4


def test_active_mode_works(ftp_server):
    storage = ftp_server.storage(passive=False)
    storage.save(KEY, DATA, "image/webp")
    assert storage.open(KEY) == DATA
    assert list(storage.iter_keys()) == [KEY]


def test_check_fails_on_a_read_only_account(ftp_server_factory):
    server = ftp_server_factory(perm="elr")
    with pytest.raises(StorageError, match=r"FTP save storage-check-.* failed: 550"):
        server.storage().check()
    assert server.files() == []


def test_check_fails_when_the_server_is_down(closed_port):
    with pytest.raises(StorageError, match="Connection refused"):
        _storage(closed_port, timeout=2).check()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"host": ""}, "host is required"),
        ({"host": "h\r\nUSER x"}, "host contains a control character"),
        ({"user": "u\x00"}, "user contains a control character"),
        ({"directory": "a\nb"}, "directory contains a control character"),
        ({"timeout": 0}, "timeout must be positive"),
    ],
)
def test_constructor_refuses_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        FTPStorage(**{"host": "127.0.0.1", **kwargs})
