"""What a set-based change did, in one form the services, the admin and the CLI all report."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Outcome:
    """Rows changed, rows left alone counted by reason, and the values set on the changed rows.

    ``skipped`` reads ``{"already paid": 2}``; ``fields`` (``{"status": "paid"}``) is what
    a bulk action's audit entry says was set.
    """

    changed: int = 0
    skipped: Counter = field(default_factory=Counter)
    fields: dict = field(default_factory=dict)

    def skip(self, reason: str, count: int = 1) -> None:
        """Count ``count`` rows left alone for ``reason``."""
        if count:
            self.skipped[reason] += count

    def with_fields(self, **fields) -> Outcome:
        """This outcome, noting the values the change set (for the audit entry)."""
        self.fields.update(fields)
        return self

    def message(self) -> str:
        """``"3 changed, 2 skipped (1 already paid, 1 cancelled)"``."""
        total = sum(self.skipped.values())
        text = f"{self.changed:,} changed, {total:,} skipped"
        if total:
            reasons = ", ".join(f"{n:,} {reason}" for reason, n in self.skipped.most_common())
            text += f" ({reasons})"
        return text
