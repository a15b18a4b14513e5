"""List pages at a fixed cost: eager loading, and a count that never dominates.

Flask-Admin's ``get_list`` runs ``SELECT count(*)`` over every matching row before the
page. Here the count comes from ``services.counts.list_count``: exact when the list is
filtered or searched, or when the table is small; an estimate ("about 1,000,000") for a
big unfiltered table (``LIST_COUNT_ESTIMATE_THRESHOLD`` rows and up). The page itself
then corrects an estimate it can (a short page is the end of the list).

Sorting by a column of a required many-to-one relation (a profile's user email) joins
it with an inner join, not Flask-Admin's LEFT OUTER JOIN: the rows are the same, and
the database may then walk that column's index in order and stop after one page.

A page number that cannot be a page (negative, or an OFFSET past 64 bits) shows the
first page instead of reaching the database.
"""

from __future__ import annotations

from flask import current_app, request
from sqlalchemy import desc, inspect
from sqlalchemy.orm import RelationshipDirection

from backoffice.ranges import page_number
from backoffice.services.counts import ListCount, list_count, settle_count


class CountedListMixin:
    """``get_list`` with ``list_loader_options`` and an estimate-or-exact ``ListCount``.

    Needs ``filtered_query(search, filters)`` (BulkActionsMixin) and a Flask-Admin
    SQLAlchemy ModelView further along the MRO.
    """

    #: Loader options for the list page, so its columns cost a fixed number of queries.
    list_loader_options: tuple = ()

    def _get_list_extra_args(self):
        """Flask-Admin's list arguments, with a page that can be a page.

        A negative page became a negative OFFSET (PostgreSQL refuses it) and a huge one
        overflowed it; both now show the first page, as a non-numeric page always did.
        A bad sort index already falls back to the default sort, a bad page size to
        the default size.
        """
        args = super()._get_list_extra_args()
        size = self.get_safe_page_size(args.page_size)
        return args.clone(page=page_number(request.args.get("page"), page_size=size))

    def list_count(self, query) -> ListCount:
        """The count for a list query (search and filters applied, no sort or paging)."""
        keys = query.with_entities(inspect(self.model).primary_key[0]).statement
        return list_count(
            keys,
            self.model,
            filtered=query.whereclause is not None,
            threshold=int(current_app.config["LIST_COUNT_ESTIMATE_THRESHOLD"]),
        )

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        """``(count, rows)`` of one list page: a fixed number of queries whatever its size."""
        query, joins = self.filtered_query(search, filters)
        count = self.list_count(query)
        query, _ = self._apply_sorting(query, joins, sort_column, sort_desc)
        query = self._apply_pagination(query, page, page_size)
        if self.list_loader_options:
            query = query.options(*self.list_loader_options)
        if not execute:
            return count, query
        rows = query.all()
        size = self.page_size if page_size is None else page_size
        return settle_count(count, page or 0, size, len(rows)), rows

    def _order_by(self, query, joins, sort_joins, sort_field, sort_desc):
        """Flask-Admin's sort, through inner joins where every row has the related row."""
        if sort_field is None or not sort_joins or not all(map(_required, sort_joins)):
            return super()._order_by(query, joins, sort_joins, sort_field, sort_desc)
        query, joins, alias = self._apply_path_joins(query, joins, sort_joins, inner_join=True)
        column = sort_field if alias is None else getattr(alias, sort_field.key)
        return query.order_by(desc(column) if sort_desc else column), joins


def _required(attr) -> bool:
    """True for a many-to-one relation whose foreign key columns are all NOT NULL."""
    prop = getattr(attr, "property", None)
    if getattr(prop, "direction", None) is not RelationshipDirection.MANYTOONE:
        return False
    return all(not column.nullable for column in prop.local_columns)
