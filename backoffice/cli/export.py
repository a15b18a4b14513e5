"""``python manage.py export MODEL``: the admin's CSV export from the command line.

The same view query, columns and filter names as the list's export (the admin view
builds the query, the export service writes the CSV), for exports too large to
download comfortably.
"""

from __future__ import annotations

import os
import sys
import tempfile

import click
from flask import current_app
from flask.cli import with_appcontext

from backoffice import clock
from backoffice.admin.export import export_view
from backoffice.admin.listing import FilterError
from backoffice.extensions import db
from backoffice.services import audit
from backoffice.services.exports import ExportError, filename, stream_csv


def _filter_pairs(view, raw: tuple[str, ...]) -> list[tuple[str, str]]:
    """``status=paid`` or ``total_greater_than=100`` → (list filter name, value)."""
    pairs = []
    for item in raw:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ExportError(f"Write filters as NAME=VALUE, not “{item}”.")
        known = view.filter_names()
        if name not in known and f"{name}_equals" in known:
            name = f"{name}_equals"
        pairs.append((name, value))
    return pairs


def _write_atomically(path: str, chunks) -> None:
    """Write to a temporary file beside ``path`` and rename it: never a half file."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".export-", suffix=".part", dir=directory)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


@click.command("export")
@with_appcontext
@click.argument("model")
@click.option(
    "--filter",
    "filters",
    multiple=True,
    metavar="NAME=VALUE",
    help="A list filter as in the list URL without flt0_ (status_equals=paid, "
    "total_greater_than=100); a bare column means equals (status=paid). Repeatable.",
)
@click.option("--search", help="The list's search box.")
@click.option("--out", help="File to write; default MODEL-<UTC time>.csv here, - for stdout.")
@click.option("--bom", is_flag=True, help="Start with a UTF-8 byte-order mark (for Excel).")
def export(model, filters, search, out, bom):
    """Export MODEL (user, userprofile, product, book, order, auditlog) as CSV.

    The same columns, filters and search as the admin list's export, streamed in
    batches with constant memory, with a progress bar on stderr.
    """
    # A model or filter the admin list does not know is a usage error (exit 2), like
    # a value click's own types refuse.
    try:
        view = export_view(current_app.extensions["backoffice_admin"], model)
    except ExportError as exc:
        raise click.BadParameter(str(exc), param_hint="'MODEL'") from None
    try:
        pairs = _filter_pairs(view, filters)
        rows, count = view.export_query(search, view.parse_filters(pairs))
    except (ExportError, FilterError) as exc:
        raise click.BadParameter(str(exc), param_hint="'--filter'") from None
    spec = view.export_spec()
    out = out or filename(spec, clock.now())
    with click.progressbar(
        length=count, label=f"Exporting {count:,} rows", file=sys.stderr, show_pos=True
    ) as bar:
        chunks = stream_csv(rows, spec, bom=bom, progress=bar.update)
        if out == "-":
            stdout = sys.stdout.buffer
            for chunk in chunks:
                stdout.write(chunk)
            stdout.flush()
        else:
            _write_atomically(out, chunks)
    audit.record(
        "export",
        model=spec.model.__name__,
        summary=f"CSV export of {count:,} rows from the command line",
        changes={"rows": count, "scope": "command line", "query": dict(pairs), "search": search},
    )
    db.session.commit()
    click.echo(f"Exported {count:,} rows to {out if out != '-' else 'stdout'}.", err=True)
