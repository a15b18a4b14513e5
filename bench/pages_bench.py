"""Benchmark: admin pages on a million orders, and login against one bcrypt verification.

    .venv/bin/python bench/pages_bench.py --db sqlite
    .venv/bin/python bench/pages_bench.py --db postgres   # creates and drops a database

Seeds a scratch database with ``seed-demo --users 100000 --orders 1000000`` (timed:
the seeding goal is about two minutes on SQLite), then requests the pages through the
Flask test client in this process (production settings, the whole app stack, no
network or server), signed in as an admin. Every round requests every page once, so
background load hits all pages alike; the figures are medians over --rounds rounds
after --warmup rounds.

Login is ``POST /login`` then ``POST /tf-validate`` with the authenticator code (the admin
has two factors, issue 15), with a fresh session each time (the forms' GETs, for the CSRF
tokens, are not timed), alternating with its baseline: one ``bcrypt.checkpw`` at the
configured cost (BCRYPT_ROUNDS, default 12) on a hash made here. The login rate limit
is raised for the run (LOGIN_RATE_LIMIT=1000/minute): every login comes from one
address.

Goals: order list median < 50 ms, dashboard < 200 ms, login (password + code) <= 1.3x
bcrypt. The script
exits 1 when one is missed. --database-url reuses an already seeded database.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    ADMIN,
    HTTPS,
    PG_SERVER,
    authenticator_code,
    create_admin,
    csrf_from,
    production_env,
    scratch_database,
    seed,
    signed_in_client,
    summary,
)

GOALS_MS = {"order list": 50.0, "dashboard": 200.0}
LOGIN_RATIO = 1.3


def pages(customer: str, week_ago: str) -> list[tuple[str, str]]:
    """(label, URL) of the pages measured."""
    return [
        ("order list", "/admin/order/"),
        ("order list, 100 rows", "/admin/order/?page_size=100"),
        ("orders: status = paid", "/admin/order/?flt0_status_equals=paid"),
        ("orders: status = delivered", "/admin/order/?flt0_status_equals=delivered"),
        ("orders: one customer", f"/admin/order/?flt0_customer_email_equals={customer}"),
        ("orders: last 7 days", f"/admin/order/?flt0_created_at_greater_than={week_ago}"),
        ("orders: by total", "/admin/order/?sort=3&desc=1"),
        ("orders: page 400", "/admin/order/?page=400"),
        ("dashboard", "/admin/"),
        ("users", "/admin/user/"),
        ("profiles", "/admin/userprofile/"),
        ("products", "/admin/product/"),
        ("books", "/admin/book/"),
        ("audit log", "/admin/auditlog/"),
        ("customer lookup", "/admin/order/ajax/lookup/?name=user&query=grace.h"),
        ("product lookup", "/admin/order/ajax/lookup/?name=orderitem-product&query=sm"),
    ]


def time_pages(client, urls: list[tuple[str, str]], rounds: int, warmup: int) -> dict:
    """Milliseconds per request, per page label."""
    timings: dict[str, list[float]] = {label: [] for label, _ in urls}
    for n in range(warmup + rounds):
        for label, url in urls:
            started = time.perf_counter()
            response = client.get(url, **HTTPS)
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, (url, response.status_code)
            if n >= warmup:
                timings[label].append(elapsed)
    return timings


def time_logins(app, password: str, count: int) -> tuple[list[float], list[float]]:
    """Milliseconds of ``count`` logins and of as many bcrypt verifications, alternating."""
    import bcrypt

    rounds = int(app.config["BCRYPT_ROUNDS"])
    secret = password.encode()
    hashed = bcrypt.hashpw(secret, bcrypt.gensalt(rounds=rounds))
    logins, baseline = [], []
    for _ in range(count):
        started = time.perf_counter()
        assert bcrypt.checkpw(secret, hashed)
        baseline.append((time.perf_counter() - started) * 1000)
        client = app.test_client()
        token = csrf_from(client.get("/login", **HTTPS).get_data(as_text=True))
        data = {"email": ADMIN, "password": password, "csrf_token": token}
        started = time.perf_counter()
        response = client.post("/login", data=data, **HTTPS)
        elapsed = time.perf_counter() - started
        assert "/tf-validate" in response.headers.get("Location", ""), "no code asked"
        token = csrf_from(client.get("/tf-validate", **HTTPS).get_data(as_text=True))
        data = {"code": authenticator_code(ADMIN), "csrf_token": token}
        started = time.perf_counter()
        response = client.post("/tf-validate", data=data, **HTTPS)
        logins.append((elapsed + time.perf_counter() - started) * 1000)
        assert response.status_code == 302, "login failed"
    return logins, baseline


def _sample_customer(app) -> str:
    from sqlalchemy import select

    from backoffice.extensions import db
    from backoffice.models import Order, User

    with app.app_context():
        return db.session.scalar(
            select(User.email).join(Order, Order.user_id == User.id).order_by(Order.id).limit(1)
        )


def run(env: dict, args) -> int:
    """Measure with the database in ``env``; print the table; 1 if a goal is missed."""
    import datetime as dt

    password = create_admin(env)
    os.environ.update(env)
    from backoffice import create_app
    from backoffice.extensions import db

    app = create_app()
    week_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(days=7)).strftime("%Y-%m-%d+%H:%M:%S")
    urls = pages(_sample_customer(app), week_ago)
    client = signed_in_client(app, ADMIN, password)
    timings = time_pages(client, urls, args.rounds, args.warmup)
    logins, baseline = time_logins(app, password, args.logins)
    with app.app_context():
        db.engine.dispose()  # so the scratch database can be dropped

    print(f"\n{args.db}: medians over {args.rounds} rounds (after {args.warmup} warm-up)")
    print(f"{'page':<28}{'median ms':>10}{'p95 ms':>9}{'min ms':>9}{'goal':>9}")
    for label, values in timings.items():
        s = summary(values)
        goal = f"< {GOALS_MS[label]:.0f}" if label in GOALS_MS else ""
        print(f"{label:<28}{s['median']:>10.1f}{s['p95']:>9.1f}{s['min']:>9.1f}{goal:>9}")
    login_ms, bcrypt_ms = statistics.median(logins), statistics.median(baseline)
    ratio = login_ms / bcrypt_ms
    rounds = app.config["BCRYPT_ROUNDS"]
    print(f"\nlogin (POST /login + POST /tf-validate) median {login_ms:.1f} ms over {args.logins}; "
          f"bcrypt.checkpw at cost {rounds}: {bcrypt_ms:.1f} ms; ratio {ratio:.2f}")  # fmt: skip

    failures = [
        f"{label}: median {statistics.median(timings[label]):.1f} ms, goal < {goal:.0f} ms"
        for label, goal in GOALS_MS.items()
        if statistics.median(timings[label]) >= goal
    ]
    if ratio > LOGIN_RATIO:
        failures.append(f"login {ratio:.2f}x bcrypt, goal <= {LOGIN_RATIO}x")
    for failure in failures:
        print(f"GOAL MISSED: {failure}")
    if not failures:
        print("goals met")
    return 1 if failures else 0


def main() -> int:
    """Parse the arguments, prepare the database, measure."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--database-url", help="reuse this already seeded database")
    parser.add_argument("--pg-server", default=PG_SERVER)
    parser.add_argument("--rounds", type=int, default=40, help="measured requests per page")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--logins", type=int, default=15)
    args = parser.parse_args()
    env = production_env(LOGIN_RATE_LIMIT="1000/minute")
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
        return run(env, args)
    with scratch_database(args.db, args.pg_server) as url:
        env["DATABASE_URL"] = url
        seed(env, users=args.users, orders=args.orders, products=2000, books=5000)
        return run(env, args)


if __name__ == "__main__":
    sys.exit(main())
