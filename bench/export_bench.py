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
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    PG_SERVER,
    ROOT,
    create_admin,
    production_env,
    scratch_database,
    seed,
)
from bench.export_contenders import BASELINE, OURS

MIN_RATIO = 0.5
MAX_GROWTH_MB = 50
WORKER = Path(__file__).with_name("export_contenders.py")


def _run(env: dict, name: str, password: str) -> dict:
    out = subprocess.run(
        [sys.executable, str(WORKER), name, password],
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
    parser.add_argument("--pg-server", default=PG_SERVER)
    parser.add_argument("--repeat", type=int, default=3, help="runs per contender")
    args = parser.parse_args()

    env = production_env()
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
        return _compare(env, args, create_admin(env))
    with scratch_database(args.db, args.pg_server) as url:
        env["DATABASE_URL"] = url
        seed(env, users=max(50, args.rows // 50), orders=args.rows, products=200, books=10)
        return _compare(env, args, create_admin(env))


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
