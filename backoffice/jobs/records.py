"""The job record: start, progress, finish, fail, cancel. None of these commit.

Starting and cancelling are audited with the change they make; finishing and failing
are audited by the runner's final commit. Finishing is conditional on the job still
running, so a cancel that lands after the last batch is never overwritten by "done".
A job whose task never reached the queue is failed and audited at once.

The enqueue of a started job waits for the starting transaction to commit
(``pending_jobs``), so a start that rolls back leaves neither a row nor a queued task.
"""

from __future__ import annotations

import datetime as dt
import logging

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backoffice import clock
from backoffice.after_commit import Held
from backoffice.extensions import db
from backoffice.models import ACTIVE_STATES, Job
from backoffice.services import audit
from backoffice.storage import get_storage

log = logging.getLogger(__name__)


class JobCancelled(Exception):
    """Someone cancelled the job (or it was taken from this worker); stop at the next batch."""


class JobError(Exception):
    """The job cannot go on; the message is for people and names what went wrong."""


#: What a job whose task could not be queued says (the queue's own error goes to the log).
UNQUEUED = "The job queue could not be reached, so the job was not started. Try again later."


def _enqueue(job_ids: list[int]) -> None:
    run_job = current_app.extensions["jobs_tasks"]["run_job"]  # queue.build_huey
    for job_id in job_ids:
        try:
            run_job(job_id)
        except Exception:  # Redis down, the queue file unwritable: any of them
            log.exception("job %s could not be queued", job_id)
            _mark_unqueued(job_id)


def _mark_unqueued(job_id: int) -> None:
    """Fail a job whose task never reached the queue, so it does not wait forever.

    This runs after the session's commit, when the session can no longer be used: the
    update goes through a connection of its own.
    """
    with db.engine.begin() as conn:
        failed = conn.execute(
            update(Job)
            .where(Job.id == job_id, Job.state == "queued")
            .values(state="failed", error=UNQUEUED, finished_at=clock.now())
        ).rowcount
        if failed:
            # The start was audited; so is its end, like any failed job's.
            with Session(bind=conn) as session:
                session.add(
                    audit.entry(
                        "job_fail", model="Job", object_id=job_id, summary=f"Failed: {UNQUEUED}"
                    )
                )
                session.flush()


#: Job ids to enqueue once the transaction that created them commits.
pending_jobs = Held("jobs.enqueue", committed=_enqueue)


def start_job(
    kind: str, params: dict, *, user, summary: str, total: int | None = None, enqueue: bool = True
) -> Job:
    """Add a queued job for ``user``; it is enqueued once the caller commits.

    ``enqueue=False``: the caller runs it in its own process (``runner.run_job``, as the
    CLI does); a worker still resumes it if that process dies part-way (reaper).
    """
    job = Job(
        kind=kind,
        params=params,
        user_id=getattr(user, "id", None),
        user_email=getattr(user, "email", None),
        state="queued",
        done=0,
        total=total,
        created_at=clock.now(),
        summary=summary,
    )
    db.session.add(job)
    db.session.flush()
    audit.record(
        "job_start", model="Job", object_id=job.id, summary=f"Started: {summary}",
        changes={"kind": kind, "params": params}, actor=user,
    )  # fmt: skip
    if enqueue:
        pending_jobs.add(job.id)
    return job


def cancel_job(job: Job, *, user) -> bool:
    """Cancel a queued or running job (a running one stops at its next batch)."""
    if not job.active:
        return False
    job.state = "cancelled"
    job.finished_at = clock.now()
    audit.record(
        "job_cancel", model="Job", object_id=job.id,
        summary=f"Cancelled: {job.summary} ({job.done:,} done)", actor=user,
    )  # fmt: skip
    return True


def mark_running(job: Job) -> None:
    """The worker took the job."""
    job.state = "running"
    job.started_at = job.heartbeat_at = clock.now()


def record_progress(job: Job, done: int, total: int | None = None) -> None:
    """``done`` items so far (of ``total`` when known); also the job's heartbeat."""
    job.done = done
    if total is not None:
        job.total = total
    job.heartbeat_at = clock.now()


class BatchProgress:
    """A per-batch callback for services and writers: records each batch (the heartbeat)
    and commits it, and stops the work with ``JobCancelled`` once the job is cancelled."""

    def __init__(self, job: Job):
        self.job = job
        self.job_id = job.id
        #: Items done so far.
        self.done = 0

    def __call__(self, batch: int) -> None:
        if is_cancelled(self.job_id):
            raise JobCancelled
        self.done += batch
        record_progress(self.job, self.done)
        db.session.commit()


def finish_job(job: Job, *, result_key: str | None, summary: str) -> None:
    """The job is done; ``result_key`` names its result in the Storage.

    One conditional UPDATE (still ``running``): a cancel (or the reaper) that landed
    after the last batch wins, the result is removed and ``JobCancelled`` raised, so
    "done" never overwrites "cancelled".
    """
    now = clock.now()
    finished = db.session.execute(
        update(Job)
        .where(Job.id == job.id, Job.state == "running")
        .values(state="done", result_key=result_key, summary=summary, finished_at=now)
        .values(heartbeat_at=now)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if finished != 1:
        if result_key is not None:
            get_storage().delete(result_key)  # nobody will ever download it
        raise JobCancelled
    audit.record("job_done", model="Job", object_id=job.id, summary=f"Done: {summary}")


def fail_job(job: Job, message: str) -> None:
    """The job stopped on an error; ``message`` is for people (no traceback, no SQL)."""
    job.state = "failed"
    job.error = message
    job.finished_at = clock.now()
    audit.record(
        "job_fail", model="Job", object_id=job.id, summary=f"Failed: {job.summary}: {message}"
    )


def is_cancelled(job_id: int) -> bool:
    """Read the job's state afresh (another request may have cancelled it)."""
    state = db.session.execute(select(Job.state).where(Job.id == job_id)).scalar_one_or_none()
    return state in (None, "cancelled")


def expired_results(days: int) -> list[Job]:
    """Finished jobs older than ``days`` whose result is still in the Storage."""
    cutoff = clock.now() - dt.timedelta(days=days)
    return list(
        db.session.scalars(
            select(Job)
            .where(Job.result_key.is_not(None), Job.finished_at < cutoff)
            .where(Job.state.not_in(ACTIVE_STATES))
            .order_by(Job.id)
        )
    )
