"""The audit log: read-only for everyone, filterable, searchable and exportable."""

from __future__ import annotations

from flask import abort
from markupsafe import Markup

from backoffice.admin.audit_format import changes_html
from backoffice.admin.base import SecuredModelView

# Endpoints that could change entries. No one gets them, whatever their role: the
# trail is append-only (services.audit.record writes it, nothing here edits it).
_REFUSED = frozenset(
    {"create_view", "edit_view", "delete_view", "ajax_update", "action_view", "bulk_apply"}
)


def actor_html(view, context, model, name) -> Markup | str:
    """The actor's email, the API key's name, or a dash (CLI, anonymous)."""
    if model.actor_email:
        return model.actor_email
    if model.api_key:
        return f"API key {model.api_key}"
    return Markup(
        '<span class="text-muted" title="No signed-in user: command line or anonymous">—</span>'
    )


class AuditLogView(SecuredModelView):
    """Who did what, when, from where; before → after. Nobody edits or deletes entries."""

    read_permission = "audit.read"
    write_permission = None
    has_history = False  # entries are the history; nobody changes them
    allow_create = False
    allow_edit = False
    allow_delete = False

    column_list = (
        "created_at",
        "actor_email",
        "ip",
        "action",
        "model",
        "object_id",
        "summary",
        "changes",
    )
    column_sortable_list = ("created_at", "actor_email", "action", "model")
    column_default_sort = ("created_at", True)
    column_searchable_list = ("actor_email", "action", "model", "object_id", "summary")
    column_filters = ("actor_email", "api_key", "model", "action", "created_at", "ip")
    column_labels = {
        "created_at": "Date",
        "actor_email": "Actor",
        "ip": "Address",
        "api_key": "API key",
        "object_id": "Object",
    }
    column_formatters = {"changes": changes_html, "actor_email": actor_html}
    page_size = 50

    def model_noun(self, count: int = 2) -> str:
        """Rows of the log are entries ("all 3 matching entries")."""
        return "entry" if count == 1 else "entries"

    def check_endpoint(self, name: str) -> None:
        """Refuse every endpoint that could write, before anything else happens."""
        super().check_endpoint(name)
        if name in _REFUSED:
            abort(403)
