"""Benchmark: background jobs run by a real worker, against baselines measured in the same run.

    .venv/bin/python bench/jobs_bench.py export --rows 1000000 --db sqlite
    .venv/bin/python bench/jobs_bench.py export --rows 1000000 --db postgres
    .venv/bin/python bench/jobs_bench.py bulk --db postgres      # Mark paid on 500,000 orders

Sections (subcommands) share the set-up here: a scratch database seeded with
``manage.py seed-demo`` (``seeded_app``), an admin, the app built in this process
(to start jobs through the real admin forms), and a worker subprocess,
``python manage.py worker --threads 1`` (``Worker``), whose memory is read from
``/proc/<pid>/status``. Another module may add a section: bench/jobs_bench_bulk.py
(``bulk``) is asked to ``add_section(subparsers, common_options_parser)``.

``export``: for each format (CSV, XLSX), the baseline (bench/jobs_baselines.py: the
same SELECT through the driver's raw cursor into csv.writer / raw XlsxWriter
constant_memory, in this process), then the background export job started by POSTing
the order list's "Export in the background" form and run by the worker. Speed is
rows/s (the job's own time: its ``started_at`` to ``finished_at``) and its ratio to
the baseline; memory is the worker's peak growth, VmHWM after the job minus VmRSS just
before it (the high-water mark is reset before each job where the kernel allows,
``/proc/<pid>/clear_refs``). Goal: growth < 100 MB. Exits 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    ADMIN,
    HTTPS,
    PG_SERVER,
    ROOT,
    create_admin,
    csrf_from,
    production_env,
    scratch_database,
    seed,
    signed_in_client,
)
from bench.jobs_baselines import run_baseline
from bench.jobs_bench_bulk import add_section as add_bulk_section

MAX_GROWTH_MB = 100
EXPORT_ROWS = 1_000_000


def _status_kb(pid: int, field: str) -> int:
    """A ``VmRSS`` / ``VmHWM`` line of /proc/<pid>/status, in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for process {pid}")


class Worker:
    """``python manage.py worker`` in a subprocess, with its memory figures."""

    def __init__(self, env: dict, log: Path) -> None:
        self.log = log.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "worker", "--threads", "1"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        time.sleep(3)  # imports, app and consumer start
        if self.proc.poll() is not None:
            sys.exit(f"the worker exited at start:\n{log.read_text()}")

    def before_job(self) -> int:
        """Reset the high-water mark if allowed; the RSS now (kB)."""
        with contextlib.suppress(OSError):
            Path(f"/proc/{self.proc.pid}/clear_refs").write_text("5")
        return _status_kb(self.proc.pid, "VmRSS")

    def peak(self) -> int:
        """The peak RSS (kB) since the last reset."""
        return _status_kb(self.proc.pid, "VmHWM")

    def stop(self) -> None:
        """SIGTERM, then wait (Huey finishes the running task first)."""
        self.proc.terminate()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


