"""The keys a file has used so far, in 12 bytes a key: a repeated key is an error.

A dict of a million SKUs to their lines holds ~117 MB; this open-addressing table holds
each key's 64-bit hash (``hash()``: SipHash, salted per process, which is all a single
dry run or apply needs) and its first line in two flat arrays, grown by doubling at half
full: 24 MB at a million keys. Two different keys sharing a 64-bit hash would be taken
for a repeat: about one chance in 10^7 for a file of a million keys.
"""

from __future__ import annotations

from array import array

_EMPTY = 0


class SeenKeys:
    """``first_line(key, line)``: the line that used ``key`` first (``line`` if none did)."""

    def __init__(self, capacity: int = 1 << 12):
        self._hashes = array("Q", bytes(8 * capacity))
        self._lines = array("I", bytes(4 * capacity))
        self._used = 0

    def __len__(self) -> int:
        return self._used

    def first_line(self, key, line: int) -> int:
        """The first line seen with ``key``; notes ``line`` for it when ``key`` is new."""
        h = hash(key) & 0xFFFF_FFFF_FFFF_FFFF or 1
        hashes, mask = self._hashes, len(self._hashes) - 1
        slot = h & mask
        while True:
            found = hashes[slot]
            if found == h:
                return self._lines[slot]
            if found == _EMPTY:
                break
            slot = (slot + 1) & mask
        hashes[slot] = h
        self._lines[slot] = line
        self._used += 1
        if 2 * self._used > len(hashes):
            self._grow()
        return line

    def _grow(self) -> None:
        old = zip(self._hashes, self._lines, strict=True)
        size = 2 * len(self._hashes)
        self._hashes = array("Q", bytes(8 * size))
        self._lines = array("I", bytes(4 * size))
        mask = size - 1
        for h, line in old:
            if h != _EMPTY:
                slot = h & mask
                while self._hashes[slot] != _EMPTY:
                    slot = (slot + 1) & mask
                self._hashes[slot] = h
                self._lines[slot] = line
