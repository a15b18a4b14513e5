"""The contenders of bench/export_bench.py: ``python export_contenders.py NAME PASSWORD``.

Prints the contender's rows, bytes, seconds and resident-memory growth as JSON.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ADMIN, HTTPS, signed_in_client

BASELINE = {"sqlite": "sqlite3 + csv.writer", "postgres": "COPY TO STDOUT"}
OURS = "export (HTTP)"


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class _PeakRss(threading.Thread):
    """Samples this process's RSS every 10 ms; ``peak`` is the highest seen."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = _rss_bytes()
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.01):
            self.peak = max(self.peak, _rss_bytes())


def _export_sql(app) -> str:
    """The SQL the export endpoint runs for all orders, with literal values."""
    from backoffice.extensions import db

    admin = app.extensions["backoffice_admin"]
    view = next(v for v in admin._views if getattr(v, "endpoint", "") == "order")
    with app.test_request_context("/admin/order/export/csv/"):
        rows, _ = view.export_query(None, [])
        return str(rows.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))


class _Sink:
    """A file that keeps nothing (the baseline's csv.writer target)."""

    size = 0

    def write(self, text: str) -> int:
        self.size += len(text)
        return len(text)


def _prepare_ours(app, password: str):
    """Log in as the admin (not timed); return the timed export request."""
    client = signed_in_client(app, ADMIN, password)

    def run() -> tuple[int, int]:
        response = client.get("/admin/order/export/csv/", buffered=False, **HTTPS)
        assert response.status_code == 200, response.status
        lines = size = 0
        for chunk in response.response:
            lines += chunk.count(b"\n")
            size += len(chunk)
        response.close()
        return lines - 1, size

    return run


def _prepare_sqlite(app):
    """The same SQL through sqlite3 into csv.writer."""
    import sqlite3

    from backoffice.extensions import db

    sql, path = _export_sql(app), db.engine.url.database

    def run() -> tuple[int, int]:
        conn = sqlite3.connect(path)
        sink = _Sink()
        writer = csv.writer(sink)
        cursor = conn.execute(sql)
        writer.writerow([d[0] for d in cursor.description])
        rows = 0
        for row in cursor:
            writer.writerow(row)
            rows += 1
        conn.close()
        return rows, sink.size

    return run


def _prepare_copy(app):
    """The same SQL through PostgreSQL's COPY ... TO STDOUT WITH CSV."""
    import psycopg

    from backoffice.extensions import db

    sql = _export_sql(app)
    url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)

    def run() -> tuple[int, int]:
        lines = size = 0
        copy_sql = f"COPY ({sql}) TO STDOUT WITH CSV HEADER"
        with psycopg.connect(url) as conn, conn.cursor() as cur, cur.copy(copy_sql) as copy:
            for data in copy:
                lines += bytes(data).count(b"\n")
                size += len(data)
        return lines - 1, size

    return run


def worker(name: str, password: str) -> None:
    """Run one contender and print its figures as JSON."""
    from backoffice import create_app

    app = create_app()
    with app.app_context():
        prepare = {
            OURS: lambda: _prepare_ours(app, password),
            BASELINE["sqlite"]: lambda: _prepare_sqlite(app),
            BASELINE["postgres"]: lambda: _prepare_copy(app),
        }[name]
        run = prepare()
        sampler = _PeakRss()
        start_rss = sampler.peak
        sampler.start()
        started = time.perf_counter()
        rows, size = run()
        seconds = time.perf_counter() - started
        sampler.done.set()
        sampler.join()
    growth = max(sampler.peak, _rss_bytes()) - start_rss
    print(json.dumps({"rows": rows, "bytes": size, "seconds": seconds, "growth": growth}))


if __name__ == "__main__":
    worker(sys.argv[1], sys.argv[2])
