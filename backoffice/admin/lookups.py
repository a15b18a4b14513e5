"""Search-as-you-type lookups for relation fields (order → customer).

Flask-Admin's default lookup runs ``CAST(col AS TEXT) ILIKE '%term%'`` on every field,
a full scan of the users table per keystroke. Emails and usernames are stored
lower-case, so a prefix match is an index range scan instead:
``email >= 'ad' AND email < 'ad\\U0010ffff'``.
"""

from __future__ import annotations

from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_admin.model.ajax import DEFAULT_PAGE_SIZE
from sqlalchemy import and_, or_

from backoffice.extensions import db

_TOP = "\U0010ffff"
#: Flask-Admin passes ``limit`` straight from the query string; never return more.
MAX_RESULTS = 50


class PrefixAjaxLoader(QueryAjaxModelLoader):
    """Matches rows whose fields start with the typed text; ``where`` narrows the choice."""

    def __init__(self, name: str, model, *, fields, where=(), **options):
        super().__init__(name, db, model, fields=fields, **options)
        self.where = tuple(where)

    def get_list(self, term: str, offset: int = 0, limit: int = DEFAULT_PAGE_SIZE):
        """Up to ``limit`` (at most MAX_RESULTS) rows whose fields start with ``term``."""
        limit = max(1, min(int(limit or DEFAULT_PAGE_SIZE), MAX_RESULTS))
        offset = max(0, int(offset or 0))
        query = self.get_query()
        for clause in self.where:
            query = query.filter(clause)
        term = (term or "").strip().lower()
        if term:
            query = query.filter(
                or_(*(and_(f >= term, f < term + _TOP) for f in self._cached_fields))
            )
        return query.order_by(self._cached_fields[0]).offset(offset).limit(limit).all()
