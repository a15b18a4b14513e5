"""The job tests' worker (tests/support/worker.py: a real Huey consumer in threads, on the
test's own queue file from tests/conftest.py) and helpers that wait for a job to end."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from backoffice.extensions import db
from backoffice.models import Job
from tests.support.worker import Worker, running_worker


@pytest.fixture
def worker(app) -> Iterator[Worker]:
    """The app's real consumer (threads, tests/support/worker.py) while the test runs."""
    with running_worker(app) as worker:
        yield worker


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
