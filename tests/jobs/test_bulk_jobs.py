"""Bulk actions over BULK_INLINE_LIMIT rows: started as a job, run in checkpointed batches
by a real worker, with exact counts, one audit entry, cancellation, CSRF and permissions."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.jobs.bulk import first_checkpoint
from backoffice.jobs.records import start_job
from backoffice.models import AuditLog, Job, Order, Product, User
from tests.admin.bulk_helpers import bulk, flashed
from tests.jobs.conftest import job_row, wait_ended, wait_for
from tests.support.factories import add_product, add_user
from tests.support.http import csrf_token
from tests.support.orders import place

pytestmark = pytest.mark.config(BULK_INLINE_LIMIT=3, JOB_BATCH_SIZE=2)


def add_stock(app, count: int, stock: int = 0) -> list[int]:
    with app.app_context():
        rows = [
            Product(name=f"Lamp {i}", sku=f"LAMP-{i:04d}", price=Decimal("9.99"), stock=stock)
            for i in range(count)
        ]
        db.session.add_all(rows)
        db.session.commit()
        return [p.id for p in rows]


def stocks(app) -> dict[int, int]:
    with app.app_context():
        return dict(db.session.execute(select(Product.id, Product.stock)).all())


def jobs(app) -> list[Job]:
    with app.app_context():
        found = db.session.scalars(select(Job).order_by(Job.id)).all()
        db.session.expunge_all()
        return found


def bulk_entries(app, action: str) -> list[AuditLog]:
    with app.app_context():
        found = db.session.scalars(select(AuditLog).where(AuditLog.action == action)).all()
        db.session.expunge_all()
        return found


def started_job(client, response) -> int:
    page = flashed(client, response)
    assert "Started in the background" in page
    return int(response.location.rsplit("-", 1)[1])


def test_the_confirmation_page_says_it_will_run_in_the_background(app, staff_client):
    ids = add_stock(app, 4)
    page = bulk(staff_client, "product", "adjust_stock", step="confirm").get_data(as_text=True)
    assert "will run in the background" in page
    assert "Start in the background: Apply to all 4 matching products" in page
    few = bulk(staff_client, "product", "make_available", rows=ids[:3], step="confirm")
    assert "will run in the background" not in few.get_data(as_text=True)


def test_over_the_limit_the_request_starts_a_job_and_changes_nothing_itself(
    app, staff_client, users
):
    ids = add_stock(app, 5)
    response = bulk(staff_client, "product", "adjust_stock", delta="1")
    job_id = started_job(staff_client, response)
    assert set(stocks(app).values()) == {0}  # the request changed nothing
    [job] = jobs(app)
    assert (job.id, job.kind, job.state, job.total) == (job_id, "bulk_action", "queued", 5)
    assert job.params == {
        "view": "product",
        "action": "adjust_stock",
        "scope": {"scope": "all", "filters": []},
        "params": {"delta": 1},
    }
    assert app.extensions["huey"].pending_count() == 1
    assert len(ids) == 5


def test_a_bulk_job_end_to_end_with_exact_counts_and_one_audit_entry(
    app, staff_client, users, worker
):
    lamp = add_product(app, sku="LAMP", price=Decimal("10.00"), stock=100)
    placed = {
        status: [place(app, users["customer"], [(lamp, 1)], status) for _ in range(n)]
        for status, n in (("pending", 5), ("paid", 2), ("cancelled", 1))
    }
    response = bulk(staff_client, "order", "mark_paid")
    job = wait_ended(app, started_job(staff_client, response))
    message = "5 changed, 3 skipped (2 already paid, 1 cancelled orders cannot be paid)"
    assert (job.state, job.done, job.total, job.error) == ("done", 8, 8, None)
    assert job.summary == f"Mark paid on all 8 matching orders: {message}"
    # batches of 2 in key order: the checkpoint ends on the highest key
    assert job.checkpoint["last"] == max(i for ids in placed.values() for i in ids)
    assert job.checkpoint["changed"] == 5
    with app.app_context():
        by_status = dict(
            db.session.execute(select(Order.status, func.count()).group_by(Order.status)).all()
        )
    assert by_status == {"paid": 7, "cancelled": 1}
    [entry] = bulk_entries(app, "bulk:mark_paid")
    assert entry.actor_email == "staff@example.com"
    assert entry.summary == f"Mark paid on all 8 matching orders: {message}"
    assert entry.changes["changed"] == 5
    assert entry.changes["skipped"] == {"already paid": 2, "cancelled orders cannot be paid": 1}
    assert (entry.changes["scope"], entry.changes["filters"]) == ("all", [])
    assert (entry.changes["job"], entry.changes["set"]) == (job.id, {"status": "paid"})
    assert [e.action for e in bulk_entries(app, "job_done")] == ["job_done"]


def test_a_bulk_job_keeps_the_list_filter_and_search(app, staff_client, users, worker):
    lamp = add_product(app, sku="LAMP", price=Decimal("10.00"), stock=100)
    pending = [place(app, users["customer"], [(lamp, 1)], "pending") for _ in range(4)]
    place(app, users["customer"], [(lamp, 1)], "paid")
    query = "?flt0_status_equals=pending&search=customer"
    job_id = started_job(staff_client, bulk(staff_client, "order", "cancel", query=query))
    job = wait_ended(app, job_id)
    assert job.params["scope"] == {
        "scope": "all",
        "filters": [["status_equals", "pending"]],
        "search": "customer",
    }
    assert (job.state, job.done, job.total) == ("done", 4, 4)
    assert job.summary.endswith("4 changed, 0 skipped")
    with app.app_context():
        assert set(db.session.scalars(select(Order.status).where(Order.id.in_(pending)))) == {
            "cancelled"
        }
        assert db.session.scalar(select(Product.stock).where(Product.id == lamp)) == 99


def test_ticked_rows_over_the_limit_run_as_a_job_on_exactly_those_rows(app, staff_client, worker):
    ids = add_stock(app, 8)
    ticked = ids[1:6]
    job_id = started_job(
        staff_client, bulk(staff_client, "product", "adjust_stock", rows=ticked, delta="3")
    )
    job = wait_ended(app, job_id)
    assert job.params["scope"] == {"scope": "selected", "ids": ticked}
    assert (job.state, job.done) == ("done", 5)
    assert stocks(app) == {i: (3 if i in ticked else 0) for i in ids}


def test_a_filter_the_worker_cannot_apply_fails_the_job_with_its_message(app, users, worker):
    add_stock(app, 5)
    with app.app_context():
        staff = db.session.get(User, users["staff"])
        params = {
            "view": "product",
            "action": "make_unavailable",
            "scope": {"scope": "all", "filters": [["no_such_filter", "x"]]},
            "params": {},
        }
        job = start_job("bulk_action", params, user=staff, summary="Make unavailable")
        job.checkpoint = first_checkpoint()
        db.session.commit()
        job_id = job.id
    job = wait_ended(app, job_id)
    assert job.state == "failed"
    assert "Unknown filter “no_such_filter”" in job.error
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(Product.is_available.is_(False))) == 0


def test_starting_needs_the_csrf_token(app, staff_client):
    add_stock(app, 5)
    response = staff_client.post(
        "/admin/product/bulk/apply", data={"action": "adjust_stock", "scope": "all", "delta": "1"}
    )
    assert response.status_code == 400
    assert jobs(app) == []
    assert set(stocks(app).values()) == {0}


def test_staff_cannot_start_an_action_they_may_not_run(app, staff_client):
    add_stock(app, 5)
    response = bulk(staff_client, "product", "delete")  # history.delete: admins only
    assert response.status_code == 403
    assert jobs(app) == []
    assert len(stocks(app)) == 5


def test_the_worker_checks_the_starters_permission_again(app, users, worker):
    """A job for an action its starter may not run (however it got queued) fails."""
    add_stock(app, 5)
    with app.app_context():
        staff = db.session.get(User, users["staff"])
        params = {
            "view": "product",
            "action": "delete",
            "scope": {"scope": "all", "filters": []},
            "params": {},
        }
        job = start_job("bulk_action", params, user=staff, summary="Delete")
        job.checkpoint = first_checkpoint()
        db.session.commit()
        job_id = job.id
    job = wait_ended(app, job_id)
    assert job.state == "failed"
    assert "may no longer run this action" in job.error
    assert len(stocks(app)) == 5


def test_user_actions_in_a_job_run_as_the_starter(app, admin_client, users, worker):
    """Suspend over all users: the starter's own account is skipped (not the CLI's "anyone")."""
    add_user(app, "other@example.com")
    job_id = started_job(admin_client, bulk(admin_client, "user", "suspend"))
    job = wait_ended(app, job_id)
    assert job.state == "done", job.error
    assert job.summary.endswith("3 changed, 1 skipped (1 your own account)")
    with app.app_context():
        assert db.session.get(User, users["admin"]).active


@pytest.mark.config(JOB_BATCH_SIZE=1)
def test_cancelling_a_bulk_job_stops_at_a_batch_boundary_and_says_how_far(
    app, staff_client, worker
):
    ids = add_stock(app, 300)
    job_id = started_job(staff_client, bulk(staff_client, "product", "adjust_stock", delta="1"))
    wait_for(lambda: job_row(app, job_id).done >= 3)
    token = csrf_token(staff_client, "/admin/jobs/")
    staff_client.post(f"/admin/jobs/{job_id}/cancel", data={"csrf_token": token})
    job = wait_ended(app, job_id)
    wait_for(lambda: app.extensions["huey"].pending_count() == 0)
    wait_for(lambda: "cancelled after" in (job_row(app, job_id).summary or ""))
    job = job_row(app, job_id)
    assert job.state == "cancelled"
    assert 3 <= job.done < 300
    # Exactly the rows up to the checkpoint's last key changed, once each; none after it.
    last = job.checkpoint["last"]
    assert stocks(app) == {i: (1 if i <= last else 0) for i in ids}
    assert job.checkpoint["changed"] == job.done == sum(stocks(app).values())
    assert f"cancelled after {job.done:,} of 300 rows: {job.done:,} changed" in job.summary
    [entry] = bulk_entries(app, "bulk:adjust_stock")
    assert (entry.changes["changed"], entry.changes["cancelled"]) == (job.done, True)
