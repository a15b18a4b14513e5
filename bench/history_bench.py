"""Benchmark: a record's History tab with 1,000,000 audit entries.

    .venv/bin/python bench/history_bench.py --db sqlite
    .venv/bin/python bench/history_bench.py --db postgres   # creates and drops a database

Builds a scratch database with the real migrations, one product, and --entries audit
entries (default 1,000,000) spread over 20,000 products, users and orders, the benched
product holding --own of them (default 500: 25 pages). Then times, over --rounds rounds:

- ``services.history.record_history`` for the first and the last page (the query alone);
- ``GET /admin/product/history/?id=N`` (first page) through the Flask test client in
  this process, signed in as an admin: the whole app stack, no network.

Goal: the page's median < 50 ms. Exits 1 when missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    ADMIN,
    HTTPS,
    create_admin,
    manage,
    production_env,
    scratch_database,
    signed_in_client,
)

CHUNK = 20_000
GOAL_MS = 50.0


def fill(app, entries: int, own: int) -> int:
    """The product and the audit entries; the product's id."""
    from sqlalchemy import insert

    from backoffice.extensions import db
    from backoffice.models import AuditLog, Product
    from backoffice.services.bulk_load import fast_sqlite_session, refresh_statistics

    rng = random.Random(16)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with app.app_context():
        fast_sqlite_session()
        product = Product(name="Bench lamp", sku="BENCH-1", price=10, stock=5)
        db.session.add(product)
        db.session.commit()
        mine = set(rng.sample(range(entries), own))
        rows = []
        for n in range(entries):
            if n in mine:
                model, object_id = "Product", str(product.id)
            else:
                model = rng.choice(("Product", "User", "Order", "Book", "UserProfile"))
                object_id = str(rng.randrange(2, 20_000))
            before, after = f"{rng.randrange(1, 999)}.00", f"{rng.randrange(1, 999)}.00"
            rows.append({
                "created_at": start + dt.timedelta(seconds=n * 30),
                "actor_email": ADMIN, "action": "update", "model": model,
                "object_id": object_id, "summary": f"Updated {model} {object_id}",
                "changes": {"price": {"before": before, "after": after}},
            })  # fmt: skip
            if len(rows) == CHUNK:
                db.session.execute(insert(AuditLog), rows)
                db.session.commit()
                rows = []
        if rows:
            db.session.execute(insert(AuditLog), rows)
            db.session.commit()
        refresh_statistics([AuditLog, Product])
        return product.id


def explain(app, product: int) -> None:
    """Print the plans of a history page's two queries (count, then the page)."""
    from sqlalchemy import text

    from backoffice.extensions import db

    analyze = "EXPLAIN ANALYZE" if db.engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN"
    where = "model = 'Product' AND object_id = :id"
    for sql in (
        f"SELECT count(*) FROM audit_log WHERE {where}",
        f"SELECT * FROM audit_log WHERE {where} ORDER BY created_at DESC, id DESC LIMIT 20",
    ):
        print(sql)
        for row in db.session.execute(text(f"{analyze} {sql}"), {"id": str(product)}):
            print("   ", " ".join(str(v) for v in row))


def timed(fn, rounds: int) -> float:
    """Median milliseconds of ``fn()`` over ``rounds`` runs (after two warm-ups)."""
    for _ in range(2):
        fn()
    runs = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - started) * 1000)
    return statistics.median(runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--own", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--explain", action="store_true", help="print the queries' plans")
    args = parser.parse_args()
    with scratch_database(args.db) as url:
        env = production_env(DATABASE_URL=url)
        manage(env, "db", "upgrade", quiet=True)
        password = create_admin(env)
        os.environ.update(env)
        from backoffice import create_app
        from backoffice.extensions import db
        from backoffice.services.history import PER_PAGE, record_history

        app = create_app()
        started = time.perf_counter()
        product = fill(app, args.entries, args.own)
        print(f"{args.db}: {args.entries:,} audit entries in {time.perf_counter() - started:.0f} s")
        last = -(-args.own // PER_PAGE)
        with app.app_context():
            if args.explain:
                explain(app, product)
            first_ms = timed(lambda: record_history("Product", product, 1), args.rounds)
            last_ms = timed(lambda: record_history("Product", product, last), args.rounds)
            db.session.remove()
        client = signed_in_client(app, ADMIN, password)
        url_path = f"/admin/product/history/?id={product}"

        def page() -> None:
            response = client.get(url_path, **HTTPS)
            assert response.status_code == 200, response.status_code

        page_ms = timed(page, args.rounds)
        print(f"record_history page 1: {first_ms:.1f} ms, page {last}: {last_ms:.1f} ms (median)")
        print(
            f"GET {url_path} (page 1 of {last}): {page_ms:.1f} ms median; goal < {GOAL_MS:.0f} ms"
        )
        with app.app_context():
            db.engine.dispose()
    return 0 if page_ms < GOAL_MS else 1


if __name__ == "__main__":
    sys.exit(main())
