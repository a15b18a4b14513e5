"""Row counts for list pages: exact when cheap, a planner-grade estimate when the table is big.

``COUNT(*)`` reads every row (PostgreSQL) or every entry of the smallest index (SQLite),
so an unfiltered count of a million orders costs more than the page it heads. For an
unfiltered list of a big table the admin shows an estimate instead:

- PostgreSQL: the planner's own figure, ``pg_class.reltuples`` (refreshed by ANALYZE and
  autovacuum) scaled to the table's current size in pages, as the planner does. A table
  that was never analysed has no estimate (``reltuples = -1``) and is counted exactly.
- SQLite: the id span, ``max(id) - min(id) + 1``: two lookups at the ends of the rowid
  B-tree, always current for inserts; it counts deleted rows too, which is close for the
  tables that grow big (orders and the audit log are kept, not deleted). SQLite has no
  row statistics of its own besides ``sqlite_stat1``, which only changes on ANALYZE.

``ListCount`` is an int (Flask-Admin computes the number of pages from it) that knows
whether it is an estimate and prints itself as "1,234" or "about 1,000,000".
"""

from __future__ import annotations

from sqlalchemy import Select, func, inspect, select, text

from backoffice.extensions import db


class ListCount(int):
    """A row count that may be an estimate; ``str()`` gives "1,234" or "about 1,000,000"."""

    approximate: bool

    def __new__(cls, value: int, approximate: bool = False) -> ListCount:
        count = super().__new__(cls, max(0, int(value)))
        count.approximate = approximate
        return count

    def __str__(self) -> str:
        return f"about {int(self):,}" if self.approximate else f"{int(self):,}"

    def __html__(self) -> str:
        """Jinja prints it the same way (digits and words only, nothing to escape)."""
        return str(self)


_PG_ESTIMATE = text(
    """
    SELECT CASE
        WHEN c.reltuples < 0 THEN NULL
        WHEN c.relpages = 0 THEN c.reltuples
        ELSE c.reltuples / c.relpages
             * (pg_relation_size(c.oid) / current_setting('block_size')::int)
    END
    FROM pg_class c WHERE c.oid = to_regclass(:table)
    """
)


def estimate_rows(model) -> int | None:
    """A cheap estimate of the rows in ``model``'s table, or None when there is none."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        value = db.session.scalar(_PG_ESTIMATE, {"table": model.__table__.name})
        return None if value is None else round(value)
    if dialect == "sqlite":
        pk = inspect(model).primary_key[0]
        # Two scalar subqueries: each is one B-tree descent (one query with both
        # max() and min() makes SQLite scan the whole table).
        low = select(func.min(pk)).scalar_subquery()
        high = select(func.max(pk)).scalar_subquery()
        value = db.session.scalar(select(high - low + 1))
        return value or 0
    return None


def count_rows(keys: Select) -> int:
    """How many rows a SELECT returns, counted by the database (no row is loaded)."""
    return db.session.scalar(select(func.count()).select_from(keys.order_by(None).subquery()))


def list_count(keys: Select, model, *, filtered: bool, threshold: int) -> ListCount:
    """The count a list shows: an estimate for a big unfiltered table, else exact."""
    if not filtered:
        estimate = estimate_rows(model)
        if estimate is not None and estimate >= threshold:
            return ListCount(estimate, approximate=True)
    return ListCount(count_rows(keys))


def settle_count(count: ListCount, page: int, page_size: int, shown: int) -> ListCount:
    """Correct an estimate with what the page found: a short page is the end of the list.

    A full page at or past the estimated end means there are more rows than estimated;
    the count grows by one so the pager keeps offering the next page.
    """
    if not count.approximate or not page_size:
        return count
    seen = page * page_size + shown
    if 0 < shown < page_size or (shown == 0 and page == 0):
        return ListCount(seen)
    if shown == page_size and seen >= count:
        return ListCount(seen + 1, approximate=True)
    return count
