"""What the admin lends the background jobs: how a list's export is built from a job.

A background export job keeps the list's view, filters, search and sort (never row
ids). The worker rebuilds the export here with the same view methods as the list's
own export (``ExportMixin.export_query``), so both files have the same rows, columns
and escaping; the filters are read again just as strictly (a filter the view no
longer knows fails the job with its message).
"""

from __future__ import annotations

from flask_admin import Admin

from backoffice.admin.export import ExportMixin, export_view
from backoffice.admin.listing import FilterError, admin_views
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
