"""Numbers in admin lists and forms: only values their column can hold get through.

Flask-Admin's integer filters take any ``int()`` (2**63 reaches the database, where
PostgreSQL's int4 or SQLite's int8 overflows), its numeric filters take any
``float()`` (NaN, inf, 1e999), and WTForms' ``DecimalField`` parses ``NaN`` and
``Infinity`` happily. The filters here refuse such values in ``clean`` (so ``validate``
fails: the list flashes that the value is not valid for the filter, the export answers
400), and the form fields turn them into a field error. ``converters.py`` hands them
out by column type, so every model gets them without a line in its view.
"""

from __future__ import annotations

from flask_admin.contrib.sqla import filters
from wtforms import DecimalField, IntegerField
from wtforms.validators import StopValidation

from backoffice import ranges

AMOUNT_MESSAGE = "Enter an amount such as 19.99."


class _IntValue:
    """``clean`` for one whole number in the column's range."""

    def clean(self, value):
        """The number, or ValueError when the column cannot hold it."""
        return ranges.parse_int(value, self.column)


class _IntValues:
    """``clean`` for a comma-separated list of whole numbers in the column's range."""

    def clean(self, value):
        """The numbers, or ValueError when any of them is not one the column can hold."""
        return [ranges.parse_int(v, self.column) for v in value.split(",") if v.strip()]


class _DecimalValue:
    """``clean`` for one finite decimal the column can hold (not a float: no NaN, no inf)."""

    def clean(self, value):
        """The Decimal, or ValueError."""
        return ranges.parse_decimal(value, self.column)


class _DecimalValues:
    """``clean`` for a comma-separated list of such decimals."""

    def clean(self, value):
        """The Decimals, or ValueError when any of them is refused."""
        return [ranges.parse_decimal(v, self.column) for v in value.split(",") if v.strip()]


def _ranged(base, parser):
    return type(base.__name__, (parser, base), {"__doc__": f"{base.__name__}, range-checked."})


INT_FILTERS = (
    _ranged(filters.IntEqualFilter, _IntValue),
    _ranged(filters.IntNotEqualFilter, _IntValue),
    _ranged(filters.IntGreaterFilter, _IntValue),
    _ranged(filters.IntSmallerFilter, _IntValue),
    filters.FilterEmpty,
    _ranged(filters.IntInListFilter, _IntValues),
    _ranged(filters.IntNotInListFilter, _IntValues),
)
DECIMAL_FILTERS = (
    _ranged(filters.FloatEqualFilter, _DecimalValue),
    _ranged(filters.FloatNotEqualFilter, _DecimalValue),
    _ranged(filters.FloatGreaterFilter, _DecimalValue),
    _ranged(filters.FloatSmallerFilter, _DecimalValue),
    filters.FilterEmpty,
    _ranged(filters.FloatInListFilter, _DecimalValues),
    _ranged(filters.FloatNotInListFilter, _DecimalValues),
)


class _StopOnBadInput:
    """A value that did not parse is one error, not also "must be at least 0" below it."""

    def pre_validate(self, form) -> None:
        """Skip the validators when parsing the input already failed."""
        if self.process_errors:
            raise StopValidation()


class BoundedIntegerField(_StopOnBadInput, IntegerField):
    """An IntegerField that refuses numbers outside ``low..high`` (the column's range)."""

    def __init__(self, label=None, validators=None, *, low: int, high: int, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.low, self.high = low, high

    def process_formdata(self, valuelist) -> None:
        """Parse, then refuse what the column cannot hold."""
        super().process_formdata(valuelist)
        if self.data is not None and not self.low <= self.data <= self.high:
            self.data = None
            raise ValueError(f"Enter a whole number between {self.low:,} and {self.high:,}.")


class AmountField(_StopOnBadInput, DecimalField):
    """A DecimalField that takes only finite amounts its ``Numeric`` column can hold."""

    def __init__(self, label=None, validators=None, *, column=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.column = column

    def process_formdata(self, valuelist) -> None:
        """Parse; NaN, Infinity and 1e999999 become a field error instead of a 500 later."""
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(AMOUNT_MESSAGE) from None
        if self.data is None or ranges.fits(self.data, self.column):
            return
        value, self.data = self.data, None
        if not value.is_finite():
            raise ValueError(AMOUNT_MESSAGE)
        raise ValueError(f"Enter an amount below {ranges.decimal_limit(self.column):,}.")
