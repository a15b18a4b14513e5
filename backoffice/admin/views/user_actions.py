"""The user list's account controls: status toggle, lock column and bulk actions.

All of them call ``services.accounts``; this module only turns its outcomes into
list cells, flashes and bulk-action results.
"""

from __future__ import annotations

from flask import request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from wtforms import SelectChoice, SelectField
from wtforms.validators import DataRequired

from backoffice.admin.bulk import BulkAction, BulkActionError, BulkResult
from backoffice.permissions import ADMIN, ROLE_PERMISSIONS, can
from backoffice.services import accounts


class RoleChoiceForm(FlaskForm):
    """The parameter of the Add role / Remove role bulk actions."""

    role = SelectField(
        "Role",
        choices=[SelectChoice(name) for name in sorted(ROLE_PERMISSIONS)],
        validators=[DataRequired(message="Choose a role.")],
    )


def _bulk(operation, *params: str):
    """A bulk-action body running an accounts operation as the signed-in user."""

    def run(ids, values) -> BulkResult:
        actor = current_user._get_current_object()
        try:
            outcome = operation(actor, ids, *(values[p] for p in params))
        except accounts.AccountError as exc:
            raise BulkActionError(str(exc)) from None
        result = BulkResult(changed=outcome.changed)
        for reason, count in outcome.skipped.items():
            result.skip(reason, count)
        return result

    return run


USER_BULK_ACTIONS = (
    BulkAction(
        "suspend",
        "Suspend",
        _bulk(accounts.suspend),
        "users.write",
        danger=True,
        description="Suspended users cannot log in; their sessions end on their next request.",
    ),
    BulkAction("activate", "Activate", _bulk(accounts.activate), "users.write"),
    BulkAction(
        "unlock",
        "Unlock",
        _bulk(accounts.unlock),
        "users.unlock",
        description="Clears failed logins and any lock.",
    ),
    BulkAction(
        "add_role", "Add role", _bulk(accounts.grant_role, "role"), "users.write", RoleChoiceForm
    ),
    BulkAction(
        "remove_role",
        "Remove role",
        _bulk(accounts.revoke_role, "role"),
        "users.write",
        RoleChoiceForm,
        danger=True,
    ),
)


def _post_button(endpoint: str, user_id: int, label: str, css: str, title: str) -> Markup:
    """A one-button POST form (CSRF token included): works without JavaScript."""
    return Markup(
        '<form method="post" action="{action}" class="d-inline row-action">'
        '<input type="hidden" name="csrf_token" value="{token}">'
        '<input type="hidden" name="id" value="{id}">'
        '<input type="hidden" name="url" value="{back}">'
        '<button type="submit" class="btn btn-sm {css}" title="{title}">{label}</button>'
        "</form>"
    ).format(
        action=url_for(endpoint),
        token=generate_csrf(),
        id=user_id,
        back=request.full_path.rstrip("?"),
        css=css,
        title=title,
        label=label,
    )


def status_cell(view, context, model, name) -> Markup:
    """Active / Suspended, as a toggle for those who may change it."""
    if model.erased_at is not None:
        return Markup('<span class="badge badge-dark">Erased</span>')
    if not can(current_user, "users.write"):
        css = "success" if model.active else "secondary"
        label = "Active" if model.active else "Suspended"
        return Markup('<span class="badge badge-{}">{}</span>').format(css, label)
    if model.active:
        return _post_button(
            ".toggle_active", model.id, "Active", "btn-outline-success", "Suspend this user"
        )
    return _post_button(
        ".toggle_active", model.id, "Suspended", "btn-outline-secondary", "Activate this user"
    )


def may_unlock(user) -> bool:
    """Staff may unlock customers and staff; only admins unlock an admin."""
    if not can(current_user, "users.unlock"):
        return False
    return ADMIN not in user.role_names or can(current_user, "users.write")


def lock_cell(view, context, model, name) -> Markup | str:
    """ "Locked until …" with an Unlock button while a lock runs; blank otherwise."""
    if not model.lock_active():
        return ""
    text = escape(f"Locked until {model.locked_until:%Y-%m-%d %H:%M} UTC")
    if not may_unlock(model):
        return text
    button = _post_button(".unlock", model.id, "Unlock", "btn-outline-warning", "Unlock")
    return Markup("{} {}").format(text, button)
