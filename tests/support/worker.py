"""A real Huey consumer for a test app, an outbox that reads what its worker sent, and
the worker command in a process of its own (for tests that kill it).

Mail leaves through the job queue (``backoffice.jobs.mail``), so a test that looks at
sent mail runs the app's consumer in threads of the test process and, before each
look, waits until every task enqueued meanwhile has ended (done, or failed for good).
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from huey import signals as S

ROOT = Path(__file__).resolve().parents[2]

#: Signals after which a task runs no more (for those marked retryable: once out of retries).
_ENDED = {S.SIGNAL_COMPLETE, S.SIGNAL_REVOKED, S.SIGNAL_EXPIRED}
_FAILED = {S.SIGNAL_ERROR, S.SIGNAL_TIMEOUT, S.SIGNAL_LOCKED, S.SIGNAL_CANCELED}


class Worker:
    """A consumer of ``app``'s queue that knows which tasks it still owes."""

    def __init__(self, app) -> None:
        self.app = app
        self.huey = app.extensions["huey"]
        self._lock = threading.Lock()
        self._seen: set[str] = set()
        self._ended: set[str] = set()
        self.consumer = self.huey.create_consumer(
            workers=1,
            periodic=False,
            initial_delay=0.02,
            max_delay=0.1,
            scheduler_interval=1,
            check_worker_health=False,
        )

    def _track(self, signal: str, task, *args) -> None:
        with self._lock:
            if signal in (S.SIGNAL_ENQUEUED, S.SIGNAL_SCHEDULED):
                self._seen.add(task.id)
            elif signal in _ENDED or (signal in _FAILED and not task.retries):
                # A set, not a count: the worker may end a task before its producer's
                # signal is handled, and a retried task keeps its id.
                self._ended.add(task.id)

    def start(self) -> None:
        """Start consuming (and tracking every task enqueued from now on)."""
        self.huey.signal()(self._track)
        self.consumer.start()

    def stop(self) -> None:
        """Stop the consumer's threads and the tracking."""
        self.consumer.stop(graceful=True)
        self.huey.disconnect_signal(self._track)

    def owed(self) -> int:
        """Tasks enqueued since the start that have not ended yet."""
        with self._lock:
            return len(self._seen - self._ended)

    def drain(self, timeout: float = 15.0) -> None:
        """Wait (bounded) until every task enqueued so far has ended."""
        deadline = time.monotonic() + timeout
        while self.owed():
            assert time.monotonic() < deadline, f"the worker still owes {self.owed()} tasks"
            time.sleep(0.02)


@contextlib.contextmanager
def running_worker(app) -> Iterator[Worker]:
    """A started ``Worker`` for ``app``, stopped when the block ends."""
    worker = Worker(app)
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()


class Outbox:
    """The mail ``app``'s worker sent (Flask-Mailman's in-memory backend), read like a list.

    Every read first drains the queue, so ``outbox == []`` means nothing was sent, not
    "nothing yet".
    """

    def __init__(self, app, worker: Worker) -> None:
        self.state = app.extensions["mailman"]
        self.state.outbox = []
        self.worker = worker

    def sent(self) -> list:
        """The messages sent once the queue is drained."""
        self.worker.drain()
        return list(self.state.outbox)

    def __len__(self) -> int:
        return len(self.sent())

    def __iter__(self):
        return iter(self.sent())

    def __reversed__(self):
        return reversed(self.sent())

    def __getitem__(self, index):
        return self.sent()[index]

    def __eq__(self, other) -> bool:
        return self.sent() == other

    __hash__ = None

    def __repr__(self) -> str:
        return repr(self.state.outbox)


def start_worker(app_config: dict, database_url: str, log) -> subprocess.Popen:
    """``flask worker`` in a process of its own, on the test's database and queue."""
    config = {"SQLALCHEMY_DATABASE_URI": database_url, **app_config}
    factory = f"backoffice:create_app({config!r}, env='testing')"
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", factory, "worker", "--threads", "1"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
