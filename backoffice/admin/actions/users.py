"""The user admin's account controls: status toggle, lock column, bulk actions, email check.

All of them call ``services.accounts``; this module only turns its outcomes into
list cells, flashes and bulk-action results.
"""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from wtforms import SelectChoice, SelectField
from wtforms.validators import DataRequired

from backoffice.admin.bulk import BulkAction, BulkActionError, acting_user
from backoffice.auth.limits import email_check_limit
from backoffice.extensions import db
from backoffice.models import User
from backoffice.permissions import ADMIN, ROLE_PERMISSIONS, can
from backoffice.ranges import parse_id
from backoffice.services import accounts, audit
from backoffice.services.erasure import erase_user
from backoffice.services.outcome import Outcome
from backoffice.services.users import UserError, email_taken, normalise_email


class RoleChoiceForm(FlaskForm):
    """The parameter of the Add role / Remove role bulk actions."""

    role = SelectField(
        "Role",
        choices=[SelectChoice(name) for name in sorted(ROLE_PERMISSIONS)],
        validators=[DataRequired(message="Choose a role.")],
    )


def _bulk(operation, *params: str):
    """A bulk-action body running an accounts operation as the signed-in user."""

    def run(ids, values) -> Outcome:
        actor = acting_user()  # in a background job: whoever started it
        try:
            return operation(actor, ids, *(values[p] for p in params))
        except accounts.AccountError as exc:
            raise BulkActionError(str(exc)) from None

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
        "add_role",
        "Add role",
        _bulk(accounts.grant_role, "role"),
        "users.write",
        RoleChoiceForm,
        fresh=True,
    ),
    BulkAction(
        "remove_role",
        "Remove role",
        _bulk(accounts.revoke_role, "role"),
        "users.write",
        RoleChoiceForm,
        danger=True,
        fresh=True,
    ),
)


#: What the status and lock buttons say once they worked ("x@example.com is suspended.").
_DONE = {
    "suspend": "suspended",
    "activate": "active again",
    "unlock": "unlocked",
    "tf_reset": "signed out, and their second factor is removed",
}


def post_button(endpoint: str, user_id: int, label: str, css: str, title: str) -> Markup:
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
        return post_button(
            ".toggle_active", model.id, "Active", "btn-outline-success", "Suspend this user"
        )
    return post_button(
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
    button = post_button(".unlock", model.id, "Unlock", "btn-outline-warning", "Unlock")
    return Markup("{} {}").format(text, button)


class AccountControlsMixin:
    """UserView endpoints beyond CRUD: erase on delete, toggle, unlock, email check."""

    def delete_model(self, model) -> bool:
        """Deleting a user erases the account: personal data goes, orders stay."""
        try:
            erase_user(current_user._get_current_object(), model)
            db.session.commit()
        except accounts.AccountError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return False
        flash("The account was erased; its orders are kept.", "info")
        return True

    @expose("/toggle-active/", methods=("POST",))
    def toggle_active(self):
        """The status column's one-click suspend / activate."""
        if not can(current_user, "users.write"):
            abort(403)
        user = self._posted_user()
        operation = accounts.suspend if user.active else accounts.activate
        return self._one_user_action(operation, user, "suspend" if user.active else "activate")

    @expose("/unlock/", methods=("POST",))
    def unlock(self):
        """The lock column's Unlock button (staff may unlock non-admins)."""
        if not can(current_user, "users.unlock"):
            abort(403)
        return self._one_user_action(accounts.unlock, self._posted_user(), "unlock")

    def _posted_user(self) -> User:
        key = parse_id(request.form.get("id"), User.id)
        user = db.session.get(User, key) if key is not None else None
        if user is None:
            abort(404)
        return user

    def _one_user_action(self, operation, user: User, action: str):
        try:
            outcome = accounts.for_one(operation, current_user._get_current_object(), user.id)
        except accounts.AccountError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            if outcome.changed:
                audit.record(action, model="User", object_id=user.id, summary=str(user))
            db.session.commit()
            if outcome.changed:
                flash(f"{user} is {_DONE[action]}.", "success")
            else:
                flash(f"{user}: nothing to change.", "info")
        back = request.form.get("url", "")
        if not back.startswith(url_for(".index_view")):
            back = url_for(".index_view")  # only ever back to this list: no open redirect
        return redirect(back)

    @expose("/check-email/")
    @email_check_limit
    def check_email(self):
        """JSON for the user form: is the typed address valid, and is it used by someone else?"""
        try:
            email = normalise_email(request.args.get("email", ""))
        except UserError as exc:
            return jsonify(valid=False, taken=False, message=exc.errors["email"])
        taken = email_taken(email, exclude_id=parse_id(request.args.get("id"), User.id))
        message = "Already used by another account." if taken else "Valid and not in use."
        return jsonify(valid=True, taken=taken, email=email, message=message)
