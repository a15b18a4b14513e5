"""Bulk actions as a job: batches in key order, each committed with its checkpoint.

The admin starts a ``bulk_action`` job when the confirmed scope exceeds
``BULK_INLINE_LIMIT``; its parameters are the list's view, the action's name, the scope
as the bulk code keeps it (filters and search, or the ticked ids) and the action's
validated parameters. The admin also registers the source (``register_bulk_source``)
that turns those parameters back into a ``BulkPlan``, with the same strict filter
parsing as the inline path.

Each batch is the scope's keys above the checkpoint's last key, in key order, at most
``JOB_BATCH_SIZE`` of them. The action's own ``run(ids, params)`` changes them; then,
in the same transaction, one conditional UPDATE writes the checkpoint (last key done,
running counts changed / skipped by reason), the progress and the heartbeat, and the
transaction commits. The UPDATE only matches while the job is ``running`` under this
worker's attempt number (``checkpoint["attempt"]``, raised by the reaper when it
requeues a job), so a cancelled job, or one taken over after its worker went silent,
commits nothing more from this worker: a batch and its checkpoint land together or
not at all, and a retry starts after the last key that landed.

At the end (or when cancelled, or failed part-way) ONE audit entry like the inline
path's says what was changed, with the job's starter as its actor.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Select, func, select, update

from backoffice import clock
from backoffice.extensions import db
from backoffice.jobs.records import JobCancelled, JobError, finish_job
from backoffice.models import Job, User
from backoffice.permissions import can
from backoffice.services.counts import count_rows
from backoffice.services.outcome import Outcome

#: The kind's name in ``jobs.kind``.
KIND = "bulk_action"


@dataclass(frozen=True)
class BulkPlan:
    """What the worker needs to run one bulk action over its scope, batch by batch."""

    #: SELECT of the primary key of every row in scope (no ORDER BY, no LIMIT).
    keys: Select
    #: The primary key column ``keys`` selects.
    key: Any
    #: The action's ``run(ids, params)``; raises JobError to refuse a batch.
    run: Callable[[Select, dict], Outcome]
    permission: str
    #: ``record(outcome, actor, summary, extra)`` adds the action's audit entry.
    record: Callable[[Outcome, Any, str, dict], None]


#: ``params -> BulkPlan``; raises JobError for parameters it cannot use.
BulkSource = Callable[[dict], BulkPlan]


def register_bulk_source(app: Flask, source: BulkSource) -> None:
    """Tell ``app``'s worker how to rebuild a bulk action from a job's parameters."""
    app.extensions["job_bulk_source"] = source


def first_checkpoint() -> dict:
    """The checkpoint a bulk job starts with: nothing done yet, first attempt."""
    return {"attempt": 1, "last": None, "changed": 0, "skipped": {}, "fields": {}}


def job_actor():
    """The user a bulk action runs as inside a job (None outside one)."""
    return g.get("job_actor")


def own_job(job_id: int, attempt: int, **values) -> bool:
    """UPDATE the job with ``values`` if it is still running under ``attempt``."""
    owned = db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state == "running")
        .where(Job.checkpoint["attempt"].as_integer() == attempt)
        .values(heartbeat_at=clock.now(), **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    return owned == 1


def _outcome(checkpoint: dict) -> Outcome:
    return Outcome(
        checkpoint["changed"], +Counter(checkpoint["skipped"]), dict(checkpoint["fields"])
    )


def _merged(checkpoint: dict, outcome: Outcome, last) -> dict:
    skipped = Counter(checkpoint["skipped"])
    skipped.update(outcome.skipped)
    return {
        **checkpoint,
        "last": last,
        "changed": checkpoint["changed"] + outcome.changed,
        "skipped": dict(+skipped),
        "fields": {**checkpoint["fields"], **{k: str(v) for k, v in outcome.fields.items()}},
    }


def _next_batch(plan: BulkPlan, last, size: int) -> tuple[Any, int]:
    """``(highest key, count)`` of the next ``size`` keys in scope above ``last``."""
    pending = plan.keys if last is None else plan.keys.where(plan.key > last)
    window = pending.order_by(None).order_by(plan.key).limit(size).subquery()
    column = next(iter(window.c))
    return db.session.execute(select(func.max(column), func.count()).select_from(window)).one()


def _batch_ids(plan: BulkPlan, last, upper) -> Select:
    pending = plan.keys if last is None else plan.keys.where(plan.key > last)
    return select(plan.key).where(plan.key.in_(pending.where(plan.key <= upper).scalar_subquery()))


def _how_far(job: Job, done: int, checkpoint: dict) -> str:
    total = f" of {job.total:,}" if job.total is not None else ""
    return f"{done:,}{total} rows: {_outcome(checkpoint).message()}"


def run_bulk(job: Job) -> None:
    """The ``bulk_action`` kind: the action over its scope, batch by batch (see above)."""
    plan = current_app.extensions["job_bulk_source"](job.params)
    actor = db.session.get(User, job.user_id) if job.user_id is not None else None
    if not can(actor, plan.permission):
        raise JobError("The person who started this job may no longer run this action.")
    g.job_actor = actor
    job_id, summary, params = job.id, job.summary, dict(job.params.get("params") or {})
    checkpoint = dict(job.checkpoint or first_checkpoint())
    attempt, done = checkpoint["attempt"], job.done
    start = {} if checkpoint["last"] is not None else {"total": count_rows(plan.keys)}
    if not own_job(job_id, attempt, **start):
        db.session.rollback()
        raise JobCancelled
    db.session.commit()
    size = int(current_app.config["JOB_BATCH_SIZE"])
    try:
        while True:
            upper, count = _next_batch(plan, checkpoint["last"], size)
            if not count:
                break
            outcome = plan.run(_batch_ids(plan, checkpoint["last"], upper), params)
            merged = _merged(checkpoint, outcome, upper)
            if not own_job(job_id, attempt, checkpoint=merged, done=done + count):
                db.session.rollback()
                _stopped(job_id, done, checkpoint, plan, actor)
                raise JobCancelled
            db.session.commit()
            checkpoint, done = merged, done + count
    except JobCancelled:
        raise
    except Exception:  # JobError or a bug: the batches that landed are audited, then fail
        db.session.rollback()
        _audit_part(job_id, summary, attempt, done, checkpoint, plan, actor)
        raise
    if not own_job(job_id, attempt):
        db.session.rollback()
        raise JobCancelled
    text = f"{summary}: {_outcome(checkpoint).message()}"
    plan.record(_outcome(checkpoint), actor, text, {"job": job_id, "rows": done})
    finish_job(job, result_key=None, summary=text)


def _stopped(job_id: int, done: int, checkpoint: dict, plan: BulkPlan, actor) -> None:
    """After a batch was refused: if the job was cancelled, say how far it got and audit it."""
    job = db.session.get(Job, job_id, populate_existing=True)
    if job is None or job.state != "cancelled":
        return  # taken over by another worker (or gone): that worker carries on
    summary = f"{job.summary}: cancelled after {_how_far(job, done, checkpoint)}"
    stopped = update(Job).where(Job.id == job_id, Job.state == "cancelled").values(summary=summary)
    if db.session.execute(stopped.execution_options(synchronize_session=False)).rowcount and done:
        extra = {"job": job_id, "rows": done, "cancelled": True}
        plan.record(_outcome(checkpoint), actor, summary, extra)
    db.session.commit()


def _audit_part(job_id, summary, attempt, done, checkpoint, plan, actor) -> None:
    """Audit what a job that failed part-way had changed (its committed batches)."""
    if done and own_job(job_id, attempt):
        text = f"{summary}: failed after {done:,} rows: {_outcome(checkpoint).message()}"
        extra = {"job": job_id, "rows": done, "failed": True}
        plan.record(_outcome(checkpoint), actor, text, extra)
        db.session.commit()
    else:
        db.session.rollback()
