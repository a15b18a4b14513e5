"""What a dry run found: counts per class, the first rows of each, the errors, the error rows.

The report is JSON (kept in the Storage as the dry-run job's result): ``counts``, up to
``SAMPLE`` rows per class (an update with its field diff), and the errors as
``{line, field, message}`` (at most ``MAX_ERRORS`` of them; ``counts["error"]`` is the
true number). The error rows themselves are written as they come to a CSV in the file's
own layout with an ``error`` column added, to fix and send again.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter
from decimal import Decimal
from typing import IO

from backoffice.services.imports.plan import CLASSES, Classified

SAMPLE = 100
MAX_ERRORS = 100_000


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


class Report:
    """Collects a dry run's classified rows; the error rows go to ``error_rows`` (a text file)."""

    def __init__(self, headers: list[str], error_rows: IO[str] | None = None):
        self.counts: Counter = Counter(dict.fromkeys(CLASSES, 0))
        self.samples: dict[str, list] = {name: [] for name in CLASSES}
        self.errors: list[dict] = []
        self.writer = csv.writer(error_rows) if error_rows is not None else None
        if self.writer:
            self.writer.writerow([*headers, "error"])

    def add(self, batch: list[Classified]) -> None:
        """Count and keep what the report keeps of ``batch``."""
        for c in batch:
            self.counts[c.cls] += 1
            if len(self.samples[c.cls]) < SAMPLE:
                self.samples[c.cls].append(self._sample(c))
            if c.cls == "error":
                for name, message in c.row.errors:
                    if len(self.errors) < MAX_ERRORS:
                        self.errors.append({"line": c.row.line, "field": name, "message": message})
                if self.writer:
                    text = "; ".join(f"{name}: {message}" for name, message in c.row.errors)
                    self.writer.writerow([*c.row.cells, text])

    @staticmethod
    def _sample(c: Classified) -> dict:
        sample = {"line": c.row.line, "key": c.row.key}
        if c.cls == "update":
            sample["diff"] = {name: [_plain(a), _plain(b)] for name, (a, b) in c.diff.items()}
        elif c.cls == "new":
            sample["values"] = {name: _plain(v) for name, v in c.row.values.items()}
        elif c.cls == "error":
            sample["errors"] = c.row.errors
        return sample

    def summary(self) -> str:
        """``"3 new, 2 updates, 0 unchanged, 1 error"``."""
        c = self.counts
        return (
            f"{c['new']:,} new, {c['update']:,} to update, {c['unchanged']:,} unchanged, "
            f"{c['error']:,} in error"
        )

    def to_json(self) -> bytes:
        """The report as JSON (the dry run's result)."""
        return json.dumps(
            {"counts": dict(self.counts), "samples": self.samples, "errors": self.errors},
            default=str,
        ).encode()


def counts_text(counts: dict) -> str:
    """An apply's counts for people: ``"2 created, 1 conflict: stock changed meanwhile ..."``."""
    return ", ".join(f"{n:,} {name}" for name, n in sorted(counts.items())) or "nothing to do"
