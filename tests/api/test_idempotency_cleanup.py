"""Old Idempotency-Key answers leave the database: a daily worker task, retention configurable."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update

from backoffice.extensions import db
from backoffice.models import IdempotencyRecord, Order
from backoffice.services import idempotency
from tests.api.test_orders import order_body
from tests.support.factories import add_product


def place(client, users, headers, key):
    return client.post(
        "/api/v1/orders",
        json=order_body(users["customer"]),
        headers={**headers, "Idempotency-Key": key},
    )


def age(app, key: str, days: float) -> None:
    """Make the record of ``key`` as old as ``days``."""
    with app.app_context():
        then = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
        db.session.execute(
            update(IdempotencyRecord).where(IdempotencyRecord.key == key).values(created_at=then)
        )
        db.session.commit()


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.config(IDEMPOTENCY_RETENTION_DAYS=3)
def test_the_daily_task_forgets_keys_past_the_retention(app, client, users, full_key):
    add_product(app, sku="LAMP", stock=10)
    for key in ("old", "older", "recent"):
        assert place(client, users, full_key, key).status_code == 201
    age(app, "old", 3.1)
    age(app, "older", 30)
    age(app, "recent", 2.9)
    app.extensions["jobs_tasks"]["remove_expired_idempotency_records"].call_local()
    with app.app_context():
        assert db.session.scalars(select(IdempotencyRecord.key)).all() == ["recent"]
    assert place(client, users, full_key, "recent").headers["Idempotent-Replayed"] == "true"
    assert count(app, Order) == 3
    # A forgotten key is a new request: a client retrying after weeks places again.
    assert "Idempotent-Replayed" not in place(client, users, full_key, "old").headers
    assert count(app, Order) == 4


def test_the_service_deletes_in_batches_oldest_first(app, client, users, full_key):
    add_product(app, sku="LAMP", stock=10)
    for n, key in enumerate(("a", "b", "c")):
        place(client, users, full_key, key)
        age(app, key, 10 + n)
    with app.app_context():
        assert idempotency.remove_expired(7, limit=2) == 2
        db.session.commit()
        assert db.session.scalars(select(IdempotencyRecord.key)).all() == ["a"]
        assert idempotency.remove_expired(7, limit=2) == 1
        assert idempotency.remove_expired(7, limit=2) == 0


def test_it_runs_once_a_day_at_a_quiet_hour(app):
    task = app.extensions["jobs_tasks"]["remove_expired_idempotency_records"].s()
    day = dt.datetime(2030, 1, 15)
    runs = [day + dt.timedelta(minutes=m) for m in range(24 * 60)]
    assert [t.time() for t in runs if task.validate_datetime(t)] == [dt.time(3, 30)]
