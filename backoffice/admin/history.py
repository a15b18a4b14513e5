"""The History tab of every model view's details page: the record's audit entries.

Newest first, paginated, with the field diffs as the audit log shows them (secret
values were redacted when the entry was written). Whoever may see the record's details
may see its history; ``services.history`` reads it through its index.
"""

from __future__ import annotations

from flask import abort, request
from flask_admin import expose

from backoffice.admin.audit_format import changes_html
from backoffice.ranges import page_number
from backoffice.services.history import PER_PAGE, record_history


class HistoryMixin:
    """Adds ``/history/?id=N&page=P`` and a History tab to a ModelView's details."""

    details_template = "admin/model/details_tabs.html"
    #: False for views whose rows are not edited records (the audit log itself).
    has_history = True

    def history_name(self) -> str:
        """The ``audit_log.model`` of this view's records."""
        return self.model.__name__

    def entry_changes(self, entry):
        """An entry's changes as the audit log shows them (before → after)."""
        return changes_html(self, None, entry, "changes")

    @expose("/history/")
    def history_view(self):
        """The record's audit entries, a page at a time."""
        if not self.has_history:
            abort(404)
        record_id = request.args.get("id")
        record = self.get_one(record_id)  # 404 for anything but an exact, existing id
        if record is None:
            abort(404)
        page = page_number(request.args.get("page"), first=1, page_size=PER_PAGE)
        history = record_history(self.history_name(), record_id, page)
        return self.render("admin/model/history.html", model=record, history=history)
