"""Search-as-you-type lookups for relation fields (order → customer, order item → product).

Flask-Admin's default lookup runs ``CAST(col AS TEXT) ILIKE '%term%'`` on every field,
a full scan of the table per keystroke. Here every field holds a normalised form of its
value (emails and usernames lower-case, SKUs upper-case, ``products.name_key`` the
lower-cased name), so a prefix match is an index range scan instead:
``email >= 'ad' AND email < 'ad\\U0010ffff'``. A page holds at most MAX_RESULTS rows;
a submitted choice must be an exact id (``ranges.parse_id``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_admin.model.ajax import DEFAULT_PAGE_SIZE
from sqlalchemy import and_, inspect, or_

from backoffice.extensions import db
from backoffice.ranges import MAX_OFFSET, parse_id

_TOP = "\U0010ffff"
#: Flask-Admin passes ``limit`` straight from the query string; never return more.
MAX_RESULTS = 50


class PrefixAjaxLoader(QueryAjaxModelLoader):
    """Matches rows whose fields start with the typed text; ``where`` narrows the choice.

    ``normalise`` maps a field name to how the typed text is put in that field's form
    (default: lower case), so the comparison is case-insensitive and stays indexed.
    """

    def __init__(
        self,
        name: str,
        model,
        *,
        fields,
        where=(),
        normalise: Mapping[str, Callable[[str], str]] | None = None,
        **options,
    ):
        super().__init__(name, db, model, fields=fields, **options)
        self.where = tuple(where)
        #: The fields' columns, in order (Flask-Admin keeps its own list private).
        self.columns = [getattr(model, f) for f in fields]
        self.normalisers = [(normalise or {}).get(f, str.lower) for f in fields]

    def get_one(self, pk):
        """The row a submitted choice names if it is an exact id, else None (not a valid choice)."""
        key = parse_id(pk, inspect(self.model).primary_key[0])
        return None if key is None else super().get_one(key)

    def get_list(self, term: str, offset: int = 0, limit: int = DEFAULT_PAGE_SIZE):
        """Up to ``limit`` (at most MAX_RESULTS) rows whose fields start with ``term``."""
        limit = max(1, min(int(limit or DEFAULT_PAGE_SIZE), MAX_RESULTS))
        # An offset past any table is no error, just no rows (and no overflowing OFFSET).
        offset = min(max(0, int(offset or 0)), MAX_OFFSET)
        query = self.get_query()
        for clause in self.where:
            query = query.filter(clause)
        term = (term or "").strip()
        if term:
            matches = []
            for field, normalise in zip(self.columns, self.normalisers, strict=True):
                prefix = normalise(term)
                matches.append(and_(field >= prefix, field < prefix + _TOP))
            query = query.filter(or_(*matches))
        # The key breaks ties, so paging through equal names neither skips nor repeats.
        order = (self.columns[0], inspect(self.model).primary_key[0])
        return query.order_by(*order).offset(offset).limit(limit).all()
