"""Benchmark: supplier imports (issue 13) run by a real worker, against a raw baseline.

    .venv/bin/python bench/import_bench.py --db sqlite --rows 100000 --xlsx-rows 10000
    .venv/bin/python bench/import_bench.py --db postgres --rows 1000000 --xlsx-rows 100000

A product CSV of ``--rows`` new products (and an XLSX of ``--xlsx-rows`` others, written
with XlsxWriter) is imported into a migrated scratch database the way the admin's Import
page does it: the file is staged in the Storage (``jobs.imports.stage_file``), the dry
run job is queued, ``python manage.py worker --threads 1`` (a subprocess) runs it, then
the apply job of that dry run is queued and run by the same worker. Speed is rows/s over
the job's own time (``started_at`` to ``finished_at``); memory is the worker's peak
growth during each job, VmHWM after minus VmRSS before (the high-water mark is reset
through ``/proc/<pid>/clear_refs`` where the kernel allows, as bench/jobs_bench.py does).

The baseline, in the same run: the same CSV rows inserted into the products table of
another fresh scratch database through the driver alone, ``executemany`` INSERT on
SQLite, ``COPY`` on PostgreSQL (psycopg), one transaction. The XLSX is imported after
the CSV, into a table holding its rows: its raw line inserts the XLSX's rows the same
way after the CSV's, and the XLSX lines are compared to that one. A file over the
default IMPORT_MAX_BYTES (50 MB; a million rows here is ~96 MB) raises that limit for
the run, as an operator would. Goals (issue 13): dry run and apply >= 20,000 rows/s,
growth < 100 MB, >= 0.3x the baseline; each is marked met or not met. Exits 0 either
way (it is a measurement); 1 only when the bench itself fails (a job not done, a row
count off).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PG_SERVER, manage, production_env, scratch_database
from bench.jobs_bench import Worker, wait_job

GOAL_RATE = 20_000
GOAL_GROWTH_MB = 100
GOAL_RATIO = 0.3
HEADERS = ["sku", "name", "category", "description", "price", "stock", "available"]
CATEGORIES = ("books", "games", "garden", "kitchen", "music", "toys")


def product_rows(count: int, prefix: str):
    """``count`` new products as file rows (strings), SKUs ``PREFIX-000001``…"""
    for i in range(1, count + 1):
        yield [
            f"{prefix}-{i:07d}",
            f"Bench product {prefix} {i}",
            CATEGORIES[i % len(CATEGORIES)],
            f"Imported by the bench, line {i}",
            f"{1 + i % 500}.{i % 100:02d}",
            str(i % 1000),
            "yes" if i % 7 else "no",
        ]


def write_csv(path: Path, count: int) -> None:
    """The product CSV."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADERS)
        writer.writerows(product_rows(count, "CSV"))


def write_xlsx(path: Path, count: int) -> None:
    """The product XLSX (constant memory: rows go to disk as written)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Products")
    sheet.write_row(0, 0, HEADERS)
    for r, row in enumerate(product_rows(count, "XLSX"), start=1):
        sheet.write_row(r, 0, [*row[:4], float(row[4]), int(row[5]), row[6]])
    book.close()


def _baseline_rows(count: int, prefix: str):
    """A file's rows as the products table's columns (what the import would write)."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    for sku, name, category, description, price, stock, available in product_rows(count, prefix):
        yield (name, name.casefold(), sku, description, category, price, int(stock),
               available == "yes", now, now)  # fmt: skip


COLUMNS = ("name, name_key, sku, description, category, price, stock, is_available,"
           " created_at, updated_at")  # fmt: skip


