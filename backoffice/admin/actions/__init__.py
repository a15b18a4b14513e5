"""Bulk actions per area, built on ``backoffice.admin.bulk``; the work is in services.

One module per area (catalog, orders, users); each action calls a service with a
SELECT of keys and returns its ``Outcome``. May import what ``backoffice.admin`` may.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Select

from backoffice.services.outcome import Outcome


def runner(work: Callable[[Select], Outcome], **fields) -> Callable[[Select, dict], Outcome]:
    """A ``run(ids, params)`` body for an action without parameters: ``work(ids)``.

    ``fields`` name the values the action sets, for its audit entry.
    """

    def run(ids: Select, params: dict) -> Outcome:
        return work(ids).with_fields(**fields)

    return run
