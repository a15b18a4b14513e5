"""Which rows a bulk request targets: every row matching the list, or the ticked ones.

"All matching" reads the list's search and its filters strictly (``ListQueryMixin``):
a filter that cannot be applied refuses the request with a 400 naming it, where
Flask-Admin's list would have dropped it and so widened the action to every row.
Ticked rows are ids written exactly as the list writes them, kept only where the
view's own query has them; the list's filters play no part there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from flask import abort, make_response, request
from sqlalchemy import Select, inspect, select

from backoffice.admin.listing import FilterError
from backoffice.ranges import int_range, parse_id
from backoffice.services.counts import count_rows
from backoffice.web.errors import error_response


@dataclass(frozen=True)
class BulkScope:
    """The rows a bulk request targets: their keys, how many, and how to say and audit it."""

    ids: Select
    count: int
    text: str
    #: ``scope`` plus the applied ``filters`` and ``search``, or the ticked ``ids``.
    audit: dict


def refuse(message: str) -> NoReturn:
    """End the request with a 400 page (or JSON error) carrying ``message``."""
    abort(make_response(error_response(400, message)))


def parse_row_ids(raw: list[str], pk) -> list[int]:
    """Ticked row ids as sorted distinct ints; a 400 unless each is written exactly.

    ``7``, never `` 7 ``, ``07``, ``7.0`` or ``-7``, within the key column's range.
    """
    ids = set()
    for value in raw:
        row_id = parse_id(value, pk)
        if row_id is None:
            shown = value if len(value) <= 24 else value[:23] + "…"
            refuse(
                f"“{shown}” is not a row id: row ids are whole numbers from 1 to "
                f"{int_range(pk)[1]:,}. Nothing was done."
            )
        ids.add(row_id)
    return sorted(ids)


def resolve_scope(view) -> BulkScope:
    """The rows of ``view`` that the request's ``scope`` (and ``rowid``s) designate."""
    scope = request.form.get("scope", "selected")
    if scope == "all":
        return _all_matching(view)
    if scope != "selected":
        refuse("Apply the action to the selected rows or to all matching rows.")
    pk = inspect(view.model).primary_key[0]
    wanted = parse_row_ids(request.form.getlist("rowid"), pk)
    if not wanted:
        return BulkScope(select(pk).where(pk.in_([])), 0, "no rows", {"scope": scope})
    if len(wanted) > view.bulk_max_selected:
        refuse(f"Select at most {view.bulk_max_selected} rows.")
    ids = _ticked_keys(view, wanted)
    count = count_rows(ids)
    text = f"{count:,} selected {view.model_noun(count)}"
    return BulkScope(ids, count, text, {"scope": scope, "ids": wanted})


def _all_matching(view) -> BulkScope:
    search = request.args.get("search") or None
    try:
        filters = view.request_filters()
    except FilterError as exc:
        refuse(f"{exc} Nothing was done.")
    keys = _matching_keys(view, search, filters)
    # Exact, whatever the list showed, and counted straight off the matching query
    # (indexes, no rows loaded, no IN over a million keys).
    count = count_rows(keys)
    audit = {"scope": "all", "filters": view.filter_pairs(filters)}
    if search:
        audit["search"] = search
    pk = inspect(view.model).primary_key[0]
    ids = select(pk).where(pk.in_(keys.scalar_subquery()))
    return BulkScope(ids, count, f"all {count:,} matching {view.model_noun(count)}", audit)


def _matching_keys(view, search: str | None, filters: list) -> Select:
    pk = inspect(view.model).primary_key[0]
    return view.filtered_query(search, filters)[0].with_entities(pk).statement


def _ticked_keys(view, wanted: list[int]) -> Select:
    pk = inspect(view.model).primary_key[0]
    # A ticked id counts only where the view's own query (its row rules) has it.
    visible = view.get_query().with_entities(pk)
    return select(pk).where(pk.in_(wanted), pk.in_(visible.scalar_subquery()))


def scope_keys(view, scope: dict) -> Select:
    """The keys a scope kept by ``BulkScope.audit`` designates now, read as strictly.

    For a background job: the filters are parsed again (``FilterError`` for one the
    view cannot apply), the ticked ids checked again against the view's query.
    """
    if scope.get("scope") == "all":
        filters = view.parse_filters([tuple(pair) for pair in scope.get("filters") or []])
        return _matching_keys(view, scope.get("search") or None, filters)
    pk = inspect(view.model).primary_key[0]
    wanted = [i for i in scope.get("ids") or [] if parse_id(str(i), pk) is not None]
    return _ticked_keys(view, wanted)


def audit_changes(scope_audit: dict, params: dict, result) -> dict:
    """What a bulk action did, for its audit entry: which rows, what was set, counts.

    Rows are named by the filters and search actually applied, or by the ticked ids
    (at most ``bulk_max_selected``), never by the raw query string.
    """
    changes = {
        **scope_audit,
        "params": {k: str(v) for k, v in params.items()},
        "changed": result.changed,
        "skipped": dict(result.skipped),
    }
    if result.fields:
        changes["set"] = {k: str(v) for k, v in result.fields.items()}
    return changes
