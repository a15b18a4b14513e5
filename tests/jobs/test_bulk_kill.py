"""kill -9 a worker in the middle of a bulk job: a new worker resumes it from the checkpoint,
and every row is changed exactly once ("Adjust stock +1" is not idempotent)."""

from __future__ import annotations

import signal
import time

import pytest
from sqlalchemy import select

from backoffice import clock
from backoffice.extensions import db
from backoffice.models import AuditLog
from tests.admin.bulk_helpers import bulk
from tests.jobs.conftest import job_row, wait_ended, wait_for
from tests.jobs.test_bulk_jobs import add_stock, started_job, stocks
from tests.support.worker import start_worker

ROWS = 2000


@pytest.mark.config(BULK_INLINE_LIMIT=10, JOB_BATCH_SIZE=2, JOB_HEARTBEAT_TIMEOUT=2)
def test_a_bulk_job_killed_mid_way_resumes_and_changes_every_row_exactly_once(
    app, app_config, migrated, staff_client, tmp_path
):
    ids = add_stock(app, ROWS)
    job_id = started_job(staff_client, bulk(staff_client, "product", "adjust_stock", delta="1"))
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
        # What landed is exactly the batches up to the checkpoint, nothing half-applied.
        last = killed.checkpoint["last"]
        assert stocks(app) == {i: (1 if i <= last else 0) for i in ids}
        assert killed.checkpoint["changed"] == killed.done

        # The heartbeat goes stale; a new worker's start-up check requeues the job.
        wait_for(lambda: (clock.now() - job_row(app, job_id).heartbeat_at).total_seconds() > 2.2)
        second = start_worker(app_config, migrated, log)
        try:
            job = wait_ended(app, job_id, timeout=120)
        finally:
            second.send_signal(signal.SIGINT)
            second.wait(timeout=15)
    output = log_path.read_text()
    assert (job.state, job.done, job.total) == ("done", ROWS, ROWS), output
    assert job.checkpoint["attempt"] == 2
    assert job.summary.endswith(f"{ROWS:,} changed, 0 skipped")
    assert stocks(app) == dict.fromkeys(ids, 1)  # every row exactly +1
    with app.app_context():
        actions = db.session.scalars(
            select(AuditLog.action).where(AuditLog.action.in_(("bulk:adjust_stock", "job_retry")))
        ).all()
        [entry] = db.session.scalars(
            select(AuditLog).where(AuditLog.action == "bulk:adjust_stock")
        ).all()
        assert (entry.changes["changed"], entry.actor_email) == (ROWS, "staff@example.com")
    assert sorted(actions) == ["bulk:adjust_stock", "job_retry"]
