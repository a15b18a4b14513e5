"""Users and their profiles. Staff read; only admins change accounts."""

from __future__ import annotations

from flask import request
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from flask_admin.helpers import is_form_submitted
from flask_security import hash_password
from sqlalchemy.orm import joinedload, selectinload
from wtforms import PasswordField, StringField
from wtforms.validators import Email, Length, Optional

from backoffice.admin.avatars import (
    AvatarCleanupMixin,
    AvatarFormMixin,
    AvatarUploadField,
    avatar_column,
)
from backoffice.admin.base import SecuredModelView
from backoffice.models import Role, User, UserProfile, new_uniquifier
from backoffice.services.users import (
    UserError,
    check_password,
    email_taken,
    normalise_email,
    normalise_username,
    username_taken,
)
from backoffice.validation import phone, strip_filter, website, zipcode


class RoleFilter(BaseSQLAFilter):
    """Users holding a role, as an EXISTS on the association table (no join, no duplicates)."""

    def apply(self, query, value, alias=None):
        """Keep users with the role named ``value``."""
        return query.filter(User.roles.any(Role.name == value))

    def operation(self) -> str:
        """Shown in the filter menu and used in the URL (``flt0_role_equals``)."""
        return "equals"


class UserView(AvatarCleanupMixin, SecuredModelView):
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
        "last_login_at",
        "created_at",
    )
    column_sortable_list = ("email", "username", "active", "last_login_at", "created_at")
    column_default_sort = ("created_at", True)
    column_searchable_list = ("email", "username")
    column_filters = (
        "email",
        "username",
        RoleFilter(User.id, "Role", options=(("admin", "admin"), ("staff", "staff"))),
        "active",
        "created_at",
    )
    column_labels = {
        "profile.avatar": "Avatar",
        "profile.full_name": "Full name",
        "last_login_at": "Last login",
    }
    column_formatters = {"profile.avatar": avatar_column}
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
        "created_at",
        "updated_at",
    )
    form_columns = ("email", "username", "full_name", "new_password", "active", "roles")
    form_extra_fields = {
        "full_name": StringField("Full name", validators=[Optional(), Length(max=120)]),
        "new_password": PasswordField(
            "Password",
            description="Required for a new user. Leave blank to keep the current password.",
            render_kw={"autocomplete": "new-password"},
        ),
    }
    form_args = {"email": {"filters": [strip_filter]}, "username": {"filters": [strip_filter]}}
    list_loader_options = (selectinload(User.roles), joinedload(User.profile))

    def validate_form(self, form) -> bool:
        """Flask-Admin's validation plus normalised, unique email/username and password rules."""
        valid = super().validate_form(form)
        if not is_form_submitted() or not hasattr(form, "email"):
            return valid  # a GET, or a delete/action form
        editing_id = request.args.get("id", type=int)
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
                form.new_password.data = check_password(password)
            except UserError as exc:
                form.new_password.errors.append(exc.errors["password"])
        elif editing_id is None:
            form.new_password.errors.append("A new user needs a password.")
        return valid and not any(f.errors for f in form)

    def on_model_change(self, form, model, is_created) -> None:
        """Hash a new password; a changed password also ends the user's other sessions."""
        if form.new_password.data:
            model.password = hash_password(form.new_password.data)
            if not is_created:
                model.fs_uniquifier = new_uniquifier()
        super().on_model_change(form, model, is_created)


class UserProfileView(AvatarFormMixin, SecuredModelView):
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
    form_columns = (
        "avatar",
        "full_name",
        "bio",
        "address",
        "zipcode",
        "phone",
        "contact_email",
        "website",
    )
    form_extra_fields = {"avatar": AvatarUploadField("Avatar")}
    _text = {"filters": [strip_filter]}
    form_args = {
        "full_name": {"validators": [Optional(), Length(max=120)], **_text},
        "bio": {"validators": [Optional(), Length(max=2000)], **_text},
        "address": {"validators": [Optional(), Length(max=255)], **_text},
        "zipcode": {"validators": [Optional(), zipcode], **_text},
        "phone": {"validators": [Optional(), phone], **_text},
        "contact_email": {"validators": [Optional(), Email(), Length(max=255)], **_text},
        "website": {"validators": [Optional(), website, Length(max=255)], **_text},
    }
    list_loader_options = (joinedload(UserProfile.user),)
