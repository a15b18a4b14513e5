"""The Huey instance of an app, its tasks, and the enqueue that follows a commit."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, current_app
from huey import RedisHuey, SqliteHuey, crontab
from huey.api import Huey
from sqlalchemy import update

from backoffice import clock
from backoffice.after_commit import Held
from backoffice.extensions import db
from backoffice.models import Job

log = logging.getLogger(__name__)


def build_huey(app: Flask) -> Huey:
    """A Huey on ``JOBS_REDIS_URL`` if set, else on the SQLite file ``JOBS_SQLITE_PATH``.

    Each task runs inside an app context of ``app``: the worker builds the app with
    ``create_app()`` and consumes this instance's queue.
    """
    name = app.config["JOBS_QUEUE_NAME"]
    redis_url = app.config.get("JOBS_REDIS_URL")
    if redis_url:
        huey = RedisHuey(name, url=redis_url, results=False)
    else:
        path = Path(app.config["JOBS_SQLITE_PATH"])
        path.parent.mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey(name, filename=str(path), results=False)

    def run_job_task(job_id: int) -> None:
        from backoffice.jobs.runner import run_job

        with app.app_context():
            run_job(job_id)

    def remove_expired_task() -> None:
        from backoffice.jobs.runner import remove_expired_results

        with app.app_context():
            remove_expired_results()

    app.extensions["jobs_tasks"] = {
        "run_job": huey.task(name="run_job")(run_job_task),
        # Daily, at a quiet hour (UTC): results past JOB_RESULT_DAYS leave the Storage.
        "remove_expired_results": huey.periodic_task(
            crontab(minute="15", hour="3"), name="remove_expired_results"
        )(remove_expired_task),
    }
    return huey


def get_huey() -> Huey:
    """The current app's Huey instance."""
    return current_app.extensions["huey"]


#: What a job whose task could not be queued says (the queue's own error goes to the log).
UNQUEUED = "The job queue could not be reached, so the job was not started. Try again later."


def _enqueue(job_ids: list[int]) -> None:
    run_job = current_app.extensions["jobs_tasks"]["run_job"]
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
        conn.execute(
            update(Job)
            .where(Job.id == job_id, Job.state == "queued")
            .values(state="failed", error=UNQUEUED, finished_at=clock.now())
        )


#: Job ids to enqueue once the transaction that created them commits.
pending_jobs = Held("jobs.enqueue", committed=_enqueue)
