"""The secured base for every admin view: role checks on the server for every endpoint."""

from __future__ import annotations

import logging

from flask import abort, flash, redirect, request, url_for
from flask_admin.contrib.sqla import ModelView
from flask_login import current_user
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from backoffice.admin.audited import AuditedMixin
from backoffice.admin.bulk import BulkActionsMixin
from backoffice.admin.converters import FilterConverter, ModelConverter
from backoffice.admin.export import ExportMixin
from backoffice.admin.formatting import PresentationMixin
from backoffice.admin.history import HistoryMixin
from backoffice.admin.listing import CountedListMixin, ListQueryMixin, ViewHooksMixin
from backoffice.admin.revert import RevertMixin
from backoffice.extensions import db
from backoffice.permissions import can
from backoffice.ranges import parse_id

log = logging.getLogger(__name__)

# Flask-Admin endpoint name -> the view attribute that must be true to use it.
_ENDPOINT_RIGHTS = {
    "create_view": "can_create",
    "edit_view": "can_edit",
    "ajax_update": "can_edit",
    "delete_view": "can_delete",
    "details_view": "can_view_details",
    "history_view": "can_view_details",
    "revert_view": "can_edit",
    "export": "can_export",
    "export_background": "can_export",
    # Relation lookups feed the create and edit forms, and list other tables' rows.
    "ajax_lookup": "can_lookup",
}

# Readable messages for constraint violations that get past the form validators (a
# race between two staff members). PostgreSQL names the constraint (see
# NAMING_CONVENTION); SQLite names the column or just says "FOREIGN KEY".
CONSTRAINT_MESSAGES = (
    (("uq_users_email", "users.email"), "That email address is already registered."),
    (("uq_users_username", "users.username"), "That username is already taken."),
    (("uq_products_sku", "products.sku"), "A product with that SKU already exists."),
    (("uq_books_isbn", "books.isbn"), "A book with that ISBN already exists."),
    (
        ("uq_order_items_order_id_product_id", "order_items.order_id"),
        "Each product can appear only once in an order.",
    ),
    (("fk_orders_user_id_users",), "This user has orders, so the account cannot be deleted."),
    (
        ("fk_order_items_product_id_products",),
        "This product appears in orders and cannot be deleted.",
    ),
    (
        ("FOREIGN KEY constraint failed",),
        "Other records still refer to this one, so it cannot be deleted or changed that way.",
    ),
)


def integrity_message(exc: IntegrityError) -> str:
    """A readable message for a constraint violation, without SQL or values."""
    text = str(exc.orig)
    for needles, message in CONSTRAINT_MESSAGES:
        if any(n in text for n in needles):
            return message
    return "The change conflicts with existing data and was not saved."


def login_redirect():
    """Send an anonymous visitor to the login page, coming back here afterwards."""
    return redirect(url_for("security.login", next=request.full_path.rstrip("?")))


class SecuredMixin:
    """Access rules shared by the index and model views."""

    #: Permission needed to see the view at all.
    read_permission = "admin.access"

    def is_accessible(self) -> bool:
        """Signed-in, active staff with a second factor and the view's read permission.

        Sign-in already asks staff for the second factor; this also stops a session that
        began without one (a role granted to a signed-in customer, a reset second factor).
        """
        return (
            can(current_user, "admin.access")
            and current_user.has_second_factor
            and can(current_user, self.read_permission)
        )

    def inaccessible_callback(self, name, **kwargs):
        """Anonymous visitors log in first; staff without a second factor set one up first;
        signed-in users without the right get 403."""
        if not current_user.is_authenticated:
            return login_redirect()
        if can(current_user, "admin.access") and not current_user.has_second_factor:
            flash("Set up your second factor to use the admin.", "warning")
            return redirect(url_for("security.two_factor_setup"))
        abort(403)


class SecuredModelView(
    SecuredMixin,
    HistoryMixin,
    RevertMixin,
    PresentationMixin,
    AuditedMixin,
    ExportMixin,
    CountedListMixin,
    BulkActionsMixin,
    ListQueryMixin,
    ViewHooksMixin,
    ModelView,
):
    """A ModelView whose create/edit/delete/export rights follow the user's permissions.

    Subclasses set ``read_permission`` and ``write_permission`` (None: read-only for all),
    and may switch an operation off with ``allow_create`` / ``allow_edit`` / ``allow_delete``.
    Every change through it is audited (AuditedMixin); its list exports as streamed
    CSV (ExportMixin) for whoever may read it. Times and names read the same in
    every view (PresentationMixin). List pages cost a fixed number of queries and
    estimate big unfiltered counts (CountedListMixin). The list, its export and its bulk
    actions read the request's filters one way, strictly (ListQueryMixin).
    """

    write_permission: str | None = None
    delete_permission: str | None = None  # defaults to write_permission
    export_permission: str | None = None  # defaults to read_permission
    allow_create = True
    allow_edit = True
    allow_delete = True
    allow_export = True

    filter_converter = FilterConverter()
    # Eager loading is explicit, per view, in list_loader_options.
    column_auto_select_related = False
    # Readable, stable filter URLs (flt0_status_equals=paid) instead of positional ones.
    named_filter_urls = True
    model_form_converter = ModelConverter
    can_view_details = True
    page_size = 25
    can_set_page_size = True
    page_size_options = (25, 50, 100)
    # Flask-Admin's own mass delete skips model hooks and sees only the ticked page;
    # deletions go through the row delete or our bulk actions instead.
    action_disallowed_list = ["delete"]
    list_template = "admin/model/bulk_list.html"
    #: Loader options for the one row of the details, edit and delete pages.
    detail_loader_options: tuple = ()

    @property
    def can_create(self) -> bool:
        return self.allow_create and self._has(self.write_permission)

    @property
    def can_edit(self) -> bool:
        return self.allow_edit and self._has(self.write_permission)

    @property
    def can_delete(self) -> bool:
        return self.allow_delete and self._has(self.delete_permission or self.write_permission)

    @property
    def can_export(self) -> bool:
        return self.allow_export and self._has(self.export_permission or self.read_permission)

    @property
    def can_lookup(self) -> bool:
        """Relation lookups are for those who may fill in this view's forms."""
        return self.can_create or self.can_edit

    @staticmethod
    def _has(permission: str | None) -> bool:
        return permission is not None and can(current_user, permission)

    def check_endpoint(self, name: str) -> None:
        """Refuse with 403 any endpoint whose right the user lacks, not just hide its button."""
        super().check_endpoint(name)
        right = _ENDPOINT_RIGHTS.get(name)
        if right and not getattr(self, right):
            abort(403)

    def get_one(self, id):
        """The row an exact id names (details, edit, delete, inline edit); any other id is a 404.

        Flask-Admin hands the raw request value to ``session.get`` after its own
        decoding: "0.001" became "0001" (row 1), " 5 " became row 5, and "abc" or
        2**31 failed in PostgreSQL with a 500.
        """
        key = parse_id(id, inspect(self.model).primary_key[0])
        if key is None:
            abort(404)
        return db.session.get(self.model, key, options=list(self.detail_loader_options))

    def handle_view_exception(self, exc: Exception) -> bool:
        """Turn database errors into a readable flash message; never show SQL or values."""
        if isinstance(exc, IntegrityError):
            log.info("integrity error in %s: %s", self.__class__.__name__, exc.orig)
            flash(integrity_message(exc), "error")
            return True
        if isinstance(exc, SQLAlchemyError):
            log.exception("database error in %s", self.__class__.__name__)
            flash("The database could not save the change. Nothing was changed.", "error")
            return True
        return super().handle_view_exception(exc)
