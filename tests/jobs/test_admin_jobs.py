"""The Jobs page from the staff member's side: time left, the navbar's count, who sees what."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import update

from backoffice import clock as real_clock
from backoffice.admin.job_status import time_left
from backoffice.extensions import db
from backoffice.models import Job
from backoffice.permissions import ROLE_PERMISSIONS, STAFF
from tests.admin.listing import full_scans, plans, recorded_sql
from tests.jobs.conftest import wait_ended
from tests.support.factories import add_product, add_user
from tests.support.http import csrf_token, login

BADGE = re.compile(
    r'<li class="nav-item" id="active-jobs"( hidden)?>.*?data-field="active-jobs">(\d+)</span>',
    re.S,
)
KEYS = {"id", "kind", "state", "done", "total", "message", "result_url"}


def start(client, view: str = "product") -> int:
    """Start a background export of the ``view`` list as ``client``; the job's id."""
    token = csrf_token(client, f"/admin/{view}/")
    response = client.post(f"/admin/{view}/export/background/", data={"csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.location.rsplit("-", 1)[1])


def set_job(app, job_id: int, **values) -> None:
    """Put the job in a state as the worker would have left it (no worker in these tests)."""
    with app.app_context():
        db.session.execute(update(Job).where(Job.id == job_id).values(**values))
        db.session.commit()


def badge(client, url: str = "/admin/order/") -> tuple[bool, int]:
    """``(shown, count)`` of the navbar's running-jobs badge on ``url``."""
    match = BADGE.search(client.get(url).get_data(as_text=True))
    assert match, "no running-jobs badge in the navbar"
    return match[1] is None, int(match[2])


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(None, ""), (0, "less than a minute left"), (59, "less than a minute left"),
     (60, "about 1 min left"), (150, "about 2 min left"), (89 * 60, "about 89 min left"),
     (90 * 60, "about 2 h left"), (5 * 3600, "about 5 h left")],
)  # fmt: skip
def test_time_left_in_words(seconds, words):
    assert time_left(seconds) == words


def test_a_running_job_shows_its_time_left_from_its_rate_so_far(app, clock, staff_client):
    job_id = start(staff_client)
    status = staff_client.get(f"/admin/jobs/{job_id}/status").get_json()
    assert set(status) >= KEYS
    assert (status["state"], status["eta_seconds"], status["time_left"]) == ("queued", None, "")

    started = clock.now - dt.timedelta(seconds=60)
    set_job(app, job_id, state="running", started_at=started, done=0, total=100)
    assert staff_client.get(f"/admin/jobs/{job_id}/status").get_json()["eta_seconds"] is None

    # 25 of 100 in 60 s: 75 more at that rate is 180 s.
    set_job(app, job_id, done=25)
    status = staff_client.get(f"/admin/jobs/{job_id}/status").get_json()
    assert (status["eta_seconds"], status["time_left"]) == (180, "about 3 min left")
    assert (status["done"], status["total"]) == (25, 100)
    assert (status["started_at"], status["finished_at"]) == ("2030-01-15 11:59:00", None)
    page = staff_client.get("/admin/jobs/").get_data(as_text=True)
    assert "about 3 min left" in page
    assert 'aria-valuenow="25"' in page
    assert f'action="/admin/jobs/{job_id}/cancel"' in page

    set_job(app, job_id, state="done", done=100, finished_at=clock.now, result_key="x")
    status = staff_client.get(f"/admin/jobs/{job_id}/status").get_json()
    assert (status["eta_seconds"], status["time_left"]) == (None, "")
    assert status["finished_at"] == "2030-01-15 12:00:00"
    assert status["result_url"] == f"/admin/jobs/{job_id}/download"
    assert f'action="/admin/jobs/{job_id}/cancel"' not in staff_client.get("/admin/jobs/").text


