"""Benchmark: the REST API on a million orders and 100,000 products, against the admin's list.

    .venv/bin/python bench/api_bench.py --db sqlite
    .venv/bin/python bench/api_bench.py --db postgres   # creates and drops a database

Seeds a scratch database (``seed-demo --users 100000 --orders 1000000 --products 100000``),
then serves it with gunicorn (production settings) on 127.0.0.1 and requests it from
this process over a real socket, one request at a time: a 100-row product page, a
100-row order page, the 10,000th 100-row page of orders (its cursor made from the id
the 9,999th page ends on, as a client walking there would hold it), and an order
placement (``POST /api/v1/orders`` with a fresh Idempotency-Key). Each round requests
each of them once and the admin's order list (signed in as an admin) once, so load on
the machine hits all alike; every figure is also given as a ratio to the admin list's
median in the same run. On a shared machine waiting for a core inflates the medians:
the CPU the gunicorn processes spent per request (mean, from /proc, so not counting
the wait) is printed too.

Goal: API list pages < 20 ms median on SQLite. Exits 1 when one is missed.
--database-url reuses an already seeded database.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text

from bench.common import (
    ADMIN,
    PG_SERVER,
    create_admin,
    manage,
    process_cpu,
    production_env,
    scratch_database,
    seed,
    summary,
)
from bench.load_clients import Session
from bench.load_test import gunicorn

GOAL_MS = 20.0
PAGE = 100
DEEP_PAGE = 10_000
LISTS = ("products, 100 rows", "orders, 100 rows", "orders, page 10,000")
SCOPES = ("catalog:read", "orders:read", "orders:write")


def api_key(env: dict) -> str:
    """A key for the run, made with the CLI (which prints it last)."""
    args = ["api-key", "create", f"bench-{uuid.uuid4().hex[:8]}"]
    for scope in SCOPES:
        args += ["--scope", scope]
    return manage(env, *args, quiet=True).strip().splitlines()[-1]


def prepare(url: str) -> tuple[str, dict]:
    """The deep page's URL and an order to place (a customer, a product with ample stock)."""
    from backoffice.api.common import encode_cursor

    engine = create_engine(url)
    with engine.begin() as conn:
        total = conn.scalar(text("SELECT count(*) FROM orders"))
        page = min(DEEP_PAGE, max(1, total // PAGE))
        after = conn.scalar(
            text("SELECT id FROM orders ORDER BY id LIMIT 1 OFFSET :n"),
            {"n": (page - 1) * PAGE - 1},
        )
        customer = conn.scalar(
            text(
                "SELECT id FROM users WHERE active AND erased_at IS NULL"
                " AND id NOT IN (SELECT user_id FROM roles_users) ORDER BY id LIMIT 1"
            )
        )
        sku = conn.scalar(
            text(
                "UPDATE products SET stock = 1000000000, is_available = true"
                " WHERE id = (SELECT min(id) FROM products) RETURNING sku"
            )
        )
    engine.dispose()
    deep = f"/api/v1/orders?limit={PAGE}" + (f"&cursor={encode_cursor(after)}" if after else "")
    order = {"customer_id": customer, "shipping_address": "1 Bench Road",
             "items": [{"sku": sku, "quantity": 1}]}  # fmt: skip
    print(f"deep page: {page:,} (after order id {after})", flush=True)
    return deep, order


def measure(port: int, master: int, key: str, password: str, deep: str, order: dict, args):
    """Milliseconds per request and gunicorn CPU milliseconds in all, per label."""
    timings: dict[str, list[float]] = {}
    cpu: dict[str, float] = {}
    admin = Session(port, lambda *a: None)
    assert admin.login(ADMIN, password), "admin login failed"
    api = Session(port, lambda *a: None)
    auth = {"Authorization": f"Bearer {key}"}
    body = json.dumps(order)
    requests = [
        ("admin order list", admin, "GET", "/admin/order/", None, {}),
        ("products, 100 rows", api, "GET", f"/api/v1/products?limit={PAGE}", None, auth),
        ("orders, 100 rows", api, "GET", f"/api/v1/orders?limit={PAGE}", None, auth),
        ("orders, page 10,000", api, "GET", deep, None, auth),
        ("place an order", api, "POST", "/api/v1/orders", body, auth),
    ]
    for n in range(args.warmup + args.rounds):
        for label, session, method, path, data, headers in requests:
            headers = dict(headers)
            if method == "POST":
                headers |= {"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex}
            server = process_cpu(master)
            started = time.perf_counter()
            status, _ = session.request(label, method, path, data, headers)
            elapsed = (time.perf_counter() - started) * 1000
            assert status in (200, 201), (label, status)
            if n >= args.warmup:
                timings.setdefault(label, []).append(elapsed)
                cpu[label] = cpu.get(label, 0.0) + (process_cpu(master) - server) * 1000
    return timings, cpu


def run(env: dict, url: str, args) -> int:
    """Serve, measure, print the table; 1 if a goal is missed."""
    password = create_admin(env)
    key = api_key(env)
    deep, order = prepare(url)
    log = Path(tempfile.gettempdir()) / f"api-bench-gunicorn-{os.getpid()}.log"
    with gunicorn(env, args.workers, log) as (port, master):
        timings, cpu = measure(port, master, key, password, deep, order, args)
    base = statistics.median(timings["admin order list"])
    print(f"\n{args.db}: medians over {args.rounds} rounds (after {args.warmup} warm-up), "
          f"gunicorn {args.workers} worker(s), one client")  # fmt: skip
    print(f"{'request':<22}{'median ms':>10}{'p95 ms':>9}{'min ms':>9}{'vs admin':>10}"
          f"{'CPU ms':>8}{'goal':>8}")  # fmt: skip
    for label, values in timings.items():
        s = summary(values)
        goal = f"< {GOAL_MS:.0f}" if label in LISTS else ""
        print(f"{label:<22}{s['median']:>10.1f}{s['p95']:>9.1f}{s['min']:>9.1f}"
              f"{s['median'] / base:>9.2f}x{cpu[label] / len(values):>8.1f}{goal:>8}")  # fmt: skip
    failures = [
        f"{label}: median {statistics.median(timings[label]):.1f} ms, goal < {GOAL_MS:.0f} ms"
        for label in LISTS
        if args.db == "sqlite" and statistics.median(timings[label]) >= GOAL_MS
    ]
    for failure in failures:
        print(f"GOAL MISSED: {failure}")
    print("goals met" if not failures else f"{len(failures)} goal(s) missed")
    if log.exists() and "Traceback" not in log.read_text():
        log.unlink()
    return 1 if failures else 0


def main() -> int:
    """Parse the arguments, prepare the database, measure."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--database-url", help="reuse this already seeded database")
    parser.add_argument("--pg-server", default=PG_SERVER)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--rounds", type=int, default=40, help="measured requests each")
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()
    env = production_env(API_RATE_LIMIT="1000000/minute", LOGIN_RATE_LIMIT="1000/minute")
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
        return run(env, args.database_url, args)
    with scratch_database(args.db, args.pg_server) as url:
        env["DATABASE_URL"] = url
        seed(env, users=args.users, orders=args.orders, products=args.products, books=5000)
        return run(env, url, args)


if __name__ == "__main__":
    sys.exit(main())
