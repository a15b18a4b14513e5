"""Each row of a file checked by the admin form's own rules: one validation path.

The admin registers its create form per model (``register_row_forms``); a ``RowChecker``
makes one instance of it and, for every row, runs each mapped field's filters and
validators (the field's ``process`` and ``validate``, as a submitted form would). So a
length, a price's places, an ISBN checksum or a stock's range is refused here exactly as
on the admin page. The form's unique-key validator is left out: a key already in the
database means "update", decided for a whole batch at once, not one SELECT per row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from flask import Flask, current_app
from wtforms.fields import Field, StringField

from backoffice.services.imports.fields import Target

_YES = {"yes", "y", "true", "1", "x", "on", "oui", "ja"}
_NO = {"no", "n", "false", "0", "off", "non", "nein"}
#: How many distinct cells of one column ``RowChecker`` remembers the outcome of.
MEMO_SIZE = 10_000
#: Values safe to hand out again (nothing a caller could change in place).
_IMMUTABLE = (str, int, float, Decimal, bool, dt.date, type(None))


class _Cell(dict):
    """Form data holding one field's one value: all ``Field.process`` asks of a ``MultiDict``
    (``in`` and ``getlist``), without building one per cell."""

    def getlist(self, key):
        return [self[key]] if key in self else []


def register_row_forms(app: Flask, forms: dict[str, Callable[[], type]]) -> None:
    """Tell ``app`` how to get each model's admin form class (``{"product": ...}``)."""
    app.extensions["import_row_forms"] = forms


@dataclass
class Checked:
    """One row of the file: its line, cells, key and checked values, or its errors."""

    line: int
    cells: list[str]
    key: str | None = None
    values: dict = field(default_factory=dict)
    #: ``[(field, message)]``
    errors: list[tuple[str, str]] = field(default_factory=list)


class RowChecker:
    """Checks rows of one file with one mapping against ``target``'s admin form."""

    def __init__(
        self, target: Target, mapping: dict[str, str], headers: list[str], *, clear_empty=False
    ):
        self.target = target
        self.clear_empty = clear_empty
        self.mapping = dict(mapping)
        self.columns = [(name, headers.index(header)) for name, header in mapping.items()]
        self.form = current_app.extensions["import_row_forms"][target.form]()(formdata=None)
        key_field = self.form[target.key]
        # The one rule left out (see the module docstring): Flask-Admin's Unique.
        key_field.validators = [v for v in key_field.validators if type(v).__name__ != "Unique"]
        #: The text fields, checked straight through their filters and validators
        #: (``_direct``): their cells often never repeat (names, SKUs).
        self.direct = {name for name in target.fields if _plain_string(self.form[name])}
        self._memo: dict[str, dict[str, tuple]] = {name: {} for name in target.fields}

    def value(self, name: str, raw: str) -> tuple[object, str | None]:
        """``(value, None)`` or ``(None, message)`` for ``raw`` in the form field ``name``.

        A field's rules look at its own value only (the one rule that reads the
        database, the unique key, is left out), so the outcome for a given cell is the
        same every time: up to ``MEMO_SIZE`` distinct cells per column are remembered
        (categories, prices, stock figures and yes/no repeat down a supplier's file).
        """
        memo = self._memo[name]
        known = memo.get(raw)
        if known is not None:
            return known
        outcome = self._checked(name, raw)
        if len(memo) < MEMO_SIZE and isinstance(outcome[0], _IMMUTABLE):
            memo[raw] = outcome
        return outcome

    def _checked(self, name: str, raw: str) -> tuple[object, str | None]:
        """``value`` without the memo: the form field's own ``process`` and ``validate``."""
        form_field = self.form[name]
        if form_field.type == "BooleanField" and raw:
            word = raw.casefold()
            if word not in _YES | _NO:
                return None, "Enter yes or no."
            raw = "y" if word in _YES else "false"
        if raw and name in self.direct:
            self._direct(form_field, raw)
        else:
            # An empty value is sent as no value at all: the field's Optional (or required)
            # rule then decides, not the number parser ("Not a valid integer value").
            form_field.process(_Cell({name: raw} if raw else {}))
            form_field.validate(self.form)
        if form_field.errors:
            return None, " ".join(str(e) for e in form_field.errors)
        return form_field.data, None

    def _direct(self, form_field: Field, raw: str) -> None:
        """What ``process`` then ``validate`` do for a plain string field sent ``raw``.

        The same steps, without the parts that do nothing here (the field's default,
        object data, the form data lookup, the check that each validator is callable):
        the field holds ``raw``, its filters run (a ``ValueError`` is a processing
        error), then its own validation chain. Unique cells (SKUs, names,
        descriptions) miss the memo: this was half the dry run's time.
        """
        form_field.process_errors = []
        form_field.raw_data = [raw]
        form_field.data = raw
        try:
            for step in form_field.filters:
                form_field.data = step(form_field.data)
        except ValueError as exc:
            form_field.process_errors.append(exc.args[0])
        form_field.errors = list(form_field.process_errors)
        form_field._run_validation_chain(self.form, form_field.validators)

    def check(self, line: int, cells: list[str]) -> Checked:
        """The row's mapped values, checked; empty cells are left out unless clearing."""
        row = Checked(line, cells)
        for name, index in self.columns:
            raw = cells[index] if index < len(cells) else ""
            if not raw and (name == self.target.key or not self.clear_empty):
                if name == self.target.key:
                    row.errors.append((name, f"The {_label(name)} is empty."))
                continue
            value, error = self.value(name, raw)
            if error:
                row.errors.append((name, error))
            else:
                row.values[name] = value
        if not row.errors or all(name != self.target.key for name, _ in row.errors):
            row.key = row.values.get(self.target.key)
        return row

    def complete_new(self, row: Checked) -> None:
        """A new row: check the fields the file left out with their defaults (or none)."""
        if len(row.values) == len(self.target.fields):
            return  # the file gave every field
        for name in self.target.fields:
            if name not in row.values and not any(name == f for f, _ in row.errors):
                value, error = self.value(name, self.target.defaults.get(name, ""))
                if error:
                    row.errors.append((name, f"{error} (needed for a new {self.target.form})"))
                else:
                    row.values[name] = value


def _plain_string(form_field: Field) -> bool:
    """Whether ``form_field`` processes and validates as WTForms' ``StringField`` does:
    its value is the sent text, then filters, then validators (``RowChecker._direct``)."""
    cls = type(form_field)
    return isinstance(form_field, StringField) and all(
        getattr(cls, step) is getattr(base, step)
        for step, base in (
            ("process", Field),
            ("process_formdata", StringField),
            ("validate", Field),
            ("pre_validate", Field),
            ("post_validate", Field),
            ("_run_validation_chain", Field),
        )
    )


def _label(name: str) -> str:
    return {"sku": "SKU", "isbn": "ISBN"}.get(name, name.replace("_", " "))
