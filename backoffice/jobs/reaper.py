"""Jobs whose worker stopped: resumed from their checkpoint, or failed with a reason.

A running job writes its heartbeat with every batch. One whose heartbeat is older than
``JOB_HEARTBEAT_TIMEOUT`` seconds lost its worker (killed, machine gone). Every worker
looks for such jobs when it starts, and a periodic task every minute:

- a resumable kind (``register_kind(..., resumable=True)``: bulk actions) goes back to
  ``queued`` with its attempt number raised in its checkpoint, and is enqueued once that
  commits; the next worker carries on after the checkpoint's last key. The attempt
  number is also the job's lease: the old worker's batch commits match only their own
  attempt, so if it wakes up it commits nothing more. After ``MAX_ATTEMPTS`` the job
  is failed instead;
- any other kind (exports) is failed with a reason for people.

Each change is one conditional UPDATE on the stale heartbeat (and, for a requeue, on
the attempt read), so two reapers, or a worker that writes its heartbeat meanwhile,
never both win.
"""

from __future__ import annotations

import datetime as dt
import logging

from flask import current_app
from sqlalchemy import or_, select, update

from backoffice import clock
from backoffice.extensions import db
from backoffice.jobs.records import pending_jobs
from backoffice.jobs.runner import is_resumable
from backoffice.models import Job
from backoffice.services import audit

log = logging.getLogger(__name__)

#: Runs of one resumable job (the first included) before it is failed instead.
MAX_ATTEMPTS = 3


def stopped_message(seconds: int) -> str:
    """What a job whose worker stopped says (its ``error``)."""
    return (
        f"The worker stopped while running this job (no heartbeat for {seconds:,} s); "
        "start it again."
    )


def reap_stale_jobs() -> tuple[int, int]:
    """Requeue or fail every running job without a recent heartbeat; ``(requeued, failed)``.

    Commits once per job, so one that cannot be handled leaves the others handled.
    """
    now = clock.now()
    cutoff = now - dt.timedelta(seconds=int(current_app.config["JOB_HEARTBEAT_TIMEOUT"]))
    stale = or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < cutoff)
    rows = db.session.execute(
        select(Job.id, Job.kind, Job.checkpoint, Job.heartbeat_at, Job.summary)
        .where(Job.state == "running", stale)
        .order_by(Job.id)
    ).all()
    db.session.rollback()  # end the read: each job below is its own transaction
    requeued = failed = 0
    for job_id, kind, checkpoint, heartbeat, summary in rows:
        silent = int((now - (heartbeat or now)).total_seconds())
        attempt = (checkpoint or {}).get("attempt")
        if is_resumable(kind) and isinstance(attempt, int) and attempt < MAX_ATTEMPTS:
            requeued += _requeue(job_id, checkpoint, attempt, stale, silent)
        else:
            failed += _fail(job_id, checkpoint, stale, silent, summary)
        db.session.commit()
    return requeued, failed


def _requeue(job_id: int, checkpoint: dict, attempt: int, stale, silent: int) -> int:
    taken = db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state == "running", stale)
        .where(Job.checkpoint["attempt"].as_integer() == attempt)
        .values(state="queued", checkpoint={**checkpoint, "attempt": attempt + 1})
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken:
        log.warning("job %s: no heartbeat for %s s, queued again", job_id, silent)
        audit.record(
            "job_retry", model="Job", object_id=job_id,
            summary=f"Queued again after its worker stopped (no heartbeat for {silent:,} s)",
            changes={"attempt": attempt + 1, "last": checkpoint.get("last")},
        )  # fmt: skip
        pending_jobs.add(job_id)
    return taken


def _fail(job_id: int, checkpoint: dict | None, stale, silent: int, summary: str | None) -> int:
    message = stopped_message(silent)
    failed = db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state == "running", stale)
        .values(state="failed", error=message, finished_at=clock.now())
        .execution_options(synchronize_session=False)
    ).rowcount
    if failed:
        log.warning("job %s: no heartbeat for %s s, failed", job_id, silent)
        audit.record(
            "job_fail", model="Job", object_id=job_id,
            summary=f"Failed: {summary}: {message}",
            # What a resumable job had done before giving up (its batches are committed).
            changes={"checkpoint": checkpoint} if checkpoint else None,
        )  # fmt: skip
    return failed
