"""A record's history: its audit entries, newest first, a page at a time.

Served by the index on audit_log (model, object_id, created_at, id): a page reads its
rows in index order (no sort) and the count of one record's entries reads only that
index range, however long the whole log is.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import AuditLog

PER_PAGE = 20


@dataclass(frozen=True)
class HistoryPage:
    """One page of a record's entries, newest first."""

    entries: list[AuditLog]
    page: int
    pages: int
    total: int


def record_history(model: str, object_id, page: int = 1, per_page: int = PER_PAGE) -> HistoryPage:
    """Page ``page`` (from 1) of the audit entries of ``model`` #``object_id``, newest first."""
    mine = (AuditLog.model == model, AuditLog.object_id == str(object_id))
    total = db.session.scalar(select(func.count()).select_from(AuditLog).where(*mine))
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    entries = db.session.scalars(
        select(AuditLog)
        .where(*mine)
        .order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return HistoryPage(list(entries), page, pages, total)
