"""FTP uploads that fail part-way (refused, dropped, disk full, server gone) leave nothing."""

from __future__ import annotations

import errno
import threading

import pytest
from pyftpdlib.filesystems import AbstractedFS

from backoffice.storage import KeyNotFound, StorageError
from tests.support.ftpserver import FULL_PERMS, FTPHandler, assert_no_secret

KEY = "avatars/0123456789abcdef0123456789abcdef.webp"
DATA = b"\x00\x01avatar\r\n" * 1000


def test_upload_refused_leaves_nothing(ftp_server_factory):
    server = ftp_server_factory(perm="elr")  # read-only account
    with pytest.raises(StorageError, match="550") as info:
        server.storage().save(KEY, DATA, "image/webp")
    assert server.files() == []
    assert_no_secret(info.value)


def test_rename_refused_removes_the_temporary_file(ftp_server_factory):
    server = ftp_server_factory(perm=FULL_PERMS.replace("f", ""))  # no RNFR/RNTO
    with pytest.raises(StorageError, match="550"):
        server.storage().save(KEY, DATA, "image/webp")
    assert server.files() == []


def test_connection_dropped_before_rename_removes_the_temporary_file(ftp_server_factory):
    def drop(self, path):
        self.close()  # the server vanishes between STOR and RNFR

    server = ftp_server_factory(ftp_RNFR=drop)
    with pytest.raises(StorageError, match="save"):
        server.storage().save(KEY, DATA, "image/webp")
    # The temporary file was written, then deleted over a fresh connection.
    assert server.files() == []
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
    assert server.files() == [KEY]
    assert storage.open(KEY) == b"previous avatar"
    assert_no_secret(info.value)


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
    leftovers = server.files()
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
