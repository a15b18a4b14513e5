"""What the admin lends the background jobs: a list's export, or a bulk action, from a job.

A background export job keeps the list's view, filters, search and sort (never row
ids). The worker rebuilds the export here with the same view methods as the list's
own export (``ExportMixin.export_query``), so both files have the same rows, columns
and escaping; the filters are read again just as strictly (a filter the view no
longer knows fails the job with its message).
"""

from __future__ import annotations

from flask_admin import Admin
from sqlalchemy import inspect

from backoffice.admin.bulk import BulkActionError, BulkActionsMixin
from backoffice.admin.bulk_scope import audit_changes, scope_keys
from backoffice.admin.export import ExportMixin, export_view
from backoffice.admin.listing import FilterError, admin_views
from backoffice.jobs.bulk import BulkPlan
from backoffice.jobs.records import JobError
from backoffice.services import audit
from backoffice.services.exports import ExportError


def export_source(admin: Admin):
    """``params -> (rows, count, spec)`` for ``backoffice.jobs.exports``."""

    def build(params: dict):
        view = export_view(admin, str(params.get("view", "")))
        try:
            filters = view.parse_filters([tuple(pair) for pair in params.get("filters") or []])
        except FilterError as exc:
            raise ExportError(str(exc)) from None
        rows, count = view.export_query(
            params.get("search"), filters, params.get("sort"), bool(params.get("desc"))
        )
        return rows, count, view.export_spec()

    return build


def source_view(admin: Admin, params: dict) -> ExportMixin | None:
    """The list view a job's parameters came from (None if the app has no such view)."""
    for view in admin_views(admin):
        if isinstance(view, ExportMixin) and view.endpoint == params.get("view"):
            return view
    return None


def bulk_source(admin: Admin):
    """``params -> BulkPlan`` for ``backoffice.jobs.bulk``: the view's action and scope.

    The scope is read as strictly as the inline path reads it (``bulk_scope.scope_keys``):
    a filter the view cannot apply fails the job with its message. The plan's audit
    entry is the inline path's (same action name, scope and counts), plus the job's id.
    """

    def build(params: dict) -> BulkPlan:
        view = next(
            (
                v
                for v in admin_views(admin)
                if isinstance(v, BulkActionsMixin) and v.endpoint == params.get("view")
            ),
            None,
        )
        name = params.get("action")
        actions = view.get_bulk_actions() if view is not None else ()
        action = next((a for a in actions if a.name == name), None)
        if action is None or not action.confirm:
            raise JobError(f"This app has no bulk action “{name}” on “{params.get('view')}”.")
        scope = params.get("scope") or {}
        try:
            keys = scope_keys(view, scope)
        except FilterError as exc:
            raise JobError(f"{exc} Nothing more was done.") from None

        def run(ids, values):
            try:
                return action.run(ids, values)
            except BulkActionError as exc:
                raise JobError(f"{action.label}: {exc}") from None

        def record(outcome, actor, summary: str, extra: dict) -> None:
            audit.record(
                f"bulk:{action.name}",
                model=view.model.__name__,
                summary=summary,
                changes={**audit_changes(scope, params.get("params") or {}, outcome), **extra},
                actor=actor,
            )

        return BulkPlan(keys, inspect(view.model).primary_key[0], run, action.permission, record)

    return build