def test_the_navbar_counts_your_queued_and_running_jobs(app, client, users):
    add_product(app)
    login(client, "admin@example.com")
    assert badge(client) == (False, 0)
    first, second = start(client), start(client)
    assert badge(client) == (True, 2)
    assert badge(client, "/admin/") == (True, 2)
    assert badge(client, "/admin/jobs/") == (True, 2)
    set_job(app, first, state="running", started_at=real_clock.now())
    assert badge(client) == (True, 2)
    set_job(app, second, state="failed", finished_at=real_clock.now(), error="x")
    assert badge(client) == (True, 1)
    token = csrf_token(client, "/admin/jobs/")
    client.post(f"/admin/jobs/{first}/cancel", data={"csrf_token": token})
    assert badge(client) == (False, 0)

    # Only your own: the admin sees the staff member's job on the page, not in the count.
    staff = app.test_client()
    login(staff, "staff@example.com")
    start(staff)
    assert badge(staff) == (True, 1)
    assert badge(client) == (False, 0)
    # Nor on error pages, which must render even when the database cannot answer.
    assert 'id="active-jobs"' not in staff.get("/admin/no-such-page/").get_data(as_text=True)
    # No badge at all outside the staff area's users.
    customer = app.test_client()
    login(customer, "customer@example.com")
    assert 'id="active-jobs"' not in customer.get("/account/").get_data(as_text=True)


def test_the_navbar_count_is_one_indexed_query(app, staff_client):
    start(staff_client)
    with recorded_sql(app) as seen:
        staff_client.get("/admin/")
    on_jobs = [(s, p) for s, p in seen if re.search(r"\bFROM jobs\b", s)]
    assert len(on_jobs) == 1
    assert "jobs" not in full_scans(plans(app, on_jobs))


def test_another_staff_members_job_is_404_everywhere(app, users, worker):
    add_product(app)
    owner = app.test_client()
    login(owner, "staff@example.com")
    job_id = wait_ended(app, start(owner)).id
    assert owner.get(f"/admin/jobs/{job_id}/").status_code == 200
    assert owner.get(f"/admin/jobs/{job_id}/download").status_code == 200

    add_user(app, "other@example.com", roles=["staff"])
    other = app.test_client()
    login(other, "other@example.com")
    for url in ("/", "/status", "/download"):
        assert other.get(f"/admin/jobs/{job_id}{url}").status_code == 404
    token = csrf_token(other, "/admin/jobs/")
    assert other.post(f"/admin/jobs/{job_id}/cancel", data={"csrf_token": token}).status_code == 404
    assert other.get("/admin/jobs/999999/").status_code == 404

    admin = app.test_client()
    login(admin, "admin@example.com")
    page = admin.get(f"/admin/jobs/{job_id}/").get_data(as_text=True)
    assert f'id="job-{job_id}"' in page
    assert "data-mine" not in page  # the admin's badge does not count it
    assert admin.get(f"/admin/jobs/{job_id}/status").get_json()["state"] == "done"


def test_a_job_needs_the_right_of_the_list_it_came_from(app, staff_client, worker, monkeypatch):
    """A staff member who loses the users list's right loses its export's status and file."""
    job_id = wait_ended(app, start(staff_client, "user")).id
    assert staff_client.get(f"/admin/jobs/{job_id}/download").status_code == 200

    # The role table is the single source of rights: take users.read from staff.
    monkeypatch.setitem(ROLE_PERMISSIONS, STAFF, ROLE_PERMISSIONS[STAFF] - {"users.read"})
    assert staff_client.get("/admin/user/").status_code == 403
    for url in ("/", "/status", "/download"):
        assert staff_client.get(f"/admin/jobs/{job_id}{url}").status_code == 403
    token = csrf_token(staff_client, "/admin/jobs/")
    response = staff_client.post(f"/admin/jobs/{job_id}/cancel", data={"csrf_token": token})
    assert response.status_code == 403
    # The Jobs page itself still opens: the row is theirs.
    assert f'id="job-{job_id}"' in staff_client.get("/admin/jobs/").get_data(as_text=True)
