"""Benchmark: streaming CSV export of orders against a plain baseline, in the same run.

    .venv/bin/python bench/export_bench.py --rows 1000000 --db sqlite
    .venv/bin/python bench/export_bench.py --rows 1000000 --db postgres

Seeds a scratch database with ``manage.py seed-demo`` (SQLite file in a temporary
directory, or a PostgreSQL database created and dropped on --pg-server), then runs
each contender in a fresh subprocess, alternating, --repeat times:

- ``export (HTTP)``: GET /admin/order/export/csv/ as an admin, through the Flask test
  client, consuming the whole streamed body (the real endpoint: rights, count, audit
  entry, query, formatting, CSV writer, WSGI iteration);
- ``sqlite3 + csv.writer``: the same SQL text through the stdlib sqlite3 module into
  csv.writer (SQLite only);
- ``COPY TO STDOUT``: ``COPY (same SQL) TO STDOUT WITH CSV HEADER`` read with psycopg
  (PostgreSQL only).

Speed is the best of the runs (the machine is shared; the best run is the least
disturbed). Memory is the growth of the subprocess's resident set size, sampled
every 10 ms by a thread, over its RSS just before the export starts. Goals: the
export reaches >= 0.5x the baseline's rows/s and grows by < 50 MB; the script exits
1 when a goal is missed. --database-url reuses an already seeded database.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ADMIN = "bench-admin@example.com"
MIN_RATIO = 0.5
MAX_GROWTH_MB = 50
BASELINE = {"sqlite": "sqlite3 + csv.writer", "postgres": "COPY TO STDOUT"}
OURS = "export (HTTP)"


# -- worker side: one contender per process --------------------------------------------


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
    client = app.test_client()
    # Production cookies are Secure, and CSRF on HTTPS checks the Referer.
    https = {"base_url": "https://localhost", "headers": {"Referer": "https://localhost/login"}}
    page = client.get("/login", **https).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    login = {"email": ADMIN, "password": password, "csrf_token": token}
    assert client.post("/login", data=login, **https).status_code == 302, "login failed"

    def run() -> tuple[int, int]:
        response = client.get("/admin/order/export/csv/", buffered=False, **https)
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


# -- parent side: scratch database, seeding, runs, table ---------------------------------


def _manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def _scratch(args) -> tuple[str, Callable[[], None]]:
    """A fresh database URL and the function that removes it."""
    if args.db == "sqlite":
        folder = tempfile.mkdtemp(prefix="export-bench-")
        path = Path(folder) / "bench.db"

        def drop() -> None:
            path.unlink(missing_ok=True)
            Path(folder).rmdir()

        return f"sqlite:///{path}", drop
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server = make_url(args.pg_server).set(drivername="postgresql+psycopg")
    name = f"export_bench_{uuid.uuid4().hex[:10]}"
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()

    return server.set(database=name).render_as_string(hide_password=False), drop


def _run(env: dict, name: str, password: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", name, "--password", password],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        sys.exit(f"{name} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    """Parse the arguments, prepare the database, run, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="orders to seed")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--database-url", help="reuse this already seeded database")
    parser.add_argument("--pg-server", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--repeat", type=int, default=3, help="runs per contender")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--password", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.password)
        return 0

    password = secrets.token_urlsafe(16)
    env = dict(
        os.environ,
        BACKOFFICE_ENV="production",
        SECRET_KEY=secrets.token_hex(32),
        SECURITY_PASSWORD_SALT=os.environ.get("SECURITY_PASSWORD_SALT", secrets.token_hex(16)),
        LOG_LEVEL="WARNING",
    )
    drop = None
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    else:
        env["DATABASE_URL"], drop = _scratch(args)
    try:
        if drop is not None:
            _manage(env, "db", "upgrade")
            started = time.perf_counter()
            users = str(max(50, args.rows // 50))
            _manage(env, "seed-demo", "--users", users, "--orders", str(args.rows),
                    "--products", "200", "--books", "10")  # fmt: skip
            print(f"seeded {args.rows:,} orders in {time.perf_counter() - started:.0f} s")
        _manage(env, "create-admin", ADMIN, "--password", password, "--reset")
        return _compare(env, args, password)
    finally:
        if drop is not None:
            drop()


def _compare(env: dict, args, password: str) -> int:
    baseline = BASELINE[args.db]
    results: dict[str, list[dict]] = {baseline: [], OURS: []}
    for _ in range(args.repeat):
        for name in results:  # alternate, so background load hits both alike
            results[name].append(_run(env, name, password))
    best = {n: max(runs, key=lambda r: r["rows"] / r["seconds"]) for n, runs in results.items()}
    base_rate = best[baseline]["rows"] / best[baseline]["seconds"]
    print(f"\n{args.db}, best of {args.repeat} runs each")
    print(f"{'contender':<22}{'rows':>11}{'seconds':>9}{'rows/s':>10}{'ratio':>7}{'peak +MB':>10}")
    for name, run in best.items():
        rate = run["rows"] / run["seconds"]
        peak = max(r["growth"] for r in results[name]) / 2**20
        print(
            f"{name:<22}{run['rows']:>11,}{run['seconds']:>9.2f}{rate:>10,.0f}"
            f"{rate / base_rate:>7.2f}{peak:>10.1f}"
        )
    for name, runs in results.items():
        rates = ", ".join(f"{r['rows'] / r['seconds']:,.0f}" for r in runs)
        print(f"  {name} rows/s, every run: {rates}")
    ours = best[OURS]
    ratio = ours["rows"] / ours["seconds"] / base_rate
    growth = max(r["growth"] for r in results[OURS]) / 2**20
    failures = []
    if ours["rows"] != best[baseline]["rows"]:
        failures.append(f"row counts differ: {ours['rows']} vs {best[baseline]['rows']}")
    if ratio < MIN_RATIO:
        failures.append(f"speed {ratio:.2f}x the baseline, goal >= {MIN_RATIO}x")
    if growth >= MAX_GROWTH_MB:
        failures.append(f"memory grew {growth:.1f} MB, goal < {MAX_GROWTH_MB} MB")
    for failure in failures:
        print(f"GOAL MISSED: {failure}")
    if not failures:
        print(f"goals met: {ratio:.2f}x >= {MIN_RATIO}x, +{growth:.1f} MB < {MAX_GROWTH_MB} MB")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
