"""Background CSV export end to end: list → job → real worker → Storage → download."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.jobs.runner import remove_expired_results
from backoffice.models import AuditLog, Job
from backoffice.storage import get_storage
from tests.jobs.conftest import job_row, wait_ended, wait_for
from tests.support.factories import add_order, add_product, add_user
from tests.support.http import csrf_token, login
from tests.support.worker import running_worker

START = "/admin/order/export/background/"


def start(client, query: str = "", **data):
    """POST the list's "Export in the background" form (with the page's CSRF token)."""
    token = csrf_token(client, "/admin/order/")
    return client.post(START + query, data={"csrf_token": token, **data})


def job_ids(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(Job.id).order_by(Job.id)))


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


@pytest.fixture
def orders(app, users) -> dict[str, list[int]]:
    """Five paid and three pending orders of the customer's."""
    product = add_product(app)
    paid = [add_order(app, users["customer"], [(product, 1)], status="paid") for _ in range(5)]
    pending = [add_order(app, users["customer"], [(product, 1)]) for _ in range(3)]
    return {"paid": paid, "pending": pending}


@pytest.mark.config(JOB_BATCH_SIZE=2)
def test_export_of_a_filtered_list_runs_in_the_worker_and_downloads(
    app, staff_client, orders, worker
):
    response = start(staff_client, "?flt0_status_equals=paid&sort=0")
    assert response.status_code == 302
    [job_id] = job_ids(app)
    assert response.location.endswith(f"/admin/jobs/#job-{job_id}")

    job = wait_ended(app, job_id)
    assert (job.state, job.done, job.total, job.error) == ("done", 5, 5, None)
    assert job.params["filters"] == [["status_equals", "paid"]]
    assert "ids" not in job.params
    assert job.result_key.startswith(f"exports/{job_id}-")

    status = staff_client.get(f"/admin/jobs/{job_id}/status").get_json()
    assert set(status) >= {"id", "kind", "state", "done", "total", "message", "result_url"}
    assert status["state"] == "done"
    assert status["result_url"] == f"/admin/jobs/{job_id}/download"

    download = staff_client.get(status["result_url"])
    assert download.status_code == 200
    assert download.mimetype == "text/csv"
    assert download.headers["Content-Disposition"].startswith('attachment; filename="orders-')
    rows = csv_rows(download)
    assert sorted(int(r["Order"]) for r in rows) == sorted(orders["paid"])
    # The same file as the list's own export of the same query.
    direct = staff_client.get("/admin/order/export/csv/?flt0_status_equals=paid&sort=0")
    assert download.get_data() == direct.get_data()

    with app.app_context():
        actions = db.session.scalars(
            select(AuditLog.action).where(AuditLog.model == "Job").order_by(AuditLog.id)
        ).all()
    assert actions == ["job_start", "job_done"]
    page = staff_client.get("/admin/jobs/").get_data(as_text=True)
    assert f'id="job-{job_id}"' in page
    assert "js/jobs.js" in page


def test_a_bad_filter_is_a_400_and_starts_nothing(app, staff_client, orders):
    response = start(staff_client, "?flt0_total_greater_than=lots")
    assert response.status_code == 400
    assert "total_greater_than" in response.get_data(as_text=True)
    response = start(staff_client, "?flt0_nosuch_filter=1")
    assert response.status_code == 400
    assert job_ids(app) == []
    assert app.extensions["huey"].pending_count() == 0


def test_start_and_cancel_need_the_csrf_token(app, staff_client, orders):
    assert staff_client.post(START).status_code == 400
    assert job_ids(app) == []
    assert start(staff_client).status_code == 302
    [job_id] = job_ids(app)
    assert staff_client.post(f"/admin/jobs/{job_id}/cancel").status_code == 400
    assert job_row(app, job_id).state == "queued"


def test_a_cancelled_job_is_not_run_by_the_worker(app, staff_client, orders):
    start(staff_client)
    [job_id] = job_ids(app)
    assert app.extensions["huey"].pending_count() == 1
    token = csrf_token(staff_client, "/admin/jobs/")
    response = staff_client.post(f"/admin/jobs/{job_id}/cancel", data={"csrf_token": token})
    assert response.status_code == 302
    assert job_row(app, job_id).state == "cancelled"

    with running_worker(app):
        wait_for(lambda: app.extensions["huey"].pending_count() == 0)
    job = job_row(app, job_id)
    assert (job.state, job.done, job.result_key) == ("cancelled", 0, None)


def test_staff_see_their_own_jobs_admins_everyone(app, client, users, orders, worker):
    login(client, "staff@example.com")
    start(client)
    [job_id] = job_ids(app)
    wait_ended(app, job_id)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/admin/jobs/")})

    add_user(app, "other@example.com", roles=["staff"])
    other = app.test_client()
    login(other, "other@example.com")
    assert f'id="job-{job_id}"' not in other.get("/admin/jobs/").get_data(as_text=True)
    for url in (f"/admin/jobs/{job_id}/status", f"/admin/jobs/{job_id}/download"):
        assert other.get(url).status_code == 404
    token = csrf_token(other, "/admin/jobs/")
    assert other.post(f"/admin/jobs/{job_id}/cancel", data={"csrf_token": token}).status_code == 404

    admin = app.test_client()
    login(admin, "admin@example.com")
    assert f'id="job-{job_id}"' in admin.get("/admin/jobs/").get_data(as_text=True)
    assert admin.get(f"/admin/jobs/{job_id}/download").status_code == 200

    customer = app.test_client()
    login(customer, "customer@example.com")
    assert customer.get(f"/admin/jobs/{job_id}/status").status_code == 403
    assert app.test_client().get("/admin/jobs/").status_code == 302


def test_expired_results_are_removed(app, clock, staff_client, orders, worker):
    start(staff_client)
    [job_id] = job_ids(app)
    key = wait_ended(app, job_id).result_key
    with app.app_context():
        assert get_storage().exists(key)
        clock.advance(days=6)
        assert remove_expired_results() == 0
        clock.advance(days=2)
        assert remove_expired_results() == 1
        assert not get_storage().exists(key)
        assert db.session.scalar(select(func.count()).where(Job.result_key.is_not(None))) == 0
    assert staff_client.get(f"/admin/jobs/{job_id}/download").status_code == 404
    assert staff_client.get(f"/admin/jobs/{job_id}/status").get_json()["result_url"] is None


@pytest.mark.parametrize("model", ["user", "userprofile", "product", "book", "order", "auditlog"])
def test_every_list_offers_the_background_export_of_what_it_shows(admin_client, model):
    page = admin_client.get(f"/admin/{model}/?search=x&page=1").get_data(as_text=True)
    form = page[page.index(f'action="/admin/{model}/export/background/') :]
    assert form.startswith(f'action="/admin/{model}/export/background/?search=x"')
    assert 'name="csrf_token"' in form[: form.index("</form>")]
