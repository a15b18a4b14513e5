"""``storage sweep | migrate --background`` and the daily sweep: jobs run by a real worker.

The worker is Huey's consumer in threads (tests/support/worker.py); migrations go to a
real FTP server (tests/support/ftpserver.py), as the CLI's own tests do.
"""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from pyftpdlib.handlers import FTPHandler
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.jobs.records import cancel_job
from backoffice.models import AuditLog, Job
from tests.cli.test_storage import files, with_avatars
from tests.jobs.conftest import job_row, wait_ended
from tests.support.ftpserver import FTP_PASSWORD, FTP_USER
from tests.support.http import csrf_token, login

ORPHAN = "avatars/0123456789abcdef0123456789abcdef.webp"
TEMPORARY = "avatars/.tmp-k3x9q2ab"


@pytest.fixture
def ftp(ftp_server_factory):
    """The FTP server the app is configured for (STORAGE_BACKEND stays local)."""
    return ftp_server_factory("ftp-home")


@pytest.fixture
def app_config(app_config, ftp) -> dict:
    """FTP_* point at the test server; one avatar (or file) per batch."""
    ftp_settings = {
        "FTP_HOST": "127.0.0.1",
        "FTP_PORT": ftp.port,
        "FTP_USER": FTP_USER,
        "FTP_PASSWORD": FTP_PASSWORD,
        "FTP_DIR": "media",
        "FTP_TIMEOUT": 5,
        "JOB_BATCH_SIZE": 1,
    }
    return {**ftp_settings, **app_config}


def start(app, *args) -> int:
    """Run ``python manage.py storage ARGS --background``; the id of the job it started."""
    result = app.test_cli_runner().invoke(args=["storage", *args, "--background"])
    assert result.exit_code == 0, result.output
    assert "Started in the background: job" in result.output
    return int(re.search(r"job (\d+)", result.output).group(1))


def audit_actions(app, job_id: int) -> list[str]:
    with app.app_context():
        query = select(AuditLog.action).where(AuditLog.model == "Job")
        query = query.where(AuditLog.object_id == str(job_id)).order_by(AuditLog.id)
        return list(db.session.scalars(query))


def test_background_sweep(app, worker, tmp_path):
    root = tmp_path / "uploads"
    kept = with_avatars(app, 2)
    (root / ORPHAN).write_bytes(b"replaced avatar that could not be deleted")
    (root / TEMPORARY).write_bytes(b"crashed upload")
    job_id = start(app, "sweep", "--min-age", "0")
    job = wait_ended(app, job_id)
    assert job.kind == "storage_sweep"
    assert (job.state, job.error) == ("done", None)
    assert job.done == 5  # 4 kept + 1 orphan examined, one per batch
    assert "1 unreferenced and 1 temporary files removed" in job.summary
    assert files(root) == kept
    assert audit_actions(app, job_id) == ["job_start", "job_done"]


def test_background_sweep_dry_run_removes_nothing(app, worker, tmp_path):
    root = tmp_path / "uploads"
    kept = with_avatars(app, 1)
    (root / ORPHAN).write_bytes(b"orphan")
    job = wait_ended(app, start(app, "sweep", "--min-age", "0", "--dry-run"))
    assert job.state == "done"
    assert "1 unreferenced and 0 temporary files would be removed" in job.summary
    assert files(root) == sorted([*kept, ORPHAN])


@pytest.mark.config(STORAGE_BACKEND="ftp")
def test_background_sweep_that_cannot_remove_a_file_fails_saying_which(app, worker, ftp):
    with_avatars(app, 1)
    (ftp.home / "media" / ORPHAN).write_bytes(b"orphan")
    ftp.handler.ftp_DELE = lambda handler, path: handler.respond("550 Not allowed.")
    job_id = start(app, "sweep", "--min-age", "0")
    job = wait_ended(app, job_id)
    assert job.state == "failed"
    assert "0 unreferenced and 0 temporary files removed; 1 could not be" in job.error
    assert ORPHAN in job.error
    assert FTP_PASSWORD not in job.error
    assert audit_actions(app, job_id) == ["job_start", "job_fail"]


def test_background_migrate_to_ftp(app, worker, ftp, tmp_path):
    originals = with_avatars(app, 3)
    job_id = start(app, "migrate", "--to", "ftp")
    job = wait_ended(app, job_id)
    assert job.kind == "storage_migrate"
    assert (job.state, job.done, job.total) == ("done", 3, 3)
    assert job.summary.startswith("6 files copied and verified, 0 already there")
    assert "set STORAGE_BACKEND=ftp" in job.summary
    assert files(ftp.home / "media") == originals
    for name in originals:
        copy = ftp.home / "media" / name
        assert copy.read_bytes() == (tmp_path / "uploads" / name).read_bytes()
    assert app.config["STORAGE_BACKEND"] == "local"  # nothing was switched
    assert audit_actions(app, job_id) == ["job_start", "job_done"]


