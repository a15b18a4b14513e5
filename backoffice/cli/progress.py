"""A job run here, in this process, with its progress drawn on standard error.

The job runs in a thread of its own (its own app context and session); this thread
reads the job's row every ``POLL`` seconds (what each batch commits) and draws a
``click.progressbar`` when the total is known, else a running count. Only when asked
(``show``): commands ask when standard error is a terminal, or with ``--progress``,
so a pipe or a log file stays clean.
"""

from __future__ import annotations

import sys
import threading

import click
from flask import current_app
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.jobs.runner import run_job
from backoffice.models import Job

#: Seconds between two readings of the job's progress.
POLL = 0.2


def wants_progress(flag: bool | None) -> bool:
    """``--progress`` / ``--no-progress`` if given, else whether stderr is a terminal."""
    return flag if flag is not None else sys.stderr.isatty()


def run_with_progress(job_id: int, label: str, total: int | None, show: bool) -> None:
    """Run the job ``job_id`` here; with ``show``, its progress on stderr until it ends."""
    if not show:
        run_job(job_id)
        return
    app = current_app._get_current_object()

    def work():
        with app.app_context():
            run_job(job_id)

    worker = threading.Thread(target=work, name=f"job-{job_id}")
    worker.start()
    if total:
        with click.progressbar(length=total, label=label, file=sys.stderr, width=30) as bar:
            seen = 0
            while _waiting(worker):
                done = _done(job_id)
                bar.update(max(0, done - seen))
                seen = max(seen, done)
            bar.update(max(0, _done(job_id) - seen))
    else:
        while _waiting(worker):
            click.echo(f"\r{label} {_done(job_id):,} rows", nl=False, err=True)
        click.echo(f"\r{label} {_done(job_id):,} rows", err=True)
    worker.join()


def _waiting(worker: threading.Thread) -> bool:
    worker.join(POLL)
    return worker.is_alive()


def _done(job_id: int) -> int:
    """The job's committed progress (a fresh read each time)."""
    done = db.session.scalar(select(Job.done).where(Job.id == job_id)) or 0
    db.session.rollback()  # no snapshot kept: the next read sees the next commit
    return done
