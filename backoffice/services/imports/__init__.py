"""Imports of supplier spreadsheets: products, books and stock lists from CSV or XLSX.

``read`` opens a file and streams its rows as text cells (``xlsx`` for Excel's side),
refusing what it cannot read with a message for people (``ImportRefused``);
``fields`` maps the file's headers to a model's fields; ``rows`` checks each row by the
admin form's own rules (``backoffice.validation.catalog_form``); ``plan`` classifies rows
(the dry run) and ``apply`` writes them. Nothing here commits: the import job and the CLI
own the transaction.
"""

from backoffice.services.imports.read import ImportRefused, Table, open_table

__all__ = ["ImportRefused", "Table", "open_table"]
