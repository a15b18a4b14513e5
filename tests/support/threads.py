"""Races for tests: the same call from several threads, released at the same instant."""

from __future__ import annotations

import threading
from collections.abc import Callable


def all_at_once(count: int, call: Callable[[], object], timeout: float = 60) -> list:
    """Run ``call`` in ``count`` threads started together; their results (in finishing order).

    Fails if a thread is still running after ``timeout`` seconds (a deadlock, a lost wake-up).
    """
    start = threading.Barrier(count)
    results: list = []

    def run():
        start.wait()
        results.append(call())

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return results
