"""Users and their profiles. Staff read; only admins change accounts."""

from __future__ import annotations

from flask import request
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from flask_admin.helpers import is_form_submitted
from flask_login import current_user
from sqlalchemy import inspect
from sqlalchemy.orm import joinedload, selectinload
from wtforms import PasswordField, StringField

from backoffice import clock
from backoffice.admin.actions.user_security import UserSecurityMixin, second_factor_cell
from backoffice.admin.actions.users import (
    USER_BULK_ACTIONS,
    AccountControlsMixin,
    lock_cell,
    status_cell,
)
from backoffice.admin.avatars import AvatarUploadField, ProfileFormMixin, avatar_column
from backoffice.admin.base import SecuredModelView
from backoffice.models import Role, User, UserProfile, new_uniquifier
from backoffice.ranges import parse_id
from backoffice.services import accounts, audit, profiles
from backoffice.services.users import (
    UserError,
    check_password,
    email_taken,
    normalise_email,
    normalise_username,
    set_password,
    username_taken,
)
from backoffice.validation import strip_filter


class RoleFilter(BaseSQLAFilter):
    """Users holding a role, as an EXISTS on the association table (no join, no duplicates)."""

    def apply(self, query, value, alias=None):
        """Keep users with the role named ``value``."""
        return query.filter(User.roles.any(Role.name == value))

    def operation(self) -> str:
        """Shown in the filter menu and used in the URL (``flt0_role_equals``)."""
        return "equals"


class UserView(UserSecurityMixin, AccountControlsMixin, SecuredModelView):
    """Accounts. Forms never show the password hash, the uniquifier or any token."""

    read_permission = "users.read"
    write_permission = "users.write"

    column_list = (
        "profile.avatar",
        "email",
        "username",
        "profile.full_name",
        "roles",
        "active",
        "tf_primary_method",
        "failed_logins",
        "locked_until",
        "last_login_at",
        "created_at",
    )
    column_sortable_list = (
        "email",
        "username",
        "active",
        "failed_logins",
        "locked_until",
        "last_login_at",
        "created_at",
    )
    column_default_sort = ("created_at", True)
    column_searchable_list = ("email", "username")
    column_filters = (
        "email",
        "username",
        RoleFilter(User.id, "Role", options=(("admin", "admin"), ("staff", "staff"))),
        "active",
        "failed_logins",
        "created_at",
    )
    column_labels = {
        "profile.avatar": "Avatar",
        "profile.full_name": "Full name",
        "last_login_at": "Last login",
        "active": "Status",
        "failed_logins": "Failed logins",
        "locked_until": "Lock",
        "tf_primary_method": "Second factor",
    }
    column_formatters = {
        "profile.avatar": avatar_column,
        "active": status_cell,
        "locked_until": lock_cell,
        "tf_primary_method": second_factor_cell,
    }
    column_details_list = (
        "email",
        "username",
        "profile.full_name",
        "roles",
        "active",
        "confirmed_at",
        "login_count",
        "last_login_at",
        "last_login_ip",
        "current_login_at",
        "current_login_ip",
        "failed_logins",
        "locked_until",
        "erased_at",
        "created_at",
        "updated_at",
    )
    form_columns = ("email", "username", "full_name", "new_password", "active", "roles")
    form_extra_fields = {
        "full_name": StringField("Full name", validators=profiles.validators("full_name")),
        "new_password": PasswordField(
            "Password",
            description="Required for a new user. Leave blank to keep the current password.",
            render_kw={"autocomplete": "new-password", "data-strength": "email username full_name"},
        ),
    }
    form_args = {"email": {"filters": [strip_filter]}, "username": {"filters": [strip_filter]}}
    list_loader_options = (
        selectinload(User.roles),
        selectinload(User.webauthn),
        joinedload(User.profile),
    )
    bulk_actions = USER_BULK_ACTIONS
    # These load the password-strength bar and the email check; the list does not.
    create_template = "admin/user/create.html"
    edit_template = "admin/user/edit.html"

    def validate_form(self, form) -> bool:
        """Flask-Admin's validation plus normalised, unique email/username and password rules."""
        valid = super().validate_form(form)
        if not is_form_submitted() or not hasattr(form, "email"):
            return valid  # a GET, or a delete/action form
        editing_id = parse_id(request.args.get("id"), User.id)
        try:
            form.email.data = normalise_email(form.email.data)
            if email_taken(form.email.data, exclude_id=editing_id):
                form.email.errors.append("That email address is already registered.")
        except UserError as exc:
            form.email.errors.append(exc.errors["email"])
        try:
            form.username.data = normalise_username(form.username.data)
            if form.username.data and username_taken(form.username.data, editing_id):
                form.username.errors.append("That username is already taken.")
        except UserError as exc:
            form.username.errors.append(exc.errors["username"])
        password = form.new_password.data
        if password:
            try:
                check_password(
                    password,
                    email=form.email.data,
                    username=form.username.data,
                    full_name=form.full_name.data,
                )
            except UserError as exc:
                form.new_password.errors.append(exc.errors["password"])
        elif editing_id is None:
            form.new_password.errors.append("A new user needs a password.")
        if editing_id is not None:
            self._check_account_rules(form, editing_id)
        return valid and not any(f.errors for f in form)

    def _check_account_rules(self, form, user_id: int) -> None:
        """Suspending or demoting through the form obeys the same rules as everywhere else."""
        user = self.get_one(str(user_id))
        if user is None:
            return
        roles = {r.name for r in (form.roles.data or [])}
        errors = accounts.check_change(
            current_user._get_current_object(), user, active=bool(form.active.data), roles=roles
        )
        for name, message in errors.items():
            getattr(form, name).errors.append(message)

    def on_model_change(self, form, model, is_created) -> None:
        """Hash a new password (ending the user's other sessions); audit account events."""
        if is_created:
            model.confirmed_at = clock.now()  # created by an admin: no mail confirmation
        else:
            _audit_account_changes(model)
        if form.new_password.data:
            set_password(model, form.new_password.data, via="admin")
        super().on_model_change(form, model, is_created)


