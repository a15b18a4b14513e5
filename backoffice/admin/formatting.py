"""How admin lists, details and forms show values and names: one place, every view.

Flask-Admin prints datetimes with ``str()`` ("2026-11-21 05:22:01.638316+00:00") and
names columns in title case ("Last Login Ip"). Here times read "2026-11-21 05:22 UTC"
(the exact ISO value in the ``title`` and ``datetime`` attributes), names read in
sentence case with acronyms kept ("Last login IP"), and an empty list says whether
nothing exists yet or nothing matches the search and filters.
"""

from __future__ import annotations

import datetime as dt

from flask import request
from flask_admin.model import typefmt
from markupsafe import Markup

#: Words shown in capitals wherever they appear in a generated column or field name.
ACRONYMS = {"id": "ID", "ip": "IP", "sku": "SKU", "isbn": "ISBN", "url": "URL", "csv": "CSV"}


def utc_text(value: dt.datetime) -> str:
    """``2026-11-21 05:22 UTC``: minutes are what people compare in a list."""
    return f"{as_utc(value):%Y-%m-%d %H:%M} UTC"


def as_utc(value: dt.datetime) -> dt.datetime:
    """The value in UTC (naive values are UTC already: the columns store UTC)."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def datetime_formatter(view, value: dt.datetime, name: str) -> Markup:
    """A ``<time>`` element: short text, the full ISO 8601 value on hover and for machines."""
    iso = as_utc(value).isoformat()
    return Markup('<time datetime="{0}" title="{0}">{1}</time>').format(iso, utc_text(value))


def date_formatter(view, value: dt.date, name: str) -> Markup:
    """Dates as ISO ``2026-11-21``."""
    return Markup('<time datetime="{0}">{0}</time>').format(value.isoformat())


def _with_times(base: dict) -> dict:
    # datetime first: a datetime is also a date, and the first matching type wins.
    return {dt.datetime: datetime_formatter, dt.date: date_formatter, **base}


LIST_FORMATTERS = _with_times(typefmt.BASE_FORMATTERS)
DETAIL_FORMATTERS = _with_times(typefmt.DETAIL_FORMATTERS)


def sentence_case(name: str) -> str:
    """``last_login_ip`` → ``Last login IP``; ``user.email`` → ``User email``."""
    words = name.replace(".", " ").replace("_", " ").split()
    shown = [ACRONYMS.get(w.lower(), w.lower()) for w in words]
    if shown and shown[0].islower():
        shown[0] = shown[0].capitalize()
    return " ".join(shown)


def status_badge(view, context, model, name) -> Markup:
    """An order status as a coloured badge (the colours of the dashboard chart)."""
    status = getattr(model, name)
    return Markup('<span class="badge badge-status-{0}">{1}</span>').format(
        status, status.capitalize()
    )


class PresentationMixin:
    """Times, names and empty-list messages for a ModelView (see the module docstring)."""

    column_type_formatters = LIST_FORMATTERS
    column_type_formatters_detail = DETAIL_FORMATTERS

    def get_column_name(self, field: str) -> str:
        """Column headings, filter names and detail labels: the view's label, else sentence case."""
        if self.column_labels and field in self.column_labels:
            return self.column_labels[field]
        return sentence_case(field)

    def prettify_name(self, name: str) -> str:
        """Form field labels (Flask-Admin's form converter looks for this name)."""
        return sentence_case(name)

    def get_empty_list_message(self) -> str:
        """ "No orders match …" under a search or filter; "No orders yet." otherwise."""
        noun = self.model_noun() if hasattr(self, "model_noun") else "rows"
        if any(k == "search" or k.startswith("flt") for k in request.args):
            return f"No {noun} match this search and these filters."
        return f"No {noun} yet."