def test_background_migrate_with_the_target_down_fails(app, worker, ftp):
    with_avatars(app, 1)
    ftp.stop()
    job = wait_ended(app, start(app, "migrate", "--to", "ftp"), timeout=30)
    assert job.state == "failed"
    assert "2 failed. Nothing was switched" in job.error
    assert "Connection refused" in job.error
    assert FTP_PASSWORD not in job.error


def test_the_cli_refuses_a_migration_it_can_tell_is_pointless(app):
    result = app.test_cli_runner().invoke(
        args=["storage", "migrate", "--to", "local", "--background"]
    )
    assert result.exit_code == 1
    assert "the app already uses local directory" in result.output
    with app.app_context():
        assert db.session.scalars(select(Job)).all() == []


def test_a_cancelled_migration_stops_at_its_next_batch(app, worker, ftp):
    with_avatars(app, 3)
    stores, reached, go = [], threading.Event(), threading.Event()

    def slow_store(handler, file, mode="w"):
        stores.append(file)
        if len(stores) == 3:  # the second avatar's first file
            reached.set()
            go.wait(5)
        return FTPHandler.ftp_STOR(handler, file, mode)

    ftp.handler.ftp_STOR = slow_store
    job_id = start(app, "migrate", "--to", "ftp")
    assert reached.wait(10), "the worker never reached the second avatar"
    with app.app_context():
        assert cancel_job(db.session.get(Job, job_id), user=None)
        db.session.commit()
    go.set()
    worker.drain()  # the task has ended: the job stopped
    job = job_row(app, job_id)
    assert (job.state, job.done, job.total) == ("cancelled", 1, 3)
    assert len(stores) == 4  # the batch under way finished; nothing after it
    assert len(files(ftp.home / "media")) == 4  # two avatars of three
    assert audit_actions(app, job_id) == ["job_start", "job_cancel"]


def test_the_daily_sweep_is_scheduled_once_a_day_at_a_quiet_hour(app):
    task = app.extensions["jobs_tasks"]["storage_sweep_daily"].s()  # as the scheduler sees it
    day = dt.datetime(2030, 1, 15)
    runs = [day + dt.timedelta(minutes=m) for m in range(24 * 60)]
    assert [t.time() for t in runs if task.validate_datetime(t)] == [dt.time(4, 45)]
    cleanup = app.extensions["jobs_tasks"]["remove_expired_results"].s()
    assert not cleanup.validate_datetime(dt.datetime(2030, 1, 15, 4, 45))


def test_the_daily_sweep_starts_a_job_the_worker_runs(app, worker, tmp_path, clock):
    root = tmp_path / "uploads"
    kept = with_avatars(app, 1)
    (root / ORPHAN).write_bytes(b"orphan")
    clock.now = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=61)  # the orphan is old enough
    daily = app.extensions["jobs_tasks"]["storage_sweep_daily"]
    daily.call_local()  # what the consumer's scheduler runs at 04:45
    with app.app_context():
        job_id = db.session.scalars(select(Job.id)).one()
    job = wait_ended(app, job_id)
    assert (job.kind, job.state, job.user_id) == ("storage_sweep", "done", None)
    assert "1 unreferenced and 0 temporary files removed" in job.summary
    assert files(root) == kept


def test_the_daily_sweep_waits_for_a_sweep_still_under_way(app):
    daily = app.extensions["jobs_tasks"]["storage_sweep_daily"]
    daily.call_local()
    daily.call_local()  # no worker: the first is still queued
    with app.app_context():
        assert db.session.scalars(select(Job.state)).all() == ["queued"]


def test_a_storage_job_is_an_admins_to_see_and_cancel(app, users, admin_client):
    job_id = start(app, "sweep")  # no worker: it stays queued
    status = admin_client.get(f"/admin/jobs/{job_id}/status").get_json()
    assert (status["kind"], status["state"]) == ("storage_sweep", "queued")
    staff = app.test_client()
    assert login(staff, "staff@example.com").status_code == 302
    assert staff.get(f"/admin/jobs/{job_id}/status").status_code == 404  # nobody's job
    token = csrf_token(admin_client, "/admin/jobs/")
    admin_client.post(f"/admin/jobs/{job_id}/cancel", data={"csrf_token": token})
    assert job_row(app, job_id).state == "cancelled"
