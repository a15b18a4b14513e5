"""``python manage.py storage check | migrate --to ftp|local | sweep``: the file store.

``migrate`` and ``sweep`` run here, or with ``--background`` as a job for the worker.
"""

from __future__ import annotations

import datetime as dt

import click
from flask import current_app
from flask.cli import with_appcontext

from backoffice import clock
from backoffice.extensions import db
from backoffice.jobs.storage import start_migrate, start_sweep
from backoffice.services.storage_tasks import copy_avatars, sweep
from backoffice.storage import BACKENDS, StorageError, get_storage, storage_from_config
from config.settings import ConfigError


@click.group("storage")
def storage_cli() -> None:
    """The file store (avatars): check it, migrate to another backend, sweep leftovers."""


@storage_cli.command("check")
@with_appcontext
def check() -> None:
    """Write, read back and delete a probe file on the configured backend (exit 1 if it fails)."""
    try:
        click.echo(f"OK: {get_storage().check()}")
    except StorageError as exc:
        raise click.ClickException(str(exc)) from None


BACKGROUND = click.option(
    "--background", is_flag=True,
    help="Start it as a job for the worker (progress and Cancel on /admin/jobs/).",
)  # fmt: skip


def started(job) -> None:
    """Commit the job's start (it is queued on commit) and say where to follow it."""
    db.session.commit()
    click.echo(
        f"Started in the background: job {job.id} ({job.summary}). Follow it on /admin/jobs/; "
        "`python manage.py worker` runs it."
    )


@storage_cli.command("migrate")
@click.option("--to", "backend", type=click.Choice(BACKENDS), required=True, help="Target.")
@BACKGROUND
@with_appcontext
def migrate(backend: str, background: bool) -> None:
    """Copy every avatar to the target backend and verify each copy. Switches nothing.

    The target is configured by the same settings the app would use (--to ftp: FTP_*;
    --to local: UPLOAD_DIR). Safe to re-run: verified copies are not copied again.
    """
    source = get_storage()
    try:
        target = storage_from_config({**current_app.config, "STORAGE_BACKEND": backend})
    except ConfigError as exc:
        raise click.ClickException(f"target not configured: {exc}") from None
    if target.describe() == source.describe():
        raise click.ClickException(f"the app already uses {source.describe()}; nothing to migrate.")
    if background:  # the job checks both again: the worker's settings are the ones that count
        started(start_migrate(backend))
        return
    click.echo(f"Copying avatars from {source.describe()} to {target.describe()} ...")
    report = copy_avatars(source, target)
    click.echo(
        f"{report.copied} files copied and verified, {report.already_there} already there "
        f"and verified, {len(report.missing)} missing from the source, "
        f"{len(report.failed)} failed."
    )
    for name in report.missing:
        click.echo(f"missing: {name} (referenced by a profile, not in the source)", err=True)
    for line in report.failed:
        click.echo(f"failed: {line}", err=True)
    if not report.ok:
        raise click.ClickException(
            "nothing was switched. Fix the problems above and run migrate again."
        )
    click.echo(
        f"OK: every avatar is on {target.describe()}. Now set STORAGE_BACKEND={backend} "
        "and restart the app; the old copies can be removed afterwards."
    )


@storage_cli.command("sweep")
@click.option(
    "--min-age",
    default=60,
    show_default=True,
    type=click.IntRange(min=0),
    help="Minutes: younger files may belong to an upload in progress and are kept.",
)
@click.option("--dry-run", is_flag=True, help="List what would be removed; remove nothing.")
@BACKGROUND
@with_appcontext
def sweep_command(min_age: int, dry_run: bool, background: bool) -> None:
    """Remove avatar files no profile refers to and temporary files of interrupted uploads.

    The worker also runs this sweep every day (jobs/storage.py).
    """
    if background:
        started(start_sweep(min_age=min_age, dry_run=dry_run))
        return
    try:
        report = sweep(
            get_storage(), now=clock.now(), min_age=dt.timedelta(minutes=min_age), dry_run=dry_run
        )
    except StorageError as exc:
        raise click.ClickException(str(exc)) from None
    verb = "would remove" if dry_run else "removed"
    for name in report.orphans:
        click.echo(f"{verb}: {name} (unreferenced)")
    for name in report.temporary:
        click.echo(f"{verb}: {name} (temporary)")
    for line in report.failed:
        click.echo(f"failed: {line}", err=True)
    click.echo(
        f"{len(report.orphans)} unreferenced and {len(report.temporary)} temporary files "
        f"{verb}, {len(report.failed)} failures."
    )
    if report.failed:
        raise click.ClickException(f"{len(report.failed)} files could not be removed (see above).")
