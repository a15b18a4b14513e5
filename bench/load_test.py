"""Load test: gunicorn on PostgreSQL, many concurrent clients, 60 seconds, then invariants.

    .venv/bin/python bench/load_test.py            # 16 clients, 4 workers, 60 s

Bounded: the server listens on 127.0.0.1 only, on a free port; the clients stop at the
deadline and the script stops the server it started. It creates a scratch PostgreSQL
database on --pg-server (dropped at the end), migrates and seeds it (--users, --orders),
puts --hot-stock units on --hot-products products, and starts
``gunicorn --workers N "backoffice:create_app()"`` in production mode with rate-limit
counters in Redis (--redis) and uploads in a temporary directory.

The login rate limit is raised for the run (LOGIN_RATE_LIMIT=100000/minute): every
client logs in from 127.0.0.1, which the production limit of 10 a minute would stop
after ten logins; so is the API key's (API_RATE_LIMIT), all clients sharing one key.
Passwords are bcrypt at the configured cost (BCRYPT_ROUNDS, 12).

The mix (see bench/load_clients.py): logins (fresh session each), admin list pages
with filters, searches and sorts, filtered CSV exports, order placements through the
admin's create form (with CSRF; the hot products run out, so later ones are refused),
avatar uploads, and orders placed through the REST API with an Idempotency-Key and
retries, some retried late and some sent from four connections at once
(bench/load_api.py). Afterwards bench/load_checks.py compares what the clients were told
with the database. The clients and the server share this machine's cores. Exit 1 on
any 5xx, transport error or broken invariant.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter, defaultdict
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text

from bench.common import (
    PG_SERVER,
    ROOT,
    cpu_snapshot,
    cpu_split,
    create_admin,
    production_env,
    scratch_database,
    seed,
)
from bench.common import summary as stats
from bench.load_api import make_key
from bench.load_api import place as place_through_api
from bench.load_checks import check, stock
from bench.load_clients import MIX, Plan, run_clients

STAFF = "bench-staff@example.com"
DEMO_PASSWORD = "demo-customer-password"  # noqa: S105 - seed-demo's customers


def free_port() -> int:
    """A port nobody listens on (loopback)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(env: dict, workers: int, log: Path):
    """gunicorn on 127.0.0.1:<free port> until the block ends; yields (port, master pid)."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "60",
        "--error-logfile",
        str(log),
        "backoffice:create_app()",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not come up")
        yield port, server.pid
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def prepare(url: str, args, staff_password: str, port: int) -> Plan:
    """Pick customers and hot products (their stock set), and the pages to request."""
    engine = create_engine(url)
    with engine.begin() as conn:
        customers = conn.execute(
            text(
                "SELECT id, email FROM users WHERE active AND erased_at IS NULL"
                " AND id NOT IN (SELECT user_id FROM roles_users) ORDER BY id LIMIT 400"
            )
        ).all()
        hot = conn.execute(
            text(
                "UPDATE products SET stock = :stock, is_available = true WHERE id IN"
                " (SELECT id FROM products ORDER BY id LIMIT :n) RETURNING id, sku"
            ),
            {"stock": args.hot_stock, "n": args.hot_products},
        ).all()
    engine.dispose()
    week = (dt.datetime.now(dt.UTC) - dt.timedelta(days=7)).strftime("%Y-%m-%d+%H:%M:%S")
    day = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).strftime("%Y-%m-%d+%H:%M:%S")
    emails = [email for _, email in customers[:50]]
    lists = [
        "/admin/order/",
        "/admin/order/?flt0_status_equals=paid",
        "/admin/order/?sort=3&desc=1",
        f"/admin/order/?flt0_created_at_greater_than={week}",
        "/admin/user/?search=grace",
        "/admin/product/?flt0_category_equals=home",
        "/admin/userprofile/",
        "/admin/",
        *(f"/admin/order/?flt0_customer_email_equals={e}" for e in emails[:10]),
    ]
    exports = [f"/admin/order/export/csv/?flt0_customer_email_equals={e}" for e in emails]
    exports.append(f"/admin/order/export/csv/?flt0_created_at_greater_than={day}")
    return Plan(
        port=port,
        staff=(STAFF, staff_password),
        customers=[tuple(c) for c in customers],
        customer_password=DEMO_PASSWORD,
        hot_products=sorted(product for product, _ in hot),
        lists=lists,
        exports=exports,
        mix=dict(MIX),
        hot_skus=dict(hot),
        handlers={"api order": place_through_api},
    )


def report(results, seconds: float) -> list[str]:
    """Print requests/s and latency per kind; the problems (5xx, transport errors)."""
    by_kind: dict[str, list] = defaultdict(list)
    for kind, status, elapsed in results.timings:
        by_kind[kind].append((status, elapsed * 1000))
    total = len(results.timings)
    print(f"\n{total:,} requests in {seconds:.1f} s: {total / seconds:,.1f} requests/s")
    print(
        f"{'kind':<14}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  statuses"
    )
    problems = []
    for kind, rows in sorted(by_kind.items()):
        s = stats([ms for _, ms in rows])
        codes = dict(sorted(Counter(status for status, _ in rows).items()))
        print(
            f"{kind:<14}{len(rows):>9,}{len(rows) / seconds:>8.1f}{s['median']:>9.1f}"
            f"{s['p95']:>9.1f}{s['p99']:>9.1f}  {codes}"
        )
        errors = sum(n for code, n in codes.items() if code >= 500 or code == 0)
        if errors:
            problems.append(f"{kind}: {errors} answers 5xx or no answer")
    placed = sum(1 for _, status, _ in results.placements if status in (302, 201))
    refused = sum(1 for _, status, _ in results.placements if status in (200, 422))
    through_api = len(results.api_answers)
    retried = sum(1 for _, statuses, _ in results.api_answers if len(statuses) > 1)
    print(
        f"orders placed {placed:,}, refused (out of stock) {refused:,}; through the API "
        f"{through_api:,}, of which {retried:,} sent more than once (late or at once); "
        f"avatar uploads {len(results.uploads):,} for {len(results.avatars)} customers"
    )
    return problems


def main() -> int:
    """Prepare, serve, load, check; exit 1 when anything failed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--clients", type=int, default=16, help="concurrent client threads")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--hot-products", type=int, default=8)
    parser.add_argument("--hot-stock", type=int, default=100)
    parser.add_argument("--pg-server", default=PG_SERVER)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/3")
    args = parser.parse_args()
    import redis

    redis.Redis.from_url(args.redis).ping()  # fail now, not inside every worker
    with (
        scratch_database("postgres", args.pg_server) as url,
        tempfile.TemporaryDirectory(prefix="load-uploads-") as uploads,
    ):
        env = production_env(
            DATABASE_URL=url,
            UPLOAD_DIR=uploads,
            STORAGE_BACKEND="local",
            RATELIMIT_STORAGE_URI=args.redis,
            LOGIN_RATE_LIMIT="100000/minute",
            API_RATE_LIMIT="1000000/minute",
        )
        seed(env, users=args.users, orders=args.orders)
        staff_password = create_admin(env, STAFF, role="staff")
        log = Path(uploads).parent / f"load-gunicorn-{os.getpid()}.log"
        with gunicorn(env, args.workers, log) as (port, master):
            plan = prepare(url, args, staff_password, port)
            plan.api_key = make_key(env)
            before = stock(url)
            print(
                f"{args.clients} clients, {args.workers} gunicorn workers, {args.duration:.0f} s; "
                f"{len(plan.hot_products)} products with {args.hot_stock} units each"
            )
            cpu = []
            results, seconds = run_clients(
                plan, args.clients, args.duration, lambda: cpu.append(cpu_snapshot(master))
            )
            cpu = cpu_split(cpu[0], cpu_snapshot(master))
        problems = report(results, seconds)
        print(cpu)
        problems += check(url, before, results, uploads)
        tracebacks = log.read_text().count("Traceback") if log.exists() else 0
        if tracebacks:
            problems.append(f"{tracebacks} tracebacks in the server log {log}")
        else:
            log.unlink(missing_ok=True)
    for problem in problems[:50]:
        print(f"PROBLEM: {problem}")
    print("invariants hold, no 5xx" if not problems else f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