def _audit_account_changes(user: User) -> None:
    """Record suspension, activation and role changes made through the edit form."""
    state = inspect(user)
    if state.attrs.active.history.has_changes():
        if not user.active:
            user.fs_uniquifier = new_uniquifier()  # end the user's sessions now
        audit.record("suspend" if not user.active else "activate", model="User", object_id=user.id)
    roles = state.attrs.roles.history
    added = sorted(r.name for r in roles.added)
    removed = sorted(r.name for r in roles.deleted)
    if added or removed:
        audit.record(
            "role_change",
            model="User",
            object_id=user.id,
            changes={"added": added, "removed": removed},
        )


class UserProfileView(ProfileFormMixin, SecuredModelView):
    """Profiles exist one per user: created and deleted with the user, edited here."""

    read_permission = "users.read"
    write_permission = "users.write"
    allow_create = False
    allow_delete = False

    column_list = (
        "avatar",
        "user.email",
        "full_name",
        "phone",
        "zipcode",
        "website",
        "updated_at",
    )
    column_sortable_list = ("full_name", "zipcode", "updated_at", ("user.email", "user.email"))
    column_default_sort = ("updated_at", True)
    column_searchable_list = ("full_name", "phone", "zipcode")
    column_filters = ("full_name", "zipcode", "updated_at")
    column_labels = {"user.email": "User", "contact_email": "Contact email"}
    column_formatters = {"avatar": avatar_column}
    form_columns = ("avatar", *profiles.ADMIN_FIELDS)
    form_extra_fields = {"avatar": AvatarUploadField("Avatar")}
    form_args = {
        name: {"validators": profiles.validators(name), "filters": [strip_filter]}
        for name in profiles.ADMIN_FIELDS
    }
    list_loader_options = (joinedload(UserProfile.user),)
