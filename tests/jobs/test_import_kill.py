"""kill -9 a worker in the middle of an import's apply: a new worker resumes it after the
last batch that landed, and every row is written exactly once (stock "add" is not
idempotent)."""

from __future__ import annotations

import signal
import time

import pytest
from sqlalchemy import select

from backoffice import clock
from backoffice.extensions import db
from backoffice.jobs import imports
from backoffice.jobs.runner import run_job
from backoffice.models import AuditLog, Job, User
from tests.imports.files import write_csv
from tests.jobs.conftest import job_row, wait_ended, wait_for
from tests.jobs.test_bulk_jobs import add_stock, stocks
from tests.support.worker import start_worker

ROWS = 2000


@pytest.mark.config(JOB_BATCH_SIZE=2, JOB_HEARTBEAT_TIMEOUT=2)
def test_an_import_killed_mid_way_resumes_and_writes_every_row_once(
    app, app_config, migrated, users, tmp_path
):
    ids = add_stock(app, ROWS, stock=5)
    lines = [["SKU", "Qty"], *([f"LAMP-{i:04d}", "1"] for i in range(ROWS))]
    path = write_csv(tmp_path / "delivery.csv", lines)
    with app.app_context():
        staff = db.session.get(User, users["staff"])
        with path.open("rb") as fh:
            staged = imports.stage_file(fh, path.name)
        dry = imports.start_dry_run(staged, kind="stock", user=staff, mode="add", enqueue=False)
        db.session.commit()
        run_job(dry.id)  # the dry run here; the apply on the worker below
        job_id = imports.start_apply(db.session.get(Job, dry.id), user=staff).id
        db.session.commit()
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        first = start_worker(app_config, migrated, log)
        try:
            deadline = time.monotonic() + 60
            while job_row(app, job_id).done < 20:
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.01)
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=15)

        killed = job_row(app, job_id)
        assert killed.state == "running"
        assert 20 <= killed.done < ROWS, "the job ended before the kill: make it longer"
        # Exactly the batches up to the checkpoint landed, nothing half-written.
        last = killed.checkpoint["line"]
        assert stocks(app) == {i: (6 if n + 2 <= last else 5) for n, i in enumerate(ids)}
        assert killed.checkpoint["counts"] == {"updated": last - 1}

        wait_for(lambda: (clock.now() - job_row(app, job_id).heartbeat_at).total_seconds() > 2.2)
        second = start_worker(app_config, migrated, log)
        try:
            job = wait_ended(app, job_id, timeout=120)
        finally:
            second.send_signal(signal.SIGINT)
            second.wait(timeout=15)
    assert (job.state, job.done) == ("done", ROWS), log_path.read_text()
    assert job.checkpoint["attempt"] == 2
    assert job.checkpoint["counts"] == {"updated": ROWS}
    assert stocks(app) == dict.fromkeys(ids, 6)  # every row exactly +1
    with app.app_context():
        [entry] = db.session.scalars(select(AuditLog).where(AuditLog.action == "import")).all()
        assert entry.changes["counts"] == {"updated": ROWS}
        assert entry.actor_email == "staff@example.com"
