"""A real Huey consumer (threads) on a queue file of the test's own, for the job tests."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from backoffice.extensions import db
from backoffice.models import Job


@pytest.fixture
def app_config(app_config, tmp_path) -> dict:
    """Each test gets its own queue file (SqliteHuey) in tmp_path."""
    return {"JOBS_SQLITE_PATH": str(tmp_path / "jobs.db"), **app_config}


@pytest.fixture
def worker(app):
    """Huey's consumer for ``app``, running in threads of this process while the test runs."""
    consumer = app.extensions["huey"].create_consumer(
        workers=1, periodic=False, initial_delay=0.05, max_delay=0.2, check_worker_health=False
    )
    consumer.start()
    yield consumer
    consumer.stop(graceful=True)


def job_row(app, job_id: int) -> Job:
    """The job as the database has it now (detached)."""
    with app.app_context():
        job = db.session.get(Job, job_id)
        db.session.expunge(job)
        return job


def wait_for(check: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait (bounded) until ``check()`` is true."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out waiting for the worker"
        time.sleep(0.05)


def wait_ended(app, job_id: int, timeout: float = 10.0) -> Job:
    """Wait until the worker has finished, failed or cancelled the job; return it."""
    wait_for(lambda: job_row(app, job_id).state in ("done", "failed", "cancelled"), timeout)
    return job_row(app, job_id)
