"""One notion of "now": the rule in backoffice/clock.py's docstring holds in the package."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "backoffice"
# The real clock is read in these two places only: clock.now() and models.utcnow().
READERS = {"clock.py", "models/base.py"}
RAW_NOW = re.compile(r"\b(?:datetime|date)\.(?:now|utcnow|today)\(|\btime\.time\(\)")


def test_the_real_clock_is_read_only_by_clock_now_and_utcnow():
    readers = {
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if RAW_NOW.search(path.read_text())
    }
    assert readers == READERS
