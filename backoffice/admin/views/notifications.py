"""Notifications: the customer-mail outbox of orders, read-only, with a Retry action.

Rows are written by the status service and sent by the worker (``jobs.notify``); nobody
edits them here. Failed rows (out of attempts, or left by a worker that stopped while
sending) are sent again with *Retry*, under the same Message-ID.
"""

from __future__ import annotations

from flask import url_for
from markupsafe import Markup

from backoffice.admin.actions import runner
from backoffice.admin.base import SecuredModelView
from backoffice.admin.bulk import BulkAction
from backoffice.admin.formatting import status_badge
from backoffice.models import NOTIFICATION_STATES
from backoffice.services.notification_delivery import retry


def order_link(view, context, model, name) -> Markup:
    """The order, linked to its details page."""
    return Markup('<a href="{}">Order #{}</a>').format(
        url_for("order.details_view", id=model.order_id), model.order_id
    )


def state_badge(view, context, model, name) -> Markup:
    """The row's state; a failure reads red."""
    css = {"sent": "success", "failed": "danger", "pending": "info"}.get(model.state, "secondary")
    return Markup('<span class="badge badge-{}">{}</span>').format(css, model.state.capitalize())


def mails_html(view, context, model, name) -> Markup:
    """An order's mails on its details page: each with its state, and why one failed."""
    items = [
        Markup("<li>{} mail: {}{}</li>").format(
            row.status.capitalize(),
            state_badge(view, context, row, "state"),
            Markup(' <span class="text-danger">{}</span>').format(row.last_error)
            if row.state == "failed" and row.last_error
            else "",
        )
        for row in model.notifications
    ]
    if not items:
        return Markup('<span class="text-muted">None yet</span>')
    link = url_for("notification.index_view", flt0_order_id_equals=model.id)
    return Markup(
        '<ul class="list-unstyled mb-1">{}</ul><a href="{}">All mails of this order</a>'
    ).format(Markup("").join(items), link)


class NotificationView(SecuredModelView):
    """Order mails: who was told what, when, and what failed; staff retry failures."""

    read_permission = "orders.read"
    write_permission = "orders.write"
    allow_create = False
    allow_edit = False
    allow_delete = False

    column_list = (
        "id", "order_id", "status", "state", "attempts", "last_error", "changed_by",
        "created_at", "sent_at",
    )  # fmt: skip
    column_details_list = (
        *column_list, "reason", "next_attempt_at", "claimed_at", "retried_at", "updated_at",
    )  # fmt: skip
    column_export_list = column_list
    # Each sorted or filtered column leads an index (tests/admin/test_indexes.py).
    column_sortable_list = ("id", "order_id", "state", "created_at")
    column_default_sort = ("id", True)
    column_filters = ("state", "order_id", "created_at")
    column_choices = {"state": [(s, s.capitalize()) for s in NOTIFICATION_STATES]}
    column_labels = {
        "id": "Mail",
        "order_id": "Order",
        "status": "About",
        "last_error": "Last error",
        "changed_by": "Changed by",
    }
    column_formatters = {"order_id": order_link, "status": status_badge, "state": state_badge}
    column_formatters_detail = column_formatters
    bulk_actions = (
        BulkAction(
            "retry",
            "Retry",
            runner(retry, state="pending"),
            "orders.write",
            description=(
                "Failed mails are sent again (same Message-ID, a fresh set of attempts); "
                "sent, pending and skipped ones are left alone."
            ),
        ),
    )

    def model_noun(self, count: int = 2) -> str:
        """Rows are mails ("all 3 matching mails")."""
        return "mail" if count == 1 else "mails"
