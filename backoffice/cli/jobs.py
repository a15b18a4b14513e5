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
    # An idle consumer polls the SQLite queue with a growing delay, 10 s at most by
    # default: a sign-up's mail or a started export would wait that long. One second
    # keeps them prompt for a cheap query; on Redis the consumer blocks on the list anyway.
    huey.create_consumer(workers=threads, worker_type="thread", max_delay=1.0).run()
