"""The Huey instance of an app and its tasks (each runs inside an app context)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app
from huey import RedisHuey, SqliteHuey, crontab
from huey.api import Huey
from redis import ConnectionPool

from backoffice.jobs.housekeeping import remove_expired_idempotency_records
from backoffice.jobs.imports import remove_expired_imports
from backoffice.jobs.mail import build_mail_task
from backoffice.jobs.notify import build_notify_tasks
from backoffice.jobs.reaper import reap_stale_jobs
from backoffice.jobs.runner import remove_expired_results, run_job
from backoffice.jobs.storage import build_storage_tasks


def build_huey(app: Flask) -> Huey:
    """A Huey on ``JOBS_REDIS_URL`` if set, else on the SQLite file ``JOBS_SQLITE_PATH``.

    Each task runs inside an app context of ``app``: the worker builds the app with
    ``create_app()`` and consumes this instance's queue.
    """
    name = app.config["JOBS_QUEUE_NAME"]
    redis_url = app.config.get("JOBS_REDIS_URL")
    if redis_url:
        # Timeouts, so a Redis host that does not answer cannot hold a web thread that
        # enqueues (after a response) or a worker forever; they fail and are handled.
        pool = ConnectionPool.from_url(redis_url, socket_connect_timeout=3, socket_timeout=10)
        huey = RedisHuey(name, connection_pool=pool, results=False)
    else:
        path = Path(app.config["JOBS_SQLITE_PATH"])
        path.parent.mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey(name, filename=str(path), results=False)

    def run_job_task(job_id: int) -> None:
        with app.app_context():
            run_job(job_id)

    def remove_expired_task() -> None:
        with app.app_context():
            remove_expired_results()

    app.extensions["jobs_tasks"] = {
        "run_job": huey.task(name="run_job")(run_job_task),
        # Daily, at a quiet hour (UTC): results past JOB_RESULT_DAYS leave the Storage.
        "remove_expired_results": huey.periodic_task(
            crontab(minute="15", hour="3"), name="remove_expired_results"
        )(remove_expired_task),
    }
    _add_reaper(app, huey)

    def remove_expired_imports_task() -> None:
        with app.app_context():
            remove_expired_imports()

    # Hourly: import files and their reports expire 24 h after they were stored.
    app.extensions["jobs_tasks"]["remove_expired_imports"] = huey.periodic_task(
        crontab(minute="40"), name="remove_expired_imports"
    )(remove_expired_imports_task)

    def remove_expired_idempotency_task() -> None:
        with app.app_context():
            remove_expired_idempotency_records()

    # Daily, at a quiet hour (UTC): Idempotency-Key answers past IDEMPOTENCY_RETENTION_DAYS.
    app.extensions["jobs_tasks"]["remove_expired_idempotency_records"] = huey.periodic_task(
        crontab(minute="30", hour="3"), name="remove_expired_idempotency_records"
    )(remove_expired_idempotency_task)
    # Mail (jobs/mail.py), the storage chores (jobs/storage.py) and the order-mail outbox
    # (jobs/notify.py) build their own tasks.
    app.extensions["jobs_tasks"].update(build_mail_task(huey, app))
    app.extensions["jobs_tasks"].update(build_storage_tasks(huey, app))
    app.extensions["jobs_tasks"].update(build_notify_tasks(huey, app))
    return huey


def _add_reaper(app: Flask, huey: Huey) -> None:
    """Jobs whose worker died (``jobs.reaper``): seen to as a worker starts, then each minute."""

    def reap() -> None:
        with app.app_context():
            reap_stale_jobs()

    tasks = app.extensions["jobs_tasks"]
    tasks["reap_stale_jobs"] = huey.periodic_task(crontab(), name="reap_stale_jobs")(reap)
    huey.on_startup("reap_stale_jobs")(reap)


def get_huey() -> Huey:
    """The current app's Huey instance."""
    return current_app.extensions["huey"]
