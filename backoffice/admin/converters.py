"""Teach Flask-Admin our column types (it matches types by class name) and their ranges.

Integer and numeric columns get filters and form fields that refuse values the column
cannot hold (see ``admin/numbers.py``), for every model, without a line in its view.
"""

from __future__ import annotations

from flask_admin.contrib.sqla.filters import FilterConverter as SQLAFilterConverter
from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.model.filters import convert
from flask_admin.model.form import converts

from backoffice import ranges
from backoffice.admin.listing import ViewLabelsMixin
from backoffice.admin.numbers import DECIMAL_FILTERS, INT_FILTERS, AmountField, BoundedIntegerField


class FilterConverter(SQLAFilterConverter):
    """Range-checked integer and decimal filters; ``UTCDateTime`` gets the datetime ones."""

    int_filters = INT_FILTERS
    float_filters = DECIMAL_FILTERS

    @convert("utcdatetime")
    def conv_utc_datetime(self, column, name, **kwargs):
        """Same filters as DateTime."""
        return self.conv_datetime(column, name, **kwargs)


class ModelConverter(ViewLabelsMixin, AdminModelConverter):
    """Range-checked integer and amount fields; ``UTCDateTime`` gets the datetime field.

    Every field is labelled in the view's wording (ViewLabelsMixin).
    """

    @converts("UTCDateTime")
    def convert_utc_datetime(self, field_args, **extra):
        """Same field as DateTime."""
        return self.convert_datetime(field_args, **extra)

    @converts("Integer")  # includes BigInteger and SmallInteger
    def handle_integer_types(self, column, field_args, **extra):
        """A whole number the column can hold (never an overflow in the database)."""
        low, high = ranges.int_range(column)
        if getattr(column.type, "unsigned", False):
            low = 0
        return BoundedIntegerField(low=low, high=high, **field_args)

    @converts("Numeric")  # includes DECIMAL, Float/FLOAT, REAL, and DOUBLE
    def handle_decimal_types(self, column, field_args, **extra):
        """A finite amount the column can hold, at the column's scale (Flask-Admin's default)."""
        field_args.setdefault("places", None)
        return AmountField(column=column, **field_args)
