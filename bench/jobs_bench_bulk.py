"""Benchmark: "Mark paid" on 500,000 pending orders as a background job.

    .venv/bin/python bench/jobs_bench.py bulk --db postgres        # 500,000 orders
    .venv/bin/python bench/jobs_bench.py bulk --db sqlite --rows 50000
    .venv/bin/python bench/jobs_bench_bulk.py       # the same, run alone (PostgreSQL by default)

The ``bulk`` section of bench/jobs_bench.py (``add_section``), also runnable alone.

Creates a scratch database (dropped at the end), seeds a small demo shop, then inserts
--rows pending orders. gunicorn serves the app (production settings, the queue a
SQLite file in a temporary directory) on 127.0.0.1; a client signs in over a real
socket and confirms "Mark paid" on the order list filtered to status = pending
(``POST /admin/order/bulk/apply?flt0_status_equals=pending``), --starts times: the
first job is kept, the others are cancelled while still queued. Each confirming
request must answer (302, "Started in the background") in < 200 ms (goal, median).

Then ``manage.py worker --threads 1`` runs the job (JOB_BATCH_SIZE rows per batch, each
batch committed with its checkpoint). Its time (started → finished, from the job's
row) is compared with two baselines run raw on the same rows afterwards (reset to
pending, and on PostgreSQL vacuumed, in between): the one set-based UPDATE the
inline path would run, and the same UPDATE in key-order batches of JOB_BATCH_SIZE,
each committed. Exit 1 if the request goal is missed or the counts are not exact.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text

from bench.common import ADMIN, PG_SERVER, ROOT, create_admin, production_env, scratch_database
from bench.common import seed as seed_demo
from bench.load_clients import Session
from bench.load_test import gunicorn

GOAL_MS = 200.0
DEFAULT_ORDERS = 500_000
LIST = "/admin/order/?flt0_status_equals=pending"
APPLY = "/admin/order/bulk/apply?flt0_status_equals=pending"


def add_pending(url: str, count: int, chunk: int = 20_000) -> None:
    """``count`` pending orders of the first customer, inserted in chunks."""
    from backoffice.models import Order

    engine = create_engine(url)
    with engine.begin() as conn:
        user_id = conn.execute(text("SELECT min(id) FROM users")).scalar_one()
    started = time.perf_counter()
    for first in range(0, count, chunk):
        rows = [
            {"user_id": user_id, "status": "pending", "total": Decimal("10.00"),
             "shipping_address": "1 High Street"}
            for _ in range(min(chunk, count - first))
        ]  # fmt: skip
        with engine.begin() as conn:
            conn.execute(Order.__table__.insert(), rows)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE orders"))
        conn.execute(text("CREATE TABLE bench_pending AS SELECT id FROM orders "
                          "WHERE status = 'pending'"))  # fmt: skip
    engine.dispose()
    print(f"inserted {count:,} pending orders in {time.perf_counter() - started:.0f} s")


def confirm(port: int, password: str, starts: int) -> list[float]:
    """Milliseconds of each confirming request (a real socket, gunicorn)."""
    timings: list[float] = []
    session = Session(port, lambda kind, status, seconds: None)
    assert session.login(ADMIN, password), "login failed"
    for _ in range(starts):
        assert session.fetch_token("list", LIST)
        body = {"action": "mark_paid", "scope": "all"}
        started = time.perf_counter()
        status, _ = session.form("apply", APPLY, body)
        timings.append((time.perf_counter() - started) * 1000)
        assert status == 302, f"confirming answered {status}"
    return timings


def run_job(env: dict, url: str) -> tuple[int, float, float, str]:
    """Keep the first job, cancel the others, run a worker: (id, job s, wall s, summary)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        job_id = conn.execute(text("SELECT min(id) FROM jobs")).scalar_one()
        conn.execute(text("UPDATE jobs SET state = 'cancelled' WHERE id <> :id"), {"id": job_id})
    log = open(Path(env["JOBS_SQLITE_PATH"]).with_suffix(".log"), "wb")  # noqa: SIM115
    started = time.perf_counter()
    worker = subprocess.Popen([sys.executable, "manage.py", "worker", "--threads", "1"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        while True:
            with engine.begin() as conn:
                state = conn.execute(
                    text("SELECT state FROM jobs WHERE id = :id"), {"id": job_id}
                ).scalar_one()
            if state not in ("queued", "running"):
                break
            time.sleep(0.1)
        wall = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log.close()
    with engine.begin() as conn:
        row = conn.execute(
            text("SELECT state, started_at, finished_at, summary, error FROM jobs WHERE id = :id"),
            {"id": job_id},
        ).one()
    engine.dispose()
    assert row.state == "done", f"job {row.state}: {row.error}"
    seconds = (_when(row.finished_at) - _when(row.started_at)).total_seconds()
    return job_id, seconds, wall, row.summary


def _when(value):
    import datetime as dt

    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)


def baselines(url: str, batch: int) -> tuple[float, float]:
    """Seconds of the raw set-based UPDATE, then of the same in committed key-order batches."""
    engine = create_engine(url)
    paid = "UPDATE orders SET status = 'paid', updated_at = CURRENT_TIMESTAMP"
    results = []
    for batched in (False, True):
        with engine.begin() as conn:
            conn.execute(text("UPDATE orders SET status = 'pending' "
                              "WHERE id IN (SELECT id FROM bench_pending)"))  # fmt: skip
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE orders"))
        started = time.perf_counter()
        if not batched:
            with engine.begin() as conn:
                conn.execute(text(f"{paid} WHERE status = 'pending'"))
        else:
            last = 0
            while True:
                with engine.begin() as conn:
                    upper = conn.execute(
                        text("SELECT max(id) FROM (SELECT id FROM orders WHERE status = 'pending'"
                             " AND id > :last ORDER BY id LIMIT :n) AS w"),
                        {"last": last, "n": batch},
                    ).scalar()  # fmt: skip
                    if upper is None:
                        break
                    conn.execute(
                        text(f"{paid} WHERE status = 'pending' AND id > :last AND id <= :upper"),
                        {"last": last, "upper": upper},
                    )
                    last = upper
        results.append(time.perf_counter() - started)
    engine.dispose()
    return results[0], results[1]


def add_options(parser: argparse.ArgumentParser) -> None:
    """The options of this section alone (the database options come from the caller)."""
    parser.add_argument("--starts", type=int, default=7, help="confirming requests timed")
    parser.add_argument("--batch", type=int, default=5000, help="JOB_BATCH_SIZE")
    parser.set_defaults(run=run)


def add_section(subparsers, common: argparse.ArgumentParser) -> None:
    """Join bench/jobs_bench.py as its ``bulk`` subcommand, with its common options."""
    bulk = subparsers.add_parser(
        "bulk", parents=[common], help=f"Mark paid on {DEFAULT_ORDERS:,} orders as a job"
    )
    add_options(bulk)


def main() -> int:
    """Run this section on its own: PostgreSQL and 500,000 orders unless told otherwise."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="postgres")
    parser.add_argument("--rows", "--orders", dest="rows", type=int, default=DEFAULT_ORDERS)
    parser.add_argument("--pg-server", default=PG_SERVER)
    add_options(parser)
    args = parser.parse_args()
    return args.run(args)


def run(args) -> int:
    """Seed, serve, confirm, run the job, run the baselines, print; 1 if a goal is missed."""
    if getattr(args, "database_url", None):
        sys.exit("bulk seeds a scratch database of its own: --database-url is not supported")
    orders = args.rows or DEFAULT_ORDERS
    # The scratch database's URL goes to the app through env, never from our own.
    os.environ.pop("DATABASE_URL", None)
    with tempfile.TemporaryDirectory(prefix="bench-jobs-") as folder:
        env = production_env(
            LOGIN_RATE_LIMIT="1000/minute", UPLOAD_DIR=folder, JOB_BATCH_SIZE=str(args.batch),
            JOBS_SQLITE_PATH=str(Path(folder) / "jobs.db"), JOBS_REDIS_URL="",
        )  # fmt: skip
        with scratch_database(args.db, args.pg_server) as url:
            env["DATABASE_URL"] = url
            seed_demo(env, users=1000, orders=1000, products=100, books=100)
            password = create_admin(env)
            add_pending(url, orders)
            with gunicorn(env, 2, Path(folder) / "gunicorn.log") as (port, _master):
                timings = confirm(port, password, args.starts)
            job_id, job_s, wall_s, summary = run_job(env, url)
            raw_s, raw_batched_s = baselines(url, args.batch)
            with create_engine(url).connect() as conn:
                pending = conn.execute(text("SELECT count(*) FROM bench_pending")).scalar_one()
    median = statistics.median(timings)
    print(f"\n{args.db}: Mark paid on {pending:,} pending orders, JOB_BATCH_SIZE={args.batch}")
    print(
        f"confirming request (gunicorn, real socket): median {median:.1f} ms, "
        f"min {min(timings):.1f}, max {max(timings):.1f} over {len(timings)} (goal < 200 ms)"
    )
    print(
        f"job {job_id}: {job_s:.2f} s in the worker ({pending / job_s:,.0f} rows/s); "
        f"{wall_s:.2f} s from worker start to done"
    )
    print(
        f"baseline, one raw UPDATE: {raw_s:.2f} s; raw UPDATE in committed batches of "
        f"{args.batch}: {raw_batched_s:.2f} s; job / one UPDATE = {job_s / raw_s:.2f}x"
    )
    print(f"job summary: {summary}")  # fmt: skip
    failures = []
    if median >= GOAL_MS:
        failures.append(f"confirming median {median:.1f} ms >= {GOAL_MS:.0f} ms")
    if not summary.endswith(f"{pending:,} changed, 0 skipped"):
        failures.append(f"counts: {summary}")
    for failure in failures:
        print(f"GOAL MISSED: {failure}")
    if not failures:
        print("goals met")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
