"""List queries, and the one module that touches Flask-Admin's private members.

Flask-Admin keeps much of what a list, a form or a view needs in private members
(``_apply_filters``, ``_filter_args``, ``_handle_view``, ``Admin._views``, ...). Every
use or override of one is here, behind a small public name (``filtered_query``,
``sorted_query``, ``check_endpoint``, ``model_changed``, ``admin_views``, ...), so an
upgrade that renames one breaks this module only, and loudly:
``tests/admin/test_framework_room.py`` fails when another module touches one, or
when one this module relies on is gone from the installed Flask-Admin.

The list: one strict reading of the filters, and pages at a fixed cost.

Flask-Admin's list drops a filter it cannot apply (flashing a bad value, ignoring an
unknown name) and lists every row instead. That is tolerable for a page someone is
looking at, never for an export or a bulk action on "all matching" rows, which would
silently widen to the whole table. ``ListQueryMixin`` is the one parser of the
request's filters: the list shows (and flashes) what it refused, and the export and
the bulk actions refuse the request (``FilterError``, a 400) instead.

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

from collections.abc import Iterable

from flask import current_app, flash, request
from sqlalchemy import desc, inspect
from sqlalchemy.orm import RelationshipDirection

from backoffice.ranges import page_number
from backoffice.services.counts import ListCount, list_count, settle_count


class FilterError(ValueError):
    """A list filter that cannot be applied: an unknown name, or a value its filter refuses."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


