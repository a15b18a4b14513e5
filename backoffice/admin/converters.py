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

    @converts("UTCDateTime")
    def convert_utc_datetime(self, field_args, **extra):
        """Same field as DateTime."""
        return self.convert_datetime(field_args, **extra)
