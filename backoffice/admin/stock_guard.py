"""Optimistic check on stock in edit forms, so an edit never silently undoes a sale.

The form remembers the stock it showed (a hidden field). On save, stock is written
with ``UPDATE ... WHERE stock = <shown>``: if an order or an adjustment changed it
meanwhile, nothing is written and the editor is told the current figure. A form that
leaves stock as shown does not touch it at all.
"""

from __future__ import annotations

from flask_admin.helpers import is_form_submitted
from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value
from wtforms import HiddenField
from wtforms.validators import ValidationError

from backoffice.extensions import db
from backoffice.ranges import parse_int
from backoffice.services import catalog_bulk


class StockGuardMixin:
    """For ModelViews of models with an integer ``stock`` column."""

    form_extra_fields = {"stock_seen": HiddenField()}

    def edit_form(self, obj=None):
        """Remember the stock the editor is shown."""
        form = super().edit_form(obj)
        if obj is not None and not is_form_submitted():
            form.stock_seen.data = obj.stock
        return form

    def on_model_change(self, form, model, is_created) -> None:
        """Write stock only if it still holds the value the editor saw."""
        super().on_model_change(form, model, is_created)
        if is_created or not hasattr(form, "stock_seen"):
            return
        model_cls = type(model)
        try:  # a hidden field, so anything may come back: only a stock the column can hold
            seen = parse_int(str(form.stock_seen.data), model_cls.stock)
        except ValueError:
            raise ValidationError("The form is out of date; reload the page.") from None
        wanted = form.stock.data
        # Take stock out of the ORM's pending changes: it is written (or not) below.
        set_committed_value(model, "stock", seen)
        if wanted == seen:
            db.session.refresh(model, attribute_names=["stock"])
            return
        written = catalog_bulk.set_stock_if_unchanged(model_cls, [(model.id, seen, wanted)]).changed
        if written != 1:
            current = db.session.scalar(select(model_cls.stock).where(model_cls.id == model.id))
            form.stock_seen.data = current
            raise ValidationError(
                f"Stock changed from {seen} to {current} while you were editing (an order or "
                "an adjustment). Nothing was saved; check the figure and save again."
            )
        set_committed_value(model, "stock", wanted)
