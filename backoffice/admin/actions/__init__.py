"""Bulk actions per area, built on ``backoffice.admin.bulk``; the work is in services."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Select

from backoffice.admin.bulk import BulkResult
from backoffice.services.outcome import Outcome


def as_result(outcome: Outcome, **fields) -> BulkResult:
    """A service's Outcome as the framework's BulkResult; ``fields`` are the values set."""
    result = BulkResult(changed=outcome.changed, fields=fields)
    for reason, count in outcome.skipped.items():
        result.skip(reason, count)
    return result


def runner(work: Callable[[Select], Outcome], **fields) -> Callable[[Select, dict], BulkResult]:
    """A ``run(ids, params)`` body for an action without parameters: ``work(ids)``.

    ``fields`` name the values the action sets, for its audit entry.
    """

    def run(ids: Select, params: dict) -> BulkResult:
        return as_result(work(ids), **fields)

    return run
