"""A dry run's checked rows, kept for its apply: the rows are not checked twice.

A row's field checks depend only on its cells and on the file, mapping, mode and
options, which the apply shares with its dry run (``jobs.imports.SAME``); what depends
on the database (new or update, the diff, the defaults of a new row, the stock guard)
the apply decides again. So the dry run writes each row's check (``rows.Checked``
without its cells: line, key, values, field errors) as one JSON line, and the apply
reads them back instead of reading and checking the file again. Values keep their
types: a ``Decimal`` is written ``["D", "12.50"]``, a date ``["T", "2024-05-01"]``.
The file's SHA-256 goes with it, and a file that does not match is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import IO

from backoffice.services.imports.read import ImportRefused
from backoffice.services.imports.rows import Checked
from backoffice.storage import KeyNotFound, get_storage


def _plain(value):
    if isinstance(value, Decimal):
        return ["D", str(value)]
    if isinstance(value, dt.date):
        return ["T", value.isoformat()]
    raise TypeError(f"cannot keep a {type(value).__name__}")


def _typed(value):
    if type(value) is list:
        tag, text = value
        return Decimal(text) if tag == "D" else dt.date.fromisoformat(text)
    return value


class CheckedWriter:
    """Writes checked rows to ``out`` (binary), one JSON line each, hashing as it goes."""

    def __init__(self, out: IO[bytes]):
        self.out = out
        self.digest = hashlib.sha256()
        self._dumps = json.JSONEncoder(default=_plain, separators=(",", ":")).encode

    def write(self, rows: Iterable[Checked]) -> None:
        """Append ``rows`` (before classification changes them)."""
        # Row by row into the (buffered) file: one large bytes object per batch raised
        # glibc's mmap threshold and left the worker thread's arena grown (+60 MB RSS
        # at 100,000 rows in the worker, not in a main thread).
        for r in rows:
            data = (self._dumps([r.line, r.key, r.values, r.errors]) + "\n").encode()
            self.digest.update(data)
            self.out.write(data)


def read_checked(lines: Iterable[bytes]) -> Iterator[Checked]:
    """The rows ``CheckedWriter`` wrote (without their cells)."""
    decode = json.JSONDecoder().decode  # on text: json.loads would sniff each line's encoding
    for raw in lines:
        line, key, values, errors = decode(raw.decode())
        for name, value in values.items():
            if type(value) is list:
                values[name] = _typed(value)
        yield Checked(line, [], key, values, [tuple(e) for e in errors])


def kept_rows(key: str, sha256: str, into: IO[bytes]) -> Iterator[Checked]:
    """The rows kept under ``key`` in the Storage (copied to ``into``, a temporary file),
    once their SHA-256 matches; ``ImportRefused`` if they are gone or do not match."""
    digest = hashlib.sha256()
    try:
        with get_storage().open_stream(key) as stream:
            for chunk in stream:
                digest.update(chunk)
                into.write(chunk)
    except KeyNotFound:
        raise ImportRefused("The dry run's checked rows are gone: run it again.") from None
    if digest.hexdigest() != sha256:
        raise ImportRefused("The dry run's checked rows do not match their hash: run it again.")
    into.seek(0)
    yield from read_checked(into)
