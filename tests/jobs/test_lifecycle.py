"""The job's life: enqueued only once its start commits, cancelled mid-way, run once,
and the same end to end run on a Redis queue."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.jobs.records import start_job
from backoffice.jobs.runner import run_job
from backoffice.models import Job, Product, User
from backoffice.storage import get_storage
from tests.jobs.conftest import job_row, wait_ended, wait_for
from tests.support.apps import make_app
from tests.support.http import csrf_token, login
from tests.support.worker import running_worker

REDIS_URL = "redis://127.0.0.1:6379/0"


def add_products(app, count: int) -> None:
    with app.app_context():
        db.session.add_all(
            Product(name=f"Lamp {i}", sku=f"LAMP-{i:04d}", price=Decimal("9.99"))
            for i in range(count)
        )
        db.session.commit()


def start_product_export(client) -> int:
    token = csrf_token(client, "/admin/product/")
    response = client.post("/admin/product/export/background/", data={"csrf_token": token})
    assert response.status_code == 302
    return int(response.location.rsplit("-", 1)[1])


def test_a_start_that_rolls_back_enqueues_nothing(app, users):
    huey = app.extensions["huey"]
    with app.app_context():
        staff = db.session.get(User, users["staff"])
        start_job("export_csv", {"view": "product"}, user=staff, summary="CSV export of Products")
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Job)) == 0
        assert huey.pending_count() == 0

        start_job("export_csv", {"view": "product"}, user=staff, summary="CSV export of Products")
        assert huey.pending_count() == 0  # not before the commit
        db.session.commit()
        assert huey.pending_count() == 1


def test_a_job_runs_once_even_if_delivered_twice(app, staff_client):
    add_products(app, 3)
    job_id = start_product_export(staff_client)
    with app.app_context():
        run_job(job_id)
        first = db.session.get(Job, job_id).result_key
        run_job(job_id)  # a second delivery finds the job taken and does nothing
        assert db.session.get(Job, job_id).result_key == first
        assert sorted(get_storage().iter_keys()) == [first]


@pytest.mark.config(JOB_BATCH_SIZE=1)
def test_cancelling_a_running_export_stops_it_at_the_next_batch(app, staff_client, worker):
    add_products(app, 400)
    job_id = start_product_export(staff_client)
    wait_for(lambda: job_row(app, job_id).done >= 1)
    token = csrf_token(staff_client, "/admin/jobs/")
    assert (
        staff_client.post(f"/admin/jobs/{job_id}/cancel", data={"csrf_token": token}).status_code
        == 302
    )
    job = wait_ended(app, job_id)
    wait_for(lambda: app.extensions["huey"].pending_count() == 0)
    done_at_cancel = job.done
    job = job_row(app, job_id)
    assert job.state == "cancelled"
    assert job.result_key is None
    assert job.done < job.total == 400
    assert job.done <= done_at_cancel + 1  # stopped at the next batch
    with app.app_context():
        assert list(get_storage().iter_keys()) == []
    status = staff_client.get(f"/admin/jobs/{job_id}/status").get_json()
    assert (status["state"], status["result_url"]) == ("cancelled", None)


@pytest.fixture
def redis_app(app, migrated, app_config):
    """Like ``app`` (same database and password salt), its queue on the local Redis
    under a name of this test's own."""
    try:
        Redis.from_url(REDIS_URL, socket_timeout=1).ping()
    except RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    redis_app = make_app(
        migrated,
        **app_config,
        JOBS_REDIS_URL=REDIS_URL,
        JOBS_QUEUE_NAME=f"backoffice-test-{uuid.uuid4().hex}",
        SECURITY_PASSWORD_SALT=app.config["SECURITY_PASSWORD_SALT"],
    )
    yield redis_app
    redis_app.extensions["huey"].flush()  # every key of this queue
    with redis_app.app_context():
        db.engine.dispose()


def test_export_end_to_end_on_a_redis_queue(redis_app, users):
    app = redis_app
    add_products(app, 7)
    client = app.test_client()
    assert login(client, "staff@example.com").status_code == 302
    job_id = start_product_export(client)
    assert app.extensions["huey"].pending_count() == 1
    with running_worker(app):
        job = wait_ended(app, job_id)
    assert (job.state, job.done, job.total) == ("done", 7, 7)
    rows = client.get(f"/admin/jobs/{job_id}/download").get_data(as_text=True).splitlines()
    assert len(rows) == 1 + 7


@pytest.mark.config(JOBS_REDIS_URL="redis://127.0.0.1:1/0")
def test_a_queue_that_is_down_is_a_clear_503_and_a_failed_job(app, staff_client):
    token = csrf_token(staff_client, "/admin/product/")
    response = staff_client.post("/admin/product/export/background/", data={"csrf_token": token})
    assert response.status_code == 503
    assert "job queue could not be reached" in response.get_data(as_text=True)
    with app.app_context():
        [job] = db.session.scalars(select(Job)).all()
        assert (job.state, job.result_key) == ("failed", None)
        assert "could not be reached" in job.error
