"""What the admin says about a job: its status JSON, its time left, and the navbar's count.

The status JSON (``GET /admin/jobs/<id>/status``, polled by ``static/js/jobs.js``) has
the issue's keys ``id, kind, state, done, total, message, result_url`` plus
``eta_seconds`` and ``time_left``: the estimate for a running job from its rate so
far (done / seconds since it started), and the same as words for the page; and
``started_at`` / ``finished_at`` as the page writes them (UTC). The words and times
come from here only, so the page and its script never disagree.
"""

from __future__ import annotations

import datetime as dt

from flask import url_for
from flask_login import current_user
from sqlalchemy import func, select

from backoffice import clock
from backoffice.extensions import db
from backoffice.models import ACTIVE_STATES, Job
from backoffice.permissions import can

#: Below this much work done or time spent, a rate says nothing yet: no estimate.
MIN_DONE = 1
MIN_ELAPSED_SECONDS = 1.0


def eta_seconds(job: Job) -> int | None:
    """Seconds left for a running job at its rate so far; None when nothing can be said."""
    if job.state != "running" or job.started_at is None or not job.total:
        return None
    if job.done < MIN_DONE:
        return None
    elapsed = (clock.now() - job.started_at).total_seconds()
    if elapsed < MIN_ELAPSED_SECONDS:
        return None
    remaining = max(job.total - job.done, 0)
    return round(remaining * elapsed / job.done)


def time_left(seconds: int | None) -> str:
    """``about 2 min left`` and the like ("" when there is no estimate)."""
    if seconds is None:
        return ""
    if seconds < 60:
        return "less than a minute left"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"about {minutes} min left"
    return f"about {round(seconds / 3600)} h left"


def moment(value: dt.datetime | None) -> str | None:
    """A job's start or end as the page shows it (UTC, to the second)."""
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else None


def status_of(job: Job) -> dict:
    """The status JSON of one job (also what the page shows)."""
    done = job.state == "done" and job.result_key
    eta = eta_seconds(job)
    return {
        "id": job.id,
        "kind": job.kind,
        "state": job.state,
        "done": job.done,
        "total": job.total,
        "message": job.error or job.summary or "",
        "result_url": url_for("jobs.download", job_id=job.id) if done else None,
        "eta_seconds": eta,
        "time_left": time_left(eta),
        "started_at": moment(job.started_at),
        "finished_at": moment(job.finished_at),
    }


def active_job_count() -> int:
    """How many of the signed-in staff member's jobs are queued or running (navbar badge).

    One COUNT on the ``ix_jobs_user_id_created_at`` index (its first column is the
    user); 0 for anyone without the admin.
    """
    if not can(current_user, "admin.access"):
        return 0
    return db.session.scalar(
        select(func.count())
        .select_from(Job)
        .where(Job.user_id == current_user.id, Job.state.in_(ACTIVE_STATES))
    )
