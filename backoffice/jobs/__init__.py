"""Background jobs: the Huey queue, the job record, and the task functions the worker runs.

- ``queue``: the Huey instance built from the app's settings (``SqliteHuey`` at
  ``JOBS_SQLITE_PATH`` by default, ``RedisHuey`` when ``JOBS_REDIS_URL`` is set) and
  the tasks registered on it (the job runner, the daily clean-up of old results; mail
  and the daily sweep, built by their own modules).
- ``records``: the ``jobs`` rows: start (audited), progress, finish, fail, cancel
  (audited), expiry of results. These functions never commit; a started job is
  enqueued once the starting transaction commits (``backoffice.after_commit``), so a
  rolled-back start enqueues nothing.
- ``runner``: the task body. It owns its transaction: it commits the job's state at the
  start, with each batch's progress, and at the end. Kinds are registered per app
  (``register_kind``), so a door that knows how to build the work (the admin, for an
  export of one of its lists) supplies it without this package importing the door.
- ``exports``: background CSV and XLSX exports written to the Storage.
- ``bulk``: a bulk action over many rows, in batches committed with their checkpoint
  (resumable: a retry starts after the last batch that landed).
- ``reaper``: running jobs whose heartbeat stopped (a killed worker) are queued again
  from their checkpoint (resumable kinds) or failed with a reason.
- ``mail``: the task that sends the mail ``outgoing_mail`` queued, with retries (not a
  job row: nobody on the staff started it).
- ``notify``: the order-mail outbox's delivery (customers told of status changes), paced
  at ``MAIL_RATE_LIMIT``, each mail claimed before it is sent.
- ``storage``: ``storage sweep`` and ``storage migrate`` as jobs, and the daily sweep.
- ``imports``: an import's dry run and its (resumable) apply.

May import: services, models, storage, ``outgoing_mail`` and the base helpers. The
admin and the CLI import this package; nothing lower does.
"""

from __future__ import annotations

from flask import Flask

from backoffice.jobs import imports, storage
from backoffice.jobs.bulk import run_bulk
from backoffice.jobs.exports import run_export, run_xlsx_export
from backoffice.jobs.queue import build_huey, get_huey
from backoffice.jobs.runner import register_kind


def init_jobs(app: Flask) -> None:
    """Build the app's Huey instance, register its tasks and the built-in job kinds."""
    app.extensions["huey"] = build_huey(app)
    register_kind(app, "export_csv", run_export)
    register_kind(app, "export_xlsx", run_xlsx_export)
    register_kind(app, "bulk_action", run_bulk, resumable=True)
    register_kind(app, storage.SWEEP, storage.run_sweep)
    register_kind(app, storage.MIGRATE, storage.run_migrate)
    register_kind(app, imports.DRY_RUN, imports.run_dry_run)
    register_kind(app, imports.APPLY, imports.run_apply, resumable=True)


__all__ = ["get_huey", "init_jobs", "register_kind"]
