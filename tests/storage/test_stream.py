"""``Storage.open_stream`` on every backend (local and a real FTP server): chunks, size,
a missing key before any byte, and nothing left open however the reader stops."""

from __future__ import annotations

import os
import time

import pytest

from backoffice.storage import KeyNotFound

BIG = bytes(range(256)) * 4096 * 5  # 5 MiB: many chunks on every backend
CHUNK = 64 * 1024


def held(backend) -> tuple[int, int]:
    """File descriptors of this process, and control connections the FTP server has open."""
    server = backend.server
    return len(os.listdir("/proc/self/fd")), len(server.open_connections) if server else 0


def at_rest(backend, fds: int | None = None, timeout: float = 5.0) -> tuple[int, int]:
    """``held`` once no FTP connection is open (and no more than ``fds`` descriptors, if
    given), bounded in time.

    The server notices a closed connection a moment after the client closes it.
    """
    deadline = time.monotonic() + timeout
    while (now := held(backend))[1] or (fds is not None and now[0] > fds):
        if time.monotonic() > deadline:
            break
        time.sleep(0.02)
    return now


def assert_released(backend, before: tuple[int, int]) -> None:
    """No FTP connection open, and no descriptor more than ``before``.

    Fewer is fine: other threads of the test process (a pool, a finished server) may
    close one of theirs meanwhile; a stream that kept its file or socket shows as more.
    """
    fds, connections = at_rest(backend, before[0])
    assert connections == 0
    assert fds <= before[0]


def test_a_multi_mib_object_streams_in_bounded_chunks_with_its_size(backend):
    backend.storage.save("exports/big.csv", BIG, "text/csv")
    before = at_rest(backend)
    with backend.storage.open_stream("exports/big.csv", chunk_size=CHUNK) as stream:
        assert stream.size == len(BIG)
        chunks = list(stream)
    assert b"".join(chunks) == BIG
    assert len(chunks) >= len(BIG) // CHUNK
    assert max(map(len, chunks)) <= CHUNK
    assert_released(backend, before)


def test_an_empty_object_is_a_stream_of_nothing(backend):
    backend.storage.save("exports/empty.csv", b"", "text/csv")
    with backend.storage.open_stream("exports/empty.csv") as stream:
        assert stream.size == 0
        assert list(stream) == []


def test_a_missing_key_raises_before_any_byte_and_holds_nothing(backend):
    backend.storage.save("exports/x/kept.csv", b"x", "text/csv")
    before = at_rest(backend)
    for key in ("exports/missing.csv", "exports/x"):  # a directory is no object either
        with pytest.raises(KeyNotFound):
            backend.storage.open_stream(key)
    assert_released(backend, before)


def test_a_stream_closed_early_frees_its_file_or_connections(backend):
    backend.storage.save("exports/big.csv", BIG, "text/csv")
    before = at_rest(backend)
    stream = backend.storage.open_stream("exports/big.csv", chunk_size=CHUNK)
    first = next(stream)
    assert first
    assert BIG.startswith(first)
    assert held(backend) != before  # the stream holds something open: the check can fail
    stream.close()  # as a WSGI server does when the client goes away
    assert_released(backend, before)
    stream.close()  # closing twice is harmless
    with pytest.raises(StopIteration):
        next(stream)
    # The store still answers afterwards (no half-finished session left in the way).
    assert backend.storage.open("exports/big.csv") == BIG


def test_a_stream_never_read_still_closes(backend):
    backend.storage.save("exports/x.csv", b"abc", "text/csv")
    before = at_rest(backend)
    stream = backend.storage.open_stream("exports/x.csv")
    stream.close()
    assert_released(backend, before)
