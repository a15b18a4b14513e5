"""``python manage.py worker``: run background jobs (Huey's consumer for this app)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from backoffice.jobs import get_huey


@click.command("worker")
@click.option(
    "--threads", default=2, show_default=True, type=click.IntRange(1, 64),
    help="Jobs this worker runs at the same time.",
)  # fmt: skip
@with_appcontext
def worker(threads: int) -> None:
    """Run queued jobs and the daily clean-up until interrupted (Ctrl+C or SIGTERM)."""
    huey = get_huey()
    where = current_app.config.get("JOBS_REDIS_URL") or current_app.config["JOBS_SQLITE_PATH"]
    click.echo(f"Worker: {threads} thread(s) on the queue at {where}")
    huey.create_consumer(workers=threads, worker_type="thread").run()