@contextlib.contextmanager
def seeded_app(args) -> Iterator[tuple]:
    """``(app, client, env, folder)``: the seeded database, the app, an admin signed in."""
    with (
        tempfile.TemporaryDirectory(prefix="jobs-bench-") as folder,
        contextlib.ExitStack() as stack,
    ):
        env = production_env(
            JOBS_SQLITE_PATH=str(Path(folder) / "queue.db"),
            UPLOAD_DIR=str(Path(folder) / "uploads"),
            STORAGE_BACKEND="local",
        )
        if args.database_url:
            env["DATABASE_URL"] = args.database_url
        else:
            env["DATABASE_URL"] = stack.enter_context(scratch_database(args.db, args.pg_server))
            seed(env, users=max(50, args.rows // 50), orders=args.rows, products=200, books=10)
        password = create_admin(env)
        os.environ.update(env)  # the app of this process: same database, queue and storage
        from backoffice import create_app

        app = create_app()
        with app.app_context():
            yield app, signed_in_client(app, ADMIN, password), env, Path(folder)


def start_export(client, fmt: str) -> int:
    """POST the order list's "Export in the background" form; the job's id."""
    token = csrf_from(client.get("/admin/order/", **HTTPS).get_data(as_text=True))
    response = client.post(
        "/admin/order/export/background/", data={"csrf_token": token, "format": fmt}, **HTTPS
    )
    assert response.status_code == 302, response.status
    return int(response.location.rsplit("-", 1)[1])


def wait_job(app, job_id: int, timeout: float = 3600):
    """Poll the job row until it has ended; the row."""
    from backoffice.extensions import db
    from backoffice.models import Job

    deadline = time.monotonic() + timeout
    while True:
        db.session.expire_all()
        job = db.session.get(Job, job_id)
        db.session.rollback()  # no transaction held open while the worker writes
        if job.state in ("done", "failed", "cancelled"):
            return job
        if time.monotonic() > deadline:
            sys.exit(f"job {job_id} still {job.state} after {timeout:.0f} s")
        time.sleep(0.25)


def _export_one(app, client, worker: Worker, fmt: str) -> tuple[list[tuple], list[str]]:
    """The baseline and the job for one format: table lines, goals missed."""
    base = run_baseline(app, fmt)
    base_rate = base["rows"] / base["seconds"]
    lines = [(f"{fmt} baseline", base["rows"], base["seconds"], base_rate, 1.0, None)]
    rss = worker.before_job()
    job = wait_job(app, start_export(client, fmt))
    growth = (worker.peak() - rss) / 1024
    if job.state != "done":
        return lines, [f"{fmt} job {job.state}: {job.error}"]
    seconds = (job.finished_at - job.started_at).total_seconds()
    rate = job.done / seconds
    lines.append((f"{fmt} job (worker)", job.done, seconds, rate, rate / base_rate, growth))
    failures = []
    if job.done != base["rows"]:
        failures.append(f"{fmt}: the job wrote {job.done:,} rows, the baseline {base['rows']:,}")
    if growth >= MAX_GROWTH_MB:
        failures.append(f"{fmt}: the worker grew {growth:.1f} MB, goal < {MAX_GROWTH_MB} MB")
    return lines, failures


def export_section(args) -> int:
    """Baseline vs background job, for each format; print the table; 1 if a goal is missed."""
    # Not set_defaults: the --rows action is shared with the other sections' parsers.
    args.rows = args.rows or EXPORT_ROWS
    lines, failures = [], []
    with seeded_app(args) as (app, client, env, folder):
        worker = Worker(env, folder / "worker.log")
        try:
            for fmt in args.formats.split(","):
                more_lines, more_failures = _export_one(app, client, worker, fmt)
                lines += more_lines
                failures += more_failures
        finally:
            worker.stop()
    print(f"\n{args.db}, {args.rows:,} orders, one run each")
    head = ("contender", "rows", "seconds", "rows/s", "ratio", "worker +MB")
    print("{:<20}{:>11}{:>9}{:>10}{:>7}{:>11}".format(*head))
    for name, rows, seconds, rate, ratio, growth in lines:
        grown = "" if growth is None else f"{growth:.1f}"
        print(f"{name:<20}{rows:>11,}{seconds:>9.1f}{rate:>10,.0f}{ratio:>7.2f}{grown:>11}")
    for failure in failures:
        print(f"GOAL MISSED: {failure}")
    if not failures:
        print(f"goals met: each job's rows match its baseline; worker growth < {MAX_GROWTH_MB} MB")
    return 1 if failures else 0


def main() -> int:
    """Parse the arguments and run the chosen section."""
    common = argparse.ArgumentParser(add_help=False)  # every section's options
    # No default here: each section has its own (export 1,000,000, bulk 500,000).
    common.add_argument("--rows", type=int, help="orders to seed")
    common.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    common.add_argument("--database-url", help="reuse this already seeded database")
    common.add_argument("--pg-server", default=PG_SERVER)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sections = parser.add_subparsers(dest="section", required=True)
    export = sections.add_parser(
        "export", parents=[common], help="background CSV and XLSX export vs baselines"
    )
    export.add_argument("--formats", default="csv,xlsx", help="comma-separated: csv, xlsx")
    export.set_defaults(run=export_section)
    add_bulk_section(sections, common)
    args = parser.parse_args()
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