def _shown(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


class ListQueryMixin:
    """The list query of a request: its search and its filters, read one way everywhere."""

    def filter_names(self) -> list[str]:
        """This view's filter names, as in ``flt0_<name>=value`` (``status_equals``)."""
        return sorted(self._filter_args or {})

    def parse_filter(self, name: str, value: str) -> tuple:
        """``("status_equals", "paid")`` as a Flask-Admin filter tuple, else FilterError.

        The filter's own ``validate`` and ``clean`` decide: False, None or any exception
        from them means the value cannot be applied.
        """
        known = self._filter_args or {}
        if name not in known:
            choices = ", ".join(self.filter_names()) or "none"
            raise FilterError(name, f"Unknown filter “{_shown(name)}”. Filters here: {choices}.")
        index, flt = known[name]
        try:
            valid = bool(flt.validate(value)) and flt.clean(value) is not None
        except Exception:  # whatever a filter's parser raises, the value is unusable
            valid = False
        if not valid:
            raise FilterError(
                name, f"“{_shown(value)}” is not a valid value for the filter “{name}”."
            )
        return index, str(flt.name), value

    def parse_filters(self, pairs: Iterable[tuple[str, str]]) -> list[tuple]:
        """Every ``(name, value)`` pair as a filter tuple; FilterError on the first bad one."""
        return [self.parse_filter(name, value) for name, value in pairs]

    def request_filter_pairs(self) -> list[tuple[str, str]]:
        """``(name, value)`` of each ``flt<n>_<name>`` query argument, in the list's order."""
        found = []
        for arg, value in request.args.items():
            if arg.startswith("flt") and "_" in arg:
                position, name = arg[3:].split("_", 1)
                found.append((position, name, value))
        found.sort(key=lambda a: a[0])  # as Flask-Admin orders them
        return [(name, value) for _, name, value in found]

    def request_filters(self) -> list[tuple]:
        """The request's filters, all of them applicable, else FilterError."""
        return self.parse_filters(self.request_filter_pairs())

    def _read_request_filters(self) -> tuple[list[tuple], list[FilterError]]:
        applied, refused = [], []
        for name, value in self.request_filter_pairs():
            try:
                applied.append(self.parse_filter(name, value))
            except FilterError as exc:
                refused.append(exc)
        return applied, refused

    def filter_errors(self) -> list[str]:
        """Why each of the request's filters that cannot be applied was refused."""
        return [str(exc) for exc in self._read_request_filters()[1]]

    def _get_list_filter_args(self):
        """The list page's filters: each refused one is flashed and left out; the page shows."""
        applied, refused = self._read_request_filters()
        for exc in refused:
            flash(str(exc), "error")
        return applied

    def filter_pairs(self, filters: list[tuple]) -> list[list[str]]:
        """Parsed filters as ``[name, value]`` pairs again, for an audit entry."""
        return [[self.get_filter_arg(idx, self._filters[idx]), value] for idx, _, value in filters]

    def filtered_query(self, search: str | None, filters: list | None) -> tuple:
        """``(query, joins)``: the list query with this search and these parsed filters.

        ``joins`` lets a caller sort on a joined column without joining it twice.
        """
        query = self.get_query()
        joins: dict = {}
        if search and self._search_supported:
            query, _, joins, _ = self._apply_search(query, None, joins, {}, search)
        if filters and self._filters:
            query, _, joins, _ = self._apply_filters(query, None, joins, {}, filters)
        return query, joins

    def request_sort(self) -> tuple[str | None, bool]:
        """``(column, descending)`` of the request's ``sort=<index>&desc=1`` (None: default)."""
        column = self._get_column_by_idx(request.args.get("sort", None, type=int))
        return (column[0] if column else None), bool(request.args.get("desc", 0, type=int))

    def sorted_query(self, query, joins: dict, column: str | None, descending: bool):
        """``query`` sorted as the list sorts by ``column`` (None: the view's default sort)."""
        return self._apply_sorting(query, joins, column, descending)[0]

    def model_noun(self, count: int = 2) -> str:
        """Plural or singular lower-case name of the rows, for messages."""
        name = self.name.lower() if self.name else self.model.__name__.lower()
        singular = name[:-1] if name.endswith("s") else name
        return singular if count == 1 else singular + "s"


class CountedListMixin:
    """``get_list`` with ``list_loader_options`` and an estimate-or-exact ``ListCount``.

    Needs ``filtered_query(search, filters)`` (ListQueryMixin) and a Flask-Admin
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


class ViewHooksMixin:
    """Public hooks where Flask-Admin offers only private ones, for a ModelView."""

    def check_endpoint(self, name: str) -> None:
        """Runs before endpoint ``name`` once the view is accessible; abort to refuse it."""

    def _handle_view(self, name, **kwargs):
        response = super()._handle_view(name, **kwargs)
        if response is None:
            self.check_endpoint(name)
        return response

    def model_changed(self, form, model, is_created: bool) -> None:
        """Runs right after ``on_model_change`` on every create and update, before the commit."""

    def apply_model_change(self, form, model, is_created: bool) -> None:
        """``on_model_change`` then ``model_changed``, as Flask-Admin's own create and update
        run them, for a view that replaces ``create_model`` or ``update_model``."""
        self._on_model_change(form, model, is_created)

    def _on_model_change(self, form, model, is_created: bool) -> None:
        super()._on_model_change(form, model, is_created)
        self.model_changed(form, model, is_created)


class ViewLabelsMixin:
    """For a form converter: fields the view's ``column_labels`` leave out get its
    ``prettify_name``, as in views without labels.

    Flask-Admin stops at ``column_labels`` when a view has one, so unlisted fields fell
    back to WTForms' title case ("Shipping Address") in those views only.
    """

    def _get_label(self, name: str, field_args) -> str | None:
        label = super()._get_label(name, field_args)
        if label is None and hasattr(self.view, "prettify_name"):
            return self.view.prettify_name(name)
        return label


def admin_views(admin) -> list:
    """Every view added to ``admin``, in order (Flask-Admin has no public accessor)."""
    return list(admin._views)


def _required(attr) -> bool:
    """True for a many-to-one relation whose foreign key columns are all NOT NULL."""
    prop = getattr(attr, "property", None)
    if getattr(prop, "direction", None) is not RelationshipDirection.MANYTOONE:
        return False
    return all(not column.nullable for column in prop.local_columns)
