"""Orders with their items edited inline. Prices come from the products, totals from items."""

from __future__ import annotations

from flask_admin.model.form import InlineFormAdmin
from sqlalchemy import inspect
from sqlalchemy.orm import joinedload
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, NumberRange

from backoffice.admin.base import SecuredModelView
from backoffice.models import ORDER_STATUSES, Order, OrderItem, Product, User
from backoffice.services.orders import compute_total


class OrderItemInline(InlineFormAdmin):
    """One line of an order: a product (searched as you type) and a quantity."""

    form_columns = ("id", "product", "quantity")
    form_args = {
        "product": {"validators": [DataRequired(message="Choose a product.")]},
        "quantity": {
            "validators": [
                InputRequired(message="Enter a quantity."),
                NumberRange(min=1, max=10_000, message="Quantity must be between 1 and 10,000."),
            ]
        },
    }
    form_ajax_refs = {
        "product": {"fields": ("name", "sku"), "page_size": 20, "order_by": Product.name}
    }


class OrderView(SecuredModelView):
    """Orders: staff and admins edit; deleting an order is for admins only."""

    read_permission = "orders.read"
    write_permission = "orders.write"
    delete_permission = "history.delete"

    column_list = ("id", "user.email", "status", "total", "created_at", "updated_at")
    column_sortable_list = ("id", "status", "total", "created_at", "updated_at")
    column_default_sort = ("created_at", True)
    column_searchable_list = ("user.email",)
    column_filters = ("status", "created_at", "user.email", "total")
    column_choices = {"status": [(s, s.capitalize()) for s in ORDER_STATUSES]}
    form_overrides = {"status": SelectField}
    column_labels = {"id": "Order", "user.email": "Customer email", "user": "Customer"}
    column_details_list = (
        "id",
        "user",
        "status",
        "total",
        "shipping_address",
        "items",
        "created_at",
        "updated_at",
    )
    form_columns = ("user", "status", "shipping_address", "items")
    form_args = {
        "user": {"validators": [DataRequired(message="Choose the customer.")]},
        "status": {"choices": [SelectChoice(s, s.capitalize()) for s in ORDER_STATUSES]},
    }
    form_ajax_refs = {
        "user": {"fields": ("email", "username"), "page_size": 20, "order_by": User.email}
    }
    inline_models = (OrderItemInline(OrderItem),)
    list_loader_options = (joinedload(Order.user),)

    def on_model_change(self, form, model: Order, is_created: bool) -> None:
        """Price new lines from their product and derive the total from the items."""
        for item in model.items:
            repriced = item.unit_price is None or inspect(item).attrs.product.history.has_changes()
            if repriced and item.product is not None:
                item.unit_price = item.product.price
        model.total = compute_total(model)
        super().on_model_change(form, model, is_created)
