"""``python manage.py worker`` in a process of its own runs queued jobs and stops on a signal."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from tests.jobs.conftest import wait_ended
from tests.jobs.test_lifecycle import add_products, start_product_export

ROOT = Path(__file__).resolve().parents[2]


def test_the_worker_command_runs_a_queued_export_and_stops_on_sigint(
    app, app_config, migrated, staff_client, tmp_path
):
    add_products(app, 5)
    job_id = start_product_export(staff_client)
    config = {"SQLALCHEMY_DATABASE_URI": migrated, **app_config}
    factory = f"backoffice:create_app({config!r}, env='testing')"
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", factory, "worker", "--threads", "1"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            job = wait_ended(app, job_id, timeout=30)
        finally:
            process.send_signal(signal.SIGINT)  # Huey's graceful stop
            code = process.wait(timeout=15)
    assert (job.state, job.done, job.total) == ("done", 5, 5), log.read_text()
    assert code == 0, log.read_text()
    assert "Worker: 1 thread(s)" in log.read_text()


def test_the_worker_refuses_a_thread_count_it_cannot_run(app):
    result = app.test_cli_runner().invoke(args=["worker", "--threads", "0"])
    assert result.exit_code == 2
    assert "--threads" in result.output
