"""CSV export from every admin list: all matching rows, the list's sort, streamed.

Replaces Flask-Admin's export (which loads every row as an ORM object first) at the
same URL, ``/admin/<model>/export/csv/?<the list's query string>``, so the list's
Export button keeps working; ``&bom=1`` adds a byte-order mark for Excel. The
"Export selected as CSV" bulk action streams ticked rows (or all matches) the same
way. Exporting needs the view's read permission (checked in ``check_endpoint`` and by
the bulk framework), changes nothing, and leaves an ``export`` audit entry.

A filter that cannot be applied is a 400 (``ListQueryMixin``), never "every row".
The export is a GET, so that the list's link, bookmarks and scripts keep working; a
GET that another site started (Fetch Metadata ``Sec-Fetch-Site``, or else the
Referer) is refused before anything is audited or streamed: see ``started_elsewhere``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Response, abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import Select, inspect

from backoffice import clock
from backoffice.admin.bulk import BulkAction
from backoffice.admin.listing import FilterError, admin_views
from backoffice.extensions import db
from backoffice.jobs.exports import EXPORT_KINDS
from backoffice.jobs.records import start_job
from backoffice.services import audit
from backoffice.services.counts import count_rows
from backoffice.services.export_specs import spec_for
from backoffice.services.exports import ExportError, filename, stream_csv
from backoffice.web.errors import error_response

#: List query-string arguments that do not change which rows are exported.
_NOT_SCOPE = frozenset({"page", "page_size", "bom"})
#: ``Sec-Fetch-Site`` values of a request our own pages (or the user, typing or
#: following a bookmark) started. ``same-site`` is refused too: another subdomain of
#: ours may be a less trusted application than the back office.
_OWN_NAVIGATION = frozenset({"same-origin", "none"})


def started_elsewhere() -> bool:
    """True when another site (or another subdomain) started this request.

    Browsers since 2023 all send ``Sec-Fetch-Site``; without it (an older browser, or
    curl) a Referer naming another host counts, and no Referer at all is allowed so
    that scripts with a session cookie keep working.
    """
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site.strip().lower() not in _OWN_NAVIGATION
    referer = request.headers.get("Referer")
    if not referer:
        return False
    try:
        host = urlsplit(referer).netloc
    except ValueError:  # not a URL at all: not one of our pages either
        return True
    return host.lower() != request.host.lower()


class ExportMixin:
    """Streaming CSV export for a ModelView (see the module docstring)."""

    export_types = ["csv"]

    def export_spec(self):
        """The columns this view exports."""
        return spec_for(self.model)

    def export_url(self, *, bom: bool = False) -> str:
        """The export of what the list currently shows (all pages)."""
        args = {k: v for k, v in request.args.items() if k not in _NOT_SCOPE}
        if bom:
            args["bom"] = "1"
        return self.get_url(".export", export_type="csv", **args)

    def export_rows(self, query, joins: dict, sort_column: str | None, desc: bool) -> Select:
        """The SELECT of the export columns for a filtered list query, sorted like the list."""
        query = self.sorted_query(query, joins, sort_column, desc)
        return query.with_entities(*self.export_spec().expressions()).statement

    def export_query(
        self, search: str | None, filters: list, sort_column: str | None = None, desc=False
    ) -> tuple[Select, int]:
        """``(rows, count)`` for every row matching ``search`` and ``filters``."""
        query, joins = self.filtered_query(search, filters)
        count = count_rows(query.with_entities(inspect(self.model).primary_key[0]).statement)
        return self.export_rows(query, joins, sort_column, desc), count

    @expose("/export/<export_type>/")
    def export(self, export_type: str):
        """Every row matching the list's search and filters, in the list's order."""
        if export_type != "csv":
            abort(404)
        if started_elsewhere():
            return error_response(
                403,
                "This export was opened from another site, so it was not run. "
                "Open the list here and use its Export link.",
            )
        try:
            filters = self.request_filters()
        except FilterError as exc:
            return error_response(400, str(exc))
        rows, count = self.export_query(request.args.get("search"), filters, *self.request_sort())
        return self.export_response(rows, count, "all matching", query=_list_query())

    def export_background_url(self) -> str:
        """Where the list's "Export in the background" form posts (the list's query)."""
        args = {k: v for k, v in request.args.items() if k not in _NOT_SCOPE}
        return self.get_url(".export_background", **args)

    @expose("/export/background/", methods=["POST"])
    def export_background(self):
        """Start a background CSV or XLSX export (form field ``format``) of the list's rows."""
        fmt = request.form.get("format", "csv")
        kind = next((k for k, ext in EXPORT_KINDS.items() if ext == fmt), None)
        if kind is None:
            known = " or ".join(EXPORT_KINDS.values())
            return error_response(400, f"Unknown export format; choose {known}.")
        try:
            self.request_filters()
        except FilterError as exc:
            return error_response(400, str(exc))
        sort, desc = self.request_sort()
        params = {
            "view": self.endpoint,
            "search": request.args.get("search") or None,
            "filters": [list(pair) for pair in self.request_filter_pairs()],
            "sort": sort,
            "desc": desc,
        }
        user = current_user._get_current_object()
        summary = f"{fmt.upper()} export of {self.name}"
        job = start_job(kind, params, user=user, summary=summary)
        db.session.commit()
        if job.state == "failed":  # the queue was down: the job was recorded, not started
            return error_response(503, job.error)
        link = url_for("jobs.index_view", _anchor=f"job-{job.id}")
        flash(Markup('Started in the background: <a href="{}">job {}</a>.').format(link, job.id))
        return redirect(link)

    def get_bulk_actions(self) -> tuple[BulkAction, ...]:
        """The view's own bulk actions plus the CSV export of the ticked rows."""
        permission = self.export_permission or self.read_permission
        return (
            *super().get_bulk_actions(),
            BulkAction(
                "export_csv", "Export selected as CSV", self._export_selected, permission,
                confirm=False,
            ),
            BulkAction(
                "export_csv_bom", "Export selected as CSV for Excel", self._export_selected,
                permission, confirm=False,
            ),
        )  # fmt: skip

    def _export_selected(self, ids: Select, params: dict) -> Response:
        pk = inspect(self.model).primary_key[0]
        query = self.get_query().filter(pk.in_(ids.scalar_subquery()))
        rows = self.export_rows(query, {}, *self.request_sort())
        bom = request.form.get("action") == "export_csv_bom"
        return self.export_response(
            rows, params["count"], params["scope_text"], query=params["scope_audit"], bom=bom
        )

    def export_response(
        self, rows: Select, count: int, scope: str, *, query: dict, bom: bool | None = None
    ):
        """Audit the export (``query`` says which rows), then stream it as a download."""
        spec = self.export_spec()
        if bom is None:
            bom = request.args.get("bom") == "1"
        audit.record(
            "export",
            model=self.model.__name__,
            summary=f"CSV export of {count:,} {self.model_noun(count)} ({scope})",
            changes={
                "rows": count,
                "scope": scope,
                "query": query,
                "bom": bom,
            },
        )
        db.session.commit()  # the entry stays even if the download is cut short
        return Response(
            stream_csv(rows, spec, bom=bom),
            mimetype="text/csv",
            headers={
                "Content-Disposition": f'attachment; filename="{filename(spec, clock.now())}"',
                "Cache-Control": "no-store",
            },
        )


def _list_query() -> dict:
    """The list's filters (every one was applied), search and sort, for the audit entry."""
    return {
        k: v
        for k, v in request.args.items()
        if k in ("search", "sort", "desc") or (k.startswith("flt") and "_" in k)
    }


def export_view(admin, name: str) -> ExportMixin:
    """The admin view exporting ``name`` (``order`` or ``orders``), for the CLI."""
    views = [v for v in admin_views(admin) if isinstance(v, ExportMixin)]
    for view in views:
        if name.lower() in (view.endpoint, view.export_spec().name):
            return view
    known = ", ".join(sorted(v.endpoint for v in views))
    raise ExportError(f"Unknown model “{name}”. Models: {known}.")
