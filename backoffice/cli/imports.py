"""``python manage.py import product|book|stock FILE``: the admin's import, from a shell.

The same code as the admin's: the file is staged in the Storage, then the dry-run job and
(unless ``--dry-run``) the apply job run here, in this process, through the worker's own
task body (``runner.run_job``), so their checks, batches, checkpoints and audit entry are
the worker's. If this process dies during the apply, a worker resumes the job. Without
``--mapping`` the columns are those remembered for these headers or this kind
(``services.imports.memory``), else proposed from the headers; a ``--mapping`` is
remembered in turn. The error rows are written next to the file (``FILE.errors.csv``);
the exit status is 1 when any row is in error, and then nothing is written unless
``--skip-errors``.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from backoffice.cli.progress import run_with_progress, wants_progress
from backoffice.extensions import db
from backoffice.jobs import imports
from backoffice.jobs.runner import JobError
from backoffice.models import Job
from backoffice.services.imports.fields import KINDS
from backoffice.services.imports.report import counts_text
from backoffice.storage import get_storage


def _mapping(text: str | None) -> dict | None:
    if text is None:
        return None
    try:
        mapping = json.loads(text)
    except ValueError:
        mapping = None
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        raise click.BadParameter('a JSON object of field to column, e.g. {"sku": "Ref"}')
    return mapping


def _ran(job_id: int, label: str, total: int | None, show: bool) -> Job:
    """Run the job here (the worker's task body) and return how it ended."""
    run_with_progress(job_id, label, total, show)
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    if job.state != "done":
        raise click.ClickException(job.error or f"the job ended {job.state}")
    return job


@click.command("import")
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mapping", help='Columns for fields, JSON: {"sku": "Ref", "stock": "Qty"}.')
@click.option(
    "--mode",
    type=click.Choice(["set", "add"]),
    default="set",
    show_default=True,
    help="Stock lists: set the stock to the figure, or add the figure to it.",
)
@click.option("--sheet", help="XLSX: the sheet to read (default: the first visible one).")
@click.option("--clear-empty", is_flag=True, help="Empty cells clear values (default: left alone).")
@click.option("--dry-run", is_flag=True, help="Check and classify every row; write nothing.")
@click.option("--skip-errors", is_flag=True, help="Import the good rows even if some are in error.")
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Draw progress on stderr (default: only when stderr is a terminal).",
)
@with_appcontext
def import_command(
    kind, path, mapping, mode, sheet, clear_empty, dry_run, skip_errors, progress
) -> None:
    """Import products, books or a stock list from a CSV or XLSX file."""
    mapping, show = _mapping(mapping), wants_progress(progress)
    with path.open("rb") as fh:
        staged = imports.stage_file(fh, path.name)
    job = imports.start_dry_run(
        staged, kind=kind, user=None, mapping=mapping, mode=mode,
        clear_empty=clear_empty, sheet=sheet, enqueue=False,
    )  # fmt: skip
    db.session.commit()
    checked = _ran(job.id, "Checking", None, show)
    if checked.params.get("mapping_from"):
        columns = ", ".join(f"{f} ← {h}" for f, h in checked.params["mapping"].items())
        click.echo(f"Columns ({checked.params['mapping_from']}): {columns}")
    counts = checked.checkpoint["counts"]
    click.echo(f"{path.name} (sha256 {staged['sha256'][:12]}…): {checked.summary.split(': ')[-1]}")
    if checked.checkpoint.get("errors_key"):
        errors = path.with_name(path.name + ".errors.csv")
        errors.write_bytes(get_storage().open(checked.checkpoint["errors_key"]))
        click.echo(f"Rows in error, with the reason in an 'error' column: {errors}")
    if dry_run:
        raise SystemExit(1 if counts["error"] else 0)
    if counts["error"] and not skip_errors:
        click.echo("Nothing was imported: fix the rows in error, or use --skip-errors.", err=True)
        raise SystemExit(1)
    try:
        apply = imports.start_apply(checked, user=None, skip_errors=skip_errors, enqueue=False)
    except JobError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    applied = _ran(apply.id, "Importing", sum(counts.values()), show)
    click.echo(f"Imported: {counts_text(applied.checkpoint['counts'])}")
    for row in applied.checkpoint.get("conflicts", []):
        click.echo(f"Left alone, line {row['line']} ({row['key']}): {row['reason']}", err=True)
    raise SystemExit(1 if counts["error"] else 0)
