"""Jobs whose worker stopped: requeued from the checkpoint (bulk) or failed (exports); the
old worker's lease is gone; a cancel is never overwritten by "done"; an unqueued job is
audited."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from backoffice import clock
from backoffice.extensions import db
from backoffice.jobs.bulk import first_checkpoint, own_job
from backoffice.jobs.reaper import MAX_ATTEMPTS, reap_stale_jobs
from backoffice.jobs.records import JobCancelled, cancel_job, finish_job, start_job
from backoffice.models import AuditLog, Job, User
from tests.admin.bulk_helpers import bulk
from tests.jobs.test_bulk_jobs import add_stock

pytestmark = pytest.mark.config(JOB_HEARTBEAT_TIMEOUT=60)


def running_job(app, users, kind: str, *, silent: int, checkpoint: dict | None = None) -> int:
    """A job a worker took ``silent`` seconds ago and never heard from again."""
    with app.app_context():
        staff = db.session.get(User, users["staff"])
        job = start_job(kind, {"view": "product"}, user=staff, summary=f"A {kind}")
        job.checkpoint = checkpoint
        db.session.flush()
        beat = clock.now() - dt.timedelta(seconds=silent)
        db.session.execute(
            update(Job)
            .where(Job.id == job.id)
            .values(state="running", started_at=beat, heartbeat_at=beat)
        )
        db.session.commit()
        app.extensions["huey"].flush()  # the start's own task: this job was taken
        return job.id


def reap(app) -> tuple[int, int]:
    with app.app_context():
        return reap_stale_jobs()


def entries(app, action: str) -> list[AuditLog]:
    with app.app_context():
        found = db.session.scalars(select(AuditLog).where(AuditLog.action == action)).all()
        db.session.expunge_all()
        return found


def get(app, job_id: int) -> Job:
    with app.app_context():
        job = db.session.get(Job, job_id)
        db.session.expunge(job)
        return job


def test_a_stale_job_of_a_kind_that_cannot_resume_is_failed_with_the_reason(app, users):
    job_id = running_job(app, users, "export_csv", silent=125)
    assert reap(app) == (0, 1)
    job = get(app, job_id)
    assert job.state == "failed"
    assert job.error == (
        "The worker stopped while running this job (no heartbeat for 125 s); start it again."
    )
    assert job.finished_at is not None
    [entry] = entries(app, "job_fail")
    assert entry.object_id == str(job_id)
    assert reap(app) == (0, 0)  # once


def test_a_job_with_a_recent_heartbeat_is_left_alone(app, users):
    job_id = running_job(app, users, "export_csv", silent=30)
    bulk_id = running_job(app, users, "bulk_action", silent=30, checkpoint=first_checkpoint())
    assert reap(app) == (0, 0)
    assert {get(app, job_id).state, get(app, bulk_id).state} == {"running"}


def test_a_stale_bulk_job_is_queued_again_and_its_old_worker_loses_it(app, users):
    checkpoint = {**first_checkpoint(), "last": 40, "changed": 40}
    job_id = running_job(app, users, "bulk_action", silent=90, checkpoint=checkpoint)
    assert reap(app) == (1, 0)
    job = get(app, job_id)
    assert job.state == "queued"
    assert job.checkpoint == {**checkpoint, "attempt": 2}
    assert app.extensions["huey"].pending_count() == 1  # enqueued once the requeue committed
    [entry] = entries(app, "job_retry")
    assert entry.changes == {"attempt": 2, "last": 40}
    with app.app_context():
        db.session.execute(update(Job).where(Job.id == job_id).values(state="running"))
        # The old worker (attempt 1) wakes up: its batch commit matches nothing.
        assert not own_job(job_id, 1, done=99)
        assert own_job(job_id, 2, done=41)  # the new one owns it
        db.session.commit()


def test_a_bulk_job_is_failed_after_its_last_attempt(app, users):
    checkpoint = {**first_checkpoint(), "attempt": MAX_ATTEMPTS, "last": 7, "changed": 7}
    job_id = running_job(app, users, "bulk_action", silent=61, checkpoint=checkpoint)
    assert reap(app) == (0, 1)
    job = get(app, job_id)
    assert (job.state, job.error) == (
        "failed",
        "The worker stopped while running this job (no heartbeat for 61 s); start it again.",
    )
    [entry] = entries(app, "job_fail")
    assert entry.changes == {"checkpoint": checkpoint}  # how far it got


def test_a_cancel_after_the_last_batch_is_not_overwritten_by_done(app, users):
    job_id = running_job(app, users, "export_csv", silent=1)
    with app.app_context():
        job = db.session.get(Job, job_id)
        db.session.execute(update(Job).where(Job.id == job_id).values(state="cancelled"))
        with pytest.raises(JobCancelled):
            finish_job(job, result_key=None, summary="done")
        db.session.commit()
    assert get(app, job_id).state == "cancelled"
    assert entries(app, "job_done") == []


def test_cancel_then_finish_through_the_records(app, users):
    job_id = running_job(app, users, "bulk_action", silent=1, checkpoint=first_checkpoint())
    with app.app_context():
        job = db.session.get(Job, job_id)
        cancel_job(job, user=None)
        db.session.commit()
        with pytest.raises(JobCancelled):
            finish_job(job, result_key=None, summary="done")
    assert get(app, job_id).state == "cancelled"


@pytest.mark.config(JOBS_REDIS_URL="redis://127.0.0.1:1/0", BULK_INLINE_LIMIT=3)
def test_a_bulk_job_that_cannot_be_queued_says_so_changes_nothing_and_is_audited(app, staff_client):
    add_stock(app, 5)
    response = bulk(staff_client, "product", "adjust_stock", delta="1")
    page = staff_client.get(response.location).get_data(as_text=True)
    assert "could not be reached" in page
    assert "Nothing was changed" in page
    with app.app_context():
        [job] = db.session.scalars(select(Job)).all()
        assert job.state == "failed"
    [entry] = entries(app, "job_fail")
    assert (entry.object_id, entry.actor_email) == (str(job.id), "staff@example.com")
    assert "could not be reached" in entry.summary
