"""FTPStorage against real pyftpdlib servers: outages, refusals, timeouts, secrets, FTPS."""

from __future__ import annotations

import errno
import socket
import threading
import time
import traceback

import pytest

from backoffice.storage import FTPStorage, KeyNotFound, StorageError

from .conftest import FTP_PASSWORD, FULL_PERMS, FTPHandler, FTPServer

KEY = "avatars/0123456789abcdef0123456789abcdef.webp"
DATA = b"\x00\x01avatar\r\n" * 1000


def _files(server: FTPServer) -> list[str]:
    return sorted(
        p.relative_to(server.home).as_posix() for p in server.home.rglob("*") if p.is_file()
    )


def _assert_no_secret(exc: BaseException) -> None:
    text = "".join(traceback.format_exception(exc))
    assert FTP_PASSWORD not in text
    assert FTP_PASSWORD not in str(exc)


@pytest.fixture
def closed_port() -> int:
    """A local port with nothing listening on it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
    _assert_no_secret(info.value)


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
    _assert_no_secret(info.value)


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
    assert _files(ftp_server) == []


# --- failures during an upload leave nothing behind --------------------------------


def test_upload_refused_leaves_nothing(ftp_server_factory):
    server = ftp_server_factory(perm="elr")  # read-only account
    with pytest.raises(StorageError, match="550") as info:
        server.storage().save(KEY, DATA, "image/webp")
    assert _files(server) == []
    _assert_no_secret(info.value)


def test_rename_refused_removes_the_temporary_file(ftp_server_factory):
    server = ftp_server_factory(perm=FULL_PERMS.replace("f", ""))  # no RNFR/RNTO
    with pytest.raises(StorageError, match="550"):
        server.storage().save(KEY, DATA, "image/webp")
    assert _files(server) == []


def test_connection_dropped_before_rename_removes_the_temporary_file(ftp_server_factory):
    def drop(self, path):
        self.close()  # the server vanishes between STOR and RNFR

    server = ftp_server_factory(ftp_RNFR=drop)
    with pytest.raises(StorageError, match="save"):
        server.storage().save(KEY, DATA, "image/webp")
    # The temporary file was written, then deleted over a fresh connection.
    assert _files(server) == []
    assert len(server.connections) == 2


class _FillingFile:
    """A file that runs out of space after ``room`` bytes, like a full disk."""

    def __init__(self, fh, room: int) -> None:
        self._fh, self._room = fh, room

    def write(self, chunk: bytes) -> int:
        if len(chunk) > self._room:
            self._fh.write(chunk[: self._room])
            self._room = 0
            raise OSError(errno.ENOSPC, "No space left on device")
        self._room -= len(chunk)
        return self._fh.write(chunk)

    def __getattr__(self, name):
        return getattr(self._fh, name)


def test_disk_full_mid_transfer_leaves_nothing_and_keeps_the_old_object(ftp_server_factory):
    from pyftpdlib.filesystems import AbstractedFS

    class FullDiskFS(AbstractedFS):
        room = None

        def open(self, filename, mode):
            fh = super().open(filename, mode)
            return _FillingFile(fh, self.room) if "w" in mode and self.room is not None else fh

    server = ftp_server_factory(abstracted_fs=FullDiskFS)
    storage = server.storage()
    storage.save(KEY, b"previous avatar", "image/webp")
    FullDiskFS.room = 4096
    with pytest.raises(StorageError, match="save") as info:
        storage.save(KEY, DATA * 10, "image/webp")
    FullDiskFS.room = None
    assert _files(server) == [KEY]
    assert storage.open(KEY) == b"previous avatar"
    _assert_no_secret(info.value)


def test_server_gone_mid_upload_never_leaves_a_final_object(ftp_server_factory):
    down = threading.Event()

    def user(self, line):
        if down.is_set():
            self.respond("421 Service not available, closing control connection.")
            self.close_when_done()
        else:
            FTPHandler.ftp_USER(self, line)

    def crash(self, path):
        down.set()  # this connection and every later one fail, cleanup included
        self.close()

    server = ftp_server_factory(ftp_USER=user, ftp_RNFR=crash)
    storage = server.storage()
    with pytest.raises(StorageError, match="save"):
        storage.save(KEY, DATA, "image/webp")
    assert len(server.connections) == 2  # the upload, then the attempted cleanup
    # Nobody can delete the temporary file while the server is down: it stays, under a
    # name that is never a valid key, so it is neither served nor listed.
    leftovers = _files(server)
    assert KEY not in leftovers
    assert len(leftovers) == 1
    assert leftovers[0].startswith("avatars/.tmp-")
    down.clear()
    assert list(storage.iter_keys()) == []
    with pytest.raises(KeyNotFound):
        storage.open(KEY)


def test_delete_refused_is_an_error_not_a_silent_success(ftp_server_factory):
    server = ftp_server_factory(perm=FULL_PERMS.replace("d", ""))
    storage = server.storage()
    storage.save(KEY, DATA, "image/webp")
    with pytest.raises(StorageError, match="delete"):
        storage.delete(KEY)
    assert storage.exists(KEY)


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
    _assert_no_secret(info.value)


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
    assert _files(server) == []


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
