"""Teach Flask-Admin our column types (it matches types by class name)."""

from __future__ import annotations

from flask_admin.contrib.sqla.filters import FilterConverter as SQLAFilterConverter
from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.model.filters import convert
from flask_admin.model.form import converts


class FilterConverter(SQLAFilterConverter):
    """Filters for ``UTCDateTime`` columns are the ordinary datetime filters."""

    @convert("utcdatetime")
    def conv_utc_datetime(self, column, name, **kwargs):
        """Same filters as DateTime."""
        return self.conv_datetime(column, name, **kwargs)


class ModelConverter(AdminModelConverter):
    """Form fields for ``UTCDateTime`` columns are the ordinary datetime fields."""

    def _get_label(self, name: str, field_args) -> str | None:
        """The view's label for the column, else its name in the view's wording.

        Flask-Admin stops at ``column_labels`` when a view has one, so unlisted fields
        fell back to WTForms' title case ("Shipping Address") in those views only.
        """
        label = super()._get_label(name, field_args)
        if label is None and hasattr(self.view, "prettify_name"):
            return self.view.prettify_name(name)
        return label

    @converts("UTCDateTime")
    def convert_utc_datetime(self, field_args, **extra):
        """Same field as DateTime."""
        return self.convert_datetime(field_args, **extra)
