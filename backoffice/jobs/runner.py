"""The task body: take a queued job, run its kind, record how it ended.

The runner owns the transaction. Taking the job is one conditional UPDATE (queued →
running), so a task delivered twice runs the job once. A kind commits its progress
per batch and checks for cancellation between batches (``JobCancelled``); a
``JobError`` fails the job with its message; any other exception fails it with a
generic message (the traceback goes to the worker's log, never to the page).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, current_app
from sqlalchemy import update

from backoffice import clock
from backoffice.extensions import db
from backoffice.jobs.records import JobCancelled, JobError, expired_results, fail_job
from backoffice.models import Job
from backoffice.storage import get_storage

log = logging.getLogger(__name__)

Kind = Callable[[Job], None]


__all__ = ["JobCancelled", "JobError", "is_resumable", "register_kind", "run_job"]


def register_kind(app: Flask, kind: str, run: Kind, *, resumable: bool = False) -> None:
    """Let the worker of ``app`` run jobs of ``kind`` with ``run(job)``.

    ``resumable``: ``run`` picks up from the job's checkpoint, so a job whose worker
    died is queued again (``jobs.reaper``); other kinds are marked failed instead.
    """
    app.extensions.setdefault("job_kinds", {})[kind] = run
    resumable_kinds = app.extensions.setdefault("job_resumable_kinds", set())
    if resumable:
        resumable_kinds.add(kind)
    else:
        resumable_kinds.discard(kind)


def is_resumable(kind: str) -> bool:
    """True if the current app registered ``kind`` as resumable from its checkpoint."""
    return kind in current_app.extensions.get("job_resumable_kinds", ())


def _take(job_id: int) -> bool:
    now = clock.now()
    taken = db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state == "queued")
        .values(state="running", started_at=now, heartbeat_at=now)
    ).rowcount
    db.session.commit()
    return taken == 1


def run_job(job_id: int) -> None:
    """Run the job ``job_id`` if it is still queued (the task the worker runs)."""
    if not _take(job_id):
        log.info("job %s is not queued (cancelled, or already taken): skipped", job_id)
        return
    job = db.session.get(Job, job_id)
    run = current_app.extensions.get("job_kinds", {}).get(job.kind)
    try:
        if run is None:
            raise JobError(f"This app has no job kind “{job.kind}”.")
        run(job)
        db.session.commit()
    except JobCancelled:
        db.session.rollback()
        log.info("job %s cancelled", job_id)
    except JobError as exc:
        _fail(job_id, str(exc))
    except Exception:
        log.exception("job %s failed", job_id)
        _fail(job_id, "The job stopped on an unexpected error; the worker's log has details.")


def _fail(job_id: int, message: str) -> None:
    db.session.rollback()
    job = db.session.get(Job, job_id)
    if job is not None and job.state == "running":
        fail_job(job, message)
        db.session.commit()


def remove_expired_results() -> int:
    """Delete results older than ``JOB_RESULT_DAYS`` from the Storage; how many went."""
    storage = get_storage()
    removed = 0
    for job in expired_results(int(current_app.config["JOB_RESULT_DAYS"])):
        storage.delete(job.result_key)  # a file already gone is no error
        job.result_key = None
        db.session.commit()  # per file: a failure later leaves these ones recorded
        removed += 1
    return removed