def raw_baseline(url: str, count: int, prefix: str = "CSV") -> float:
    """Seconds to insert the ``count`` rows of the ``prefix`` file into the (migrated)
    products table, raw."""
    if url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        rows = [(*r[:7], int(r[7]), r[8].isoformat(" "), r[9].isoformat(" "))
                for r in _baseline_rows(count, prefix)]  # fmt: skip
        before = conn.execute("SELECT count(*) FROM products").fetchone()[0]
        started = time.perf_counter()
        conn.executemany(f"INSERT INTO products ({COLUMNS}) VALUES ({', '.join('?' * 10)})", rows)
        conn.commit()
        seconds = time.perf_counter() - started
        assert conn.execute("SELECT count(*) FROM products").fetchone()[0] == before + count
        conn.close()
        return seconds
    import psycopg

    rows = list(_baseline_rows(count, prefix))
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        before = conn.execute("SELECT count(*) FROM products").fetchone()[0]
        started = time.perf_counter()
        with conn.cursor() as cur, cur.copy(f"COPY products ({COLUMNS}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.commit()
        seconds = time.perf_counter() - started
        assert conn.execute("SELECT count(*) FROM products").fetchone()[0] == before + count
    return seconds


def run_import(app, worker: Worker, path: Path) -> list[tuple]:
    """Dry run then apply of ``path`` through the worker; (name, rows, seconds, growth MB)."""
    from backoffice.extensions import db
    from backoffice.jobs import imports

    with path.open("rb") as fh:
        staged = imports.stage_file(fh, path.name)
    lines = []
    rss = worker.before_job()
    job = imports.start_dry_run(staged, kind="product", user=None)
    db.session.commit()
    checked = wait_job(app, job.id)
    lines.append(_line(f"{path.suffix[1:]} dry run", checked, worker.peak() - rss))
    rss = worker.before_job()
    apply = imports.start_apply(checked, user=None, skip_errors=False)
    db.session.commit()
    applied = wait_job(app, apply.id)
    lines.append(_line(f"{path.suffix[1:]} apply", applied, worker.peak() - rss))
    return lines


def _check_landed(expected: int) -> None:
    """Exit 1 unless the products table holds every imported row."""
    from backoffice.extensions import db
    from backoffice.models import Product

    found = db.session.query(Product).count()
    db.session.rollback()
    if found != expected:
        sys.exit(f"the products table holds {found:,} rows, {expected:,} were imported")


def _line(name: str, job, growth_kb: int) -> tuple:
    if job.state != "done":
        sys.exit(f"{name}: job {job.id} {job.state}: {job.error}")
    seconds = (job.finished_at - job.started_at).total_seconds()
    return name, job.done, seconds, growth_kb / 1024


def report(args, bases: dict[str, float], lines: list[tuple]) -> None:
    """The table and the goals, met or not; each file's lines against its own raw line."""
    raw = "executemany" if args.db == "sqlite" else "COPY"
    counts = {"csv": args.rows, "xlsx": args.xlsx_rows}
    rates = {kind: counts[kind] / seconds for kind, seconds in bases.items()}
    print(f"\n{args.db}: {args.rows:,} CSV rows, {args.xlsx_rows:,} XLSX rows, one run each")
    print("{:<28}{:>11}{:>9}{:>10}{:>7}{:>11}".format(
        "contender", "rows", "seconds", "rows/s", "ratio", "worker +MB"))  # fmt: skip
    for kind, seconds in bases.items():
        label = f"raw {raw}" + ("" if kind == "csv" else " (xlsx rows)")
        print(f"{label:<28}{counts[kind]:>11,}{seconds:>9.1f}{rates[kind]:>10,.0f}"
              f"{1.0:>7.2f}{'':>11}")  # fmt: skip
    for name, rows, seconds, growth in lines:
        rate = rows / seconds
        print(f"{name + ' (worker)':<28}{rows:>11,}{seconds:>9.1f}{rate:>10,.0f}"
              f"{rate / rates[name.split()[0]]:>7.2f}{growth:>11.1f}")  # fmt: skip
    print()
    for name, rows, seconds, growth in lines:
        rate, base_rate = rows / seconds, rates[name.split()[0]]
        goals = (
            (f">= {GOAL_RATE:,} rows/s", rate >= GOAL_RATE),
            (f"< {GOAL_GROWTH_MB} MB", growth < GOAL_GROWTH_MB),
            (f">= {GOAL_RATIO}x raw", rate / base_rate >= GOAL_RATIO),
        )
        marks = "; ".join(f"{goal} {'met' if ok else 'NOT met'}" for goal, ok in goals)
        print(f"{name}: {marks}")


def main() -> int:
    """Parse the arguments, build the files and databases, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--rows", type=int, default=1_000_000, help="CSV rows")
    parser.add_argument("--xlsx-rows", type=int, default=0, help="XLSX rows (0: none)")
    parser.add_argument("--pg-server", default=PG_SERVER)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="import-bench-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        folder = Path(tmp)
        files = [folder / "products.csv"]
        write_csv(files[0], args.rows)
        if args.xlsx_rows:
            files.append(folder / "products.xlsx")
            write_xlsx(files[1], args.xlsx_rows)
        env = production_env(
            JOBS_SQLITE_PATH=str(folder / "queue.db"),
            UPLOAD_DIR=str(folder / "uploads"),
            STORAGE_BACKEND="local",
        )
        biggest = max(path.stat().st_size for path in files)
        if biggest > 50_000_000:  # the default IMPORT_MAX_BYTES: a million rows is ~96 MB
            env["IMPORT_MAX_BYTES"] = str(biggest)
            print(f"IMPORT_MAX_BYTES raised to {biggest:,} for this run", flush=True)
        env["DATABASE_URL"] = stack.enter_context(scratch_database(args.db, args.pg_server))
        manage(env, "db", "upgrade", quiet=True)
        base_url = stack.enter_context(scratch_database(args.db, args.pg_server))
        manage({**env, "DATABASE_URL": base_url}, "db", "upgrade", quiet=True)
        bases = {"csv": raw_baseline(base_url, args.rows)}
        if args.xlsx_rows:  # into the table holding the CSV's rows, as the import does
            bases["xlsx"] = raw_baseline(base_url, args.xlsx_rows, "XLSX")
        os.environ.update(env)  # the app of this process: same database, queue and storage
        from backoffice import create_app

        app = create_app()
        worker = Worker(env, folder / "worker.log")
        try:
            with app.app_context():
                lines = [line for path in files for line in run_import(app, worker, path)]
                _check_landed(args.rows + args.xlsx_rows)
        finally:
            worker.stop()
    report(args, bases, lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
