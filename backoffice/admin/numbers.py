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


class _OneValue:
    """``clean`` for one value the column can hold; ``parse(value, column)`` reads it."""

    def clean(self, value):
        """The value, or ValueError when the column cannot hold it."""
        return self.parse(value, self.column)


class _ValueList(_OneValue):
    """``clean`` for a comma-separated list of such values."""

    def clean(self, value):
        """The values, or ValueError when any of them is not one the column can hold."""
        return [self.parse(v, self.column) for v in value.split(",") if v.strip()]


def _ranged(parse, single: tuple, lists: tuple) -> tuple:
    """Flask-Admin's filters for one kind of number, each reading values with ``parse``."""

    def checked(base, values):
        doc = f"{base.__name__}, range-checked."
        return type(base.__name__, (values, base), {"__doc__": doc, "parse": staticmethod(parse)})

    return (
        *(checked(base, _OneValue) for base in single),
        filters.FilterEmpty,
        *(checked(base, _ValueList) for base in lists),
    )


INT_FILTERS = _ranged(
    ranges.parse_int,
    (
        filters.IntEqualFilter,
        filters.IntNotEqualFilter,
        filters.IntGreaterFilter,
        filters.IntSmallerFilter,
    ),
    (filters.IntInListFilter, filters.IntNotInListFilter),
)
# Finite Decimals rather than Flask-Admin's floats: no NaN, no inf.
DECIMAL_FILTERS = _ranged(
    ranges.parse_decimal,
    (
        filters.FloatEqualFilter,
        filters.FloatNotEqualFilter,
        filters.FloatGreaterFilter,
        filters.FloatSmallerFilter,
    ),
    (filters.FloatInListFilter, filters.FloatNotInListFilter),
)


class _StopOnBadInput:
    """A value that did not parse is one error, not also "must be at least 0" below it.

    A blank box is no value, not a bad one: it parses to None without an error, so an
    optional field (a book's year) may stay empty and a required one says "required"
    (the stop below would otherwise keep ``Optional`` from clearing the parse error).
    """

    @staticmethod
    def _blank(valuelist) -> bool:
        return bool(valuelist) and not str(valuelist[0]).strip()

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
        if self._blank(valuelist):
            self.data = None
            return
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
        if self._blank(valuelist):
            self.data = None
            return
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
