"""Orders: placed through the order service, moved through the status machine.

The create form (customer, address, inline items) calls ``place_order``: prices come
from the products and stock is taken in the same transaction. The edit form changes
only the status (legal moves, with cancelling restocking) and the address; items are
shown read-only. See backoffice/admin/order_forms.py for why.
"""

from __future__ import annotations

import logging

from flask import flash
from flask_admin.model.form import InlineFormAdmin
from sqlalchemy.orm import joinedload, selectinload
from wtforms.validators import DataRequired, InputRequired, NumberRange, ValidationError

from backoffice.admin.actions.orders import order_actions
from backoffice.admin.base import SecuredModelView
from backoffice.admin.formatting import status_badge
from backoffice.admin.lookups import PrefixAjaxLoader
from backoffice.admin.order_forms import (
    ADDRESS_VALIDATORS,
    OrderEditForm,
    order_lines,
    show_order_errors,
)
from backoffice.admin.order_story import OrderStoryMixin
from backoffice.admin.views.notifications import mails_html
from backoffice.extensions import db
from backoffice.models import ORDER_STATUSES, Order, OrderItem, Product, User
from backoffice.services.order_status import OPEN, SHIPPED, change_status
from backoffice.services.orders import MAX_QUANTITY, OrderError, place_order
from backoffice.validation import strip_filter

log = logging.getLogger(__name__)


class OrderItemInline(InlineFormAdmin):
    """One line of an order: a product (searched as you type) and a quantity."""

    form_columns = ("id", "product", "quantity")
    form_args = {
        "product": {"validators": [DataRequired(message="Choose a product.")]},
        "quantity": {
            "validators": [
                InputRequired(message="Enter a quantity."),
                NumberRange(
                    min=1,
                    max=MAX_QUANTITY,
                    message=f"Quantity must be between 1 and {MAX_QUANTITY:,}.",
                ),
            ]
        },
    }
    # Prefix search on the lower-cased name or the (upper-case) SKU, both indexed;
    # only products on sale are offered (place_order refuses the others anyway).
    # "IS NOT FALSE" (the column is NOT NULL): an "= TRUE" lets SQLite, once analysed,
    # read 95% of the table through the is_available index instead of the prefix ranges.
    form_ajax_refs = {
        "product": PrefixAjaxLoader(
            "product",
            Product,
            fields=("name_key", "sku"),
            normalise={"sku": str.upper},
            where=(Product.is_available.is_not(False),),
            page_size=20,
            placeholder="Type a product name or SKU",
        )
    }


class OrderView(OrderStoryMixin, SecuredModelView):
    """Orders: staff and admins place and move them; deleting is for admins only."""

    read_permission = "orders.read"
    write_permission = "orders.write"
    delete_permission = "history.delete"

    column_list = ("id", "user.email", "status", "total", "created_at", "updated_at")
    column_sortable_list = ("id", "status", "total", "created_at", "updated_at")
    column_default_sort = ("created_at", True)
    column_searchable_list = ("user.email",)
    column_filters = ("status", "created_at", "user.email", "total")
    column_choices = {"status": [(s, s.capitalize()) for s in ORDER_STATUSES]}
    column_labels = {"id": "Order", "user.email": "Customer email", "user": "Customer"}
    column_formatters = {"status": status_badge}
    column_formatters_detail = {"status": status_badge, "notifications": mails_html}
    column_details_list = (
        "id",
        "user",
        "status",
        "total",
        "shipping_address",
        "carrier",
        "tracking_number",
        "items",
        "notifications",
        "created_at",
        "updated_at",
    )
    # The create form; new orders always start pending. Editing uses OrderEditForm.
    form_columns = ("user", "shipping_address", "items")
    form_args = {
        "user": {"validators": [DataRequired(message="Choose the customer.")]},
        "shipping_address": {"validators": ADDRESS_VALIDATORS, "filters": [strip_filter]},
    }
    # Prefix search on the indexed, lower-case email/username; erased and suspended
    # accounts are not offered as customers ("IS NOT FALSE": see the product lookup).
    form_ajax_refs = {
        "user": PrefixAjaxLoader(
            "user",
            User,
            fields=("email", "username"),
            where=(User.erased_at.is_(None), User.active.is_not(False)),
            page_size=20,
            placeholder="Type the start of an email or username",
        )
    }
    inline_models = (OrderItemInline(OrderItem),)
    list_loader_options = (joinedload(Order.user),)
    edit_template = "admin/order/edit.html"
    # The customer and the items (for the read-only items table) of the one order shown.
    detail_loader_options = (
        joinedload(Order.user),
        selectinload(Order.items).joinedload(OrderItem.product),
        selectinload(Order.notifications),
    )
    bulk_actions = order_actions()

    def get_edit_form(self):
        """Status and address only: items are fixed once placed."""
        return OrderEditForm

    def edit_form(self, obj=None):
        """The edit form, telling where the order's status can move."""
        form = super().edit_form(obj)
        if obj is not None:
            form.describe_moves(obj.status)
        return form

    def create_model(self, form):
        """Place the order through the service; its refusals become form errors."""
        lines, positions = order_lines(form.items)
        customer = form.user.data
        try:
            order = place_order(getattr(customer, "id", None), lines, form.shipping_address.data)
            self.apply_model_change(form, order, True)
            db.session.commit()
        except OrderError as exc:
            db.session.rollback()  # stock taken for earlier lines goes back
            show_order_errors(form, exc, positions)
            return False
        except Exception as exc:
            return self._failed(exc, "create")
        self.after_model_change(form, order, True)
        return order

    def update_model(self, form, model: Order) -> bool:
        """Move the status through the status machine; change the address."""
        target = form.status.data
        try:
            if target != model.status:
                change_status(
                    model.id,
                    target,
                    reason=form.reason.data or None,
                    carrier=form.carrier.data or None,
                    tracking_number=form.tracking_number.data or None,
                )
                # The row moved with a conditional UPDATE; keep the object (and any
                # hook reading its history) in step with it.
                model.status = target
                if target == SHIPPED:
                    model.carrier = form.carrier.data or None
                    model.tracking_number = form.tracking_number.data or None
            model.shipping_address = form.shipping_address.data
            self.apply_model_change(form, model, False)
            db.session.commit()
        except OrderError as exc:
            db.session.rollback()
            show_order_errors(form, exc)
            return False
        except Exception as exc:
            return self._failed(exc, "update")
        self.after_model_change(form, model, False)
        return True

    def on_model_delete(self, model: Order) -> None:
        """An open order still holds stock: it must be cancelled (restocked) first."""
        if model.status in OPEN:
            raise ValidationError(
                f"{model} is {model.status}: cancel it first, which returns its stock."
            )
        super().on_model_delete(model)

    def _failed(self, exc: Exception, what: str) -> bool:
        db.session.rollback()
        if not self.handle_view_exception(exc):
            log.exception("failed to %s an order", what)
            flash(f"Failed to {what} the order; nothing was changed.", "error")
        return False
