"""The file store's chores as jobs: ``storage_sweep`` and ``storage_migrate``.

Both run the same services as ``python manage.py storage sweep | migrate``
(``services.storage_tasks``), which call back after each batch: the job records its
progress there (committed, so the Jobs page sees it) and stops there once cancelled.
The result is a summary for people; a run that could not do everything fails with the
counts and the first problems, as the CLI exits 1. Neither writes a row of its own
besides the job (and its audit entries: started, done or failed).

The sweep also runs daily (``build_storage_tasks``: a Huey periodic task at a quiet
hour) unless a sweep is already queued or running.
"""

from __future__ import annotations

import datetime as dt
import logging

from flask import Flask, current_app
from huey import crontab
from huey.api import Huey
from sqlalchemy import select

from backoffice import clock
from backoffice.extensions import db
from backoffice.jobs.records import (
    BatchProgress,
    finish_job,
    record_progress,
    start_job,
)
from backoffice.jobs.runner import JobError
from backoffice.models import ACTIVE_STATES, Job
from backoffice.services.storage_tasks import copy_avatars, count_referenced_avatars, sweep
from backoffice.storage import StorageError, get_storage, storage_from_config
from config.settings import ConfigError

log = logging.getLogger(__name__)

SWEEP = "storage_sweep"
MIGRATE = "storage_migrate"
#: Minutes: younger files may belong to an upload in progress (the CLI's default too).
SWEEP_MIN_AGE = 60
#: Problems a failed job's message names (the rest are counted).
SHOWN = 5


def start_sweep(*, min_age: int = SWEEP_MIN_AGE, dry_run: bool = False, user=None) -> Job:
    """Queue a sweep (queued once the caller commits)."""
    verb = "Dry run of the sweep" if dry_run else "Sweep"
    return start_job(
        SWEEP, {"min_age": min_age, "dry_run": dry_run}, user=user,
        summary=f"{verb} of the file store (files older than {min_age} min)",
    )  # fmt: skip


def start_migrate(backend: str, *, user=None) -> Job:
    """Queue a copy of every avatar to ``backend`` (queued once the caller commits)."""
    return start_job(
        MIGRATE, {"to": backend}, user=user, summary=f"Copy of the avatars to {backend}"
    )


def _batch_size() -> int:
    """Files (sweep) or avatars (migrate) between two progress updates and cancel checks."""
    return int(current_app.config["JOB_BATCH_SIZE"])


def _problems(lines: list[str]) -> str:
    shown = "; ".join(lines[:SHOWN])
    more = len(lines) - SHOWN
    return f"{shown}; and {more} more (the CLI lists them all)" if more > 0 else shown


def run_sweep(job: Job) -> None:
    """The ``storage_sweep`` kind: remove unreferenced and leftover temporary files."""
    dry_run = bool(job.params.get("dry_run"))
    min_age = dt.timedelta(minutes=int(job.params.get("min_age", SWEEP_MIN_AGE)))
    try:
        report = sweep(
            get_storage(), now=clock.now(), min_age=min_age, dry_run=dry_run,
            progress=BatchProgress(job), batch_size=_batch_size(),
        )  # fmt: skip
    except StorageError as exc:
        raise JobError(f"The file store could not be listed: {exc}") from None
    verb = "would be removed" if dry_run else "removed"
    summary = (
        f"{len(report.orphans):,} unreferenced and {len(report.temporary):,} temporary files {verb}"
    )
    if report.failed:
        raise JobError(
            f"{summary}; {len(report.failed):,} could not be: {_problems(report.failed)}"
        )
    finish_job(job, result_key=None, summary=f"{job.summary}: {summary}")


def run_migrate(job: Job) -> None:
    """The ``storage_migrate`` kind: copy and verify every avatar on the target backend."""
    backend = job.params["to"]
    source = get_storage()
    try:
        target = storage_from_config({**current_app.config, "STORAGE_BACKEND": backend})
    except ConfigError as exc:
        raise JobError(f"The target ({backend}) is not configured: {exc}") from None
    if target.describe() == source.describe():
        raise JobError(f"The app already uses {source.describe()}; nothing to migrate.")
    record_progress(job, 0, count_referenced_avatars())
    db.session.commit()
    report = copy_avatars(source, target, progress=BatchProgress(job), batch_size=_batch_size())
    summary = (
        f"{report.copied:,} files copied and verified, {report.already_there:,} already "
        f"there, {len(report.missing):,} missing from the source, {len(report.failed):,} failed"
    )
    if not report.ok:
        problems = [f"missing: {name}" for name in report.missing] + report.failed
        raise JobError(f"{summary}. Nothing was switched: {_problems(problems)}")
    finish_job(
        job, result_key=None,
        summary=f"{summary}. Every avatar is on {target.describe()}: set "
        f"STORAGE_BACKEND={backend} and restart the app.",
    )  # fmt: skip


def sweep_daily() -> Job | None:
    """Start the scheduled sweep and commit, unless a sweep is queued or running already."""
    active = select(Job.id).where(Job.kind == SWEEP, Job.state.in_(ACTIVE_STATES))
    if db.session.scalars(active.limit(1)).first() is not None:
        log.info("daily sweep skipped: a sweep is still queued or running")
        return None
    job = start_sweep()
    db.session.commit()
    return job


def build_storage_tasks(huey: Huey, app: Flask) -> dict:
    """The daily sweep of ``app`` on ``huey``, keyed for ``app.extensions["jobs_tasks"]``."""

    def sweep_daily_task() -> None:
        with app.app_context():
            sweep_daily()

    # Daily at a quiet hour (UTC), away from the results clean-up at 03:15.
    task = huey.periodic_task(crontab(minute="45", hour="4"), name="storage_sweep_daily")
    return {"storage_sweep_daily": task(sweep_daily_task)}
