"""The Storage contract, run against every backend (local and FTP, real servers)."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from backoffice.storage import InvalidKey, KeyNotFound, StorageError, new_key

KEY = "avatars/0123456789abcdef0123456789abcdef.webp"
# Every byte value plus CR/LF pairs: an ASCII-mode transfer would mangle these.
BINARY = bytes(range(256)) + b"\r\n\n\r" * 100


def test_save_open_roundtrip_is_byte_exact(backend):
    backend.storage.save(KEY, BINARY, "image/webp")
    assert backend.storage.open(KEY) == BINARY
    assert (backend.root / KEY).read_bytes() == BINARY


def test_save_creates_nested_directories(backend):
    key = "avatars/thumbs/deep/er/x.png"
    backend.storage.save(key, b"png", "image/png")
    assert backend.storage.open(key) == b"png"
    assert backend.files() == [key]


def test_empty_and_large_objects(backend):
    big = bytes(range(256)) * 8192  # 2 MiB
    backend.storage.save("a/empty.bin", b"", "application/octet-stream")
    backend.storage.save("a/big.bin", big, "application/octet-stream")
    assert backend.storage.open("a/empty.bin") == b""
    assert backend.storage.open("a/big.bin") == big


def test_save_replaces_an_existing_object(backend):
    backend.storage.save(KEY, b"old", "image/webp")
    backend.storage.save(KEY, b"new", "image/webp")
    assert backend.storage.open(KEY) == b"new"
    assert backend.files() == [KEY]


def test_no_temporary_file_left_after_saves(backend):
    for i in range(5):
        backend.storage.save(f"avatars/{i}.webp", b"x" * i, "image/webp")
    assert backend.files() == [f"avatars/{i}.webp" for i in range(5)]


def test_exists_and_delete(backend):
    assert backend.storage.exists(KEY) is False
    backend.storage.save(KEY, b"data", "image/webp")
    assert backend.storage.exists(KEY) is True
    backend.storage.delete(KEY)
    assert backend.storage.exists(KEY) is False
    assert backend.files() == []


def test_delete_missing_is_fine(backend):
    backend.storage.delete(KEY)
    backend.storage.delete("never/was/here.png")


def test_delete_of_a_directory_key_is_a_no_op(backend):
    backend.storage.save("avatars/x.png", b"x", "image/png")
    backend.storage.delete("avatars")
    assert backend.storage.open("avatars/x.png") == b"x"


def test_open_missing_is_key_not_found(backend):
    with pytest.raises(KeyNotFound):
        backend.storage.open(KEY)
    backend.storage.save(KEY, b"data", "image/webp")
    # A directory is not an object either.
    with pytest.raises(KeyNotFound):
        backend.storage.open("avatars")
    assert backend.storage.exists("avatars") is False
    assert issubclass(KeyNotFound, StorageError)


def test_iter_keys_lists_keys_sorted_and_skips_foreign_files(backend):
    keys = ["b/2.png", "a/1.webp", "a/sub/3.jpg", "top.txt"]
    for key in keys:
        backend.storage.save(key, b"k", "application/octet-stream")
    # Files the app did not write: a crashed upload's temporary file, hidden and odd names.
    (backend.root / "a" / ".tmp-0badc0de-1.webp").write_bytes(b"partial")
    (backend.root / ".hidden").mkdir()
    (backend.root / ".hidden" / "x.png").write_bytes(b"h")
    (backend.root / "a" / "Upper Case.PNG").write_bytes(b"u")
    assert list(backend.storage.iter_keys()) == sorted(keys)


def test_iter_keys_on_a_fresh_store_is_empty(backend):
    assert list(backend.storage.iter_keys()) == []


def test_new_keys_are_fresh_and_storable(backend):
    keys = {new_key("avatars", "webp") for _ in range(50)}
    assert len(keys) == 50
    key = keys.pop()
    backend.storage.save(key, b"x", "image/webp")
    assert backend.storage.open(key) == b"x"


def test_check_succeeds_and_leaves_nothing(backend):
    description = backend.storage.check()
    assert "reachable and writable" in description
    assert backend.files() == []


def test_modified_is_the_time_of_the_save(backend):
    # FTP times have one-second resolution; allow for it on both sides.
    before = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(seconds=1)
    backend.storage.save(KEY, b"x", "image/webp")
    when = backend.storage.modified(KEY)
    assert when.utcoffset() == dt.timedelta(0)
    assert before <= when <= dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    with pytest.raises(KeyNotFound):
        backend.storage.modified("avatars/missing.webp")
    with pytest.raises(KeyNotFound):
        backend.storage.modified("avatars")  # a directory is not an object


def test_temporary_files_are_listed_with_their_times_and_deleted(backend):
    backend.storage.save(KEY, b"x", "image/webp")
    (backend.root / "avatars" / ".tmp-0badc0de-x.webp").write_bytes(b"partial")
    (backend.root / ".tmp-k3x9q2ab").write_bytes(b"partial")
    (backend.root / ".hidden").mkdir()
    (backend.root / ".hidden" / ".tmp-abc").write_bytes(b"not ours: hidden directory")
    listed = list(backend.storage.iter_temporary())
    assert [name for name, _ in listed] == [".tmp-k3x9q2ab", "avatars/.tmp-0badc0de-x.webp"]
    now = dt.datetime.now(dt.UTC)
    assert all(
        now - dt.timedelta(minutes=1) < when < now + dt.timedelta(minutes=1) for _, when in listed
    )
    for name, _ in listed:
        backend.storage.delete_temporary(name)
    assert backend.files() == [".hidden/.tmp-abc", KEY]
    backend.storage.delete_temporary(".tmp-k3x9q2ab")  # already gone: fine
    assert list(backend.storage.iter_temporary()) == []


@pytest.mark.parametrize(
    "name",
    [
        KEY,
        "avatars/x.webp",
        ".tmp-",
        ".TMP-x",
        "/.tmp-x",
        "../.tmp-x",
        "avatars/../.tmp-x",
        ".hidden/.tmp-x",
        ".tmp-x/../../etc",
        ".tmp-..",
        "avatars//.tmp-x",
    ],
)
def test_delete_temporary_refuses_anything_else(backend, name):
    backend.storage.save(KEY, b"x", "image/webp")
    with pytest.raises(InvalidKey):
        backend.storage.delete_temporary(name)
    assert backend.files() == [KEY]


class FailingReader(io.RawIOBase):
    """A source file whose read fails after ``good`` bytes (a disk error mid-copy)."""

    def __init__(self, good: int) -> None:
        self.left = good

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.left <= 0:
            raise OSError(5, "Input/output error")
        n = min(len(buffer), self.left, 64 * 1024)
        buffer[:n] = b"y" * n
        self.left -= n
        return n


def test_save_file_streams_from_a_file_object_from_its_position(backend, tmp_path):
    big = bytes(range(256)) * 8192 * 3  # 6 MiB: many blocks on every backend
    with (tmp_path / "source.bin").open("w+b") as source:
        source.write(b"skipped" + big)
        source.seek(len(b"skipped"))
        backend.storage.save_file("exports/big.bin", source, "application/octet-stream")
    assert backend.storage.open("exports/big.bin") == big
    assert backend.files() == ["exports/big.bin"]
    backend.storage.save_file("exports/big.bin", io.BytesIO(b""), "text/csv")
    assert backend.storage.open("exports/big.bin") == b""


def test_save_file_whose_source_fails_leaves_nothing_and_keeps_the_old_object(backend):
    backend.storage.save("exports/x.csv", b"previous", "text/csv")
    with pytest.raises((OSError, StorageError)):
        backend.storage.save_file("exports/x.csv", FailingReader(1024 * 1024), "text/csv")
    with pytest.raises((OSError, StorageError)):
        backend.storage.save_file("exports/new.csv", FailingReader(0), "text/csv")
    assert backend.storage.open("exports/x.csv") == b"previous"
    assert backend.files() == ["exports/x.csv"]
    assert list(backend.storage.iter_temporary()) == []
