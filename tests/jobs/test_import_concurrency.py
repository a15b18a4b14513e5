"""A stock list imported while orders are placed (PostgreSQL, real threads): in add mode
every sale and every delivery count; in set mode nothing is oversold and a figure read
before a sale is never written over it."""

from __future__ import annotations

import random
import threading

import pytest
from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.jobs import imports
from backoffice.jobs.runner import run_job
from backoffice.models import Job, OrderItem, User
from backoffice.services.catalog_bulk import STOCK_MOVED
from backoffice.services.orders import OrderError, place_order
from tests.imports.files import write_csv
from tests.jobs.test_bulk_jobs import add_stock, stocks

pytestmark = [pytest.mark.postgres_only, pytest.mark.config(JOB_BATCH_SIZE=10)]
ROWS = 300


def sold(app) -> dict[int, int]:
    with app.app_context():
        query = select(OrderItem.product_id, func.sum(OrderItem.quantity)).group_by(
            OrderItem.product_id
        )
        return {pid: int(n) for pid, n in db.session.execute(query)}


def import_while_buying(app, users, tmp_path, mode: str, figure: str) -> Job:
    ids = add_stock(app, ROWS, stock=5)
    path = write_csv(
        tmp_path / "s.csv", [["SKU", "Qty"], *([f"LAMP-{i:04d}", figure] for i in range(ROWS))]
    )
    with app.app_context():
        staff = db.session.get(User, users["staff"])
        with path.open("rb") as fh:
            staged = imports.stage_file(fh, path.name)
        dry = imports.start_dry_run(staged, kind="stock", user=staff, mode=mode, enqueue=False)
        db.session.commit()
        run_job(dry.id)
        apply_id = imports.start_apply(db.session.get(Job, dry.id), user=staff, enqueue=False).id
        db.session.commit()
    stop = threading.Event()
    errors: list[str] = []

    def buy():
        rng = random.Random(7)
        with app.app_context():
            while not stop.is_set():
                try:
                    place_order(users["customer"], [(rng.choice(ids), 1)], "1 High Street")
                    db.session.commit()
                except OrderError:
                    db.session.rollback()
                except Exception as exc:  # a bug the test must show
                    errors.append(repr(exc))
                    db.session.rollback()

    buyers = [threading.Thread(target=buy) for _ in range(3)]
    for thread in buyers:
        thread.start()
    try:
        with app.app_context():
            run_job(apply_id)
    finally:
        stop.set()
        for thread in buyers:
            thread.join(timeout=30)
    assert errors == []
    with app.app_context():
        return db.session.get(Job, apply_id)


def test_add_mode_loses_no_sale(app, users, tmp_path):
    job = import_while_buying(app, users, tmp_path, "add", "3")
    assert job.state == "done", job.error
    units = sold(app)
    assert sum(units.values()) > 0, "no order was placed during the import: make it longer"
    assert job.checkpoint["counts"]["updated"] == ROWS
    left = sum(
        n for reason, n in job.checkpoint["counts"].items() if reason.startswith(("skip", "conf"))
    )
    assert left == 0
    assert stocks(app) == {pid: 5 + 3 - units.get(pid, 0) for pid in stocks(app)}


def test_set_mode_never_writes_over_a_sale(app, users, tmp_path):
    job = import_while_buying(app, users, tmp_path, "set", "50")
    assert job.state == "done", job.error
    units = sold(app)
    assert sum(units.values()) > 0
    final = stocks(app)
    assert min(final.values()) >= 0
    counts = job.checkpoint["counts"]
    assert counts["updated"] + counts.get(f"conflict: {STOCK_MOVED}", 0) == ROWS
    assert len(job.checkpoint["conflicts"]) == min(100, ROWS - counts["updated"])
    for pid, stock in final.items():
        # written: 50 less what sold after the write; skipped: 5 less everything sold.
        assert stock == 5 - units.get(pid, 0) or 50 - units.get(pid, 0) <= stock <= 50
