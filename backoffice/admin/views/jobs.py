"""The Jobs page (/admin/jobs/): background jobs, their progress, results and Cancel.

Staff see their own jobs, admins everyone's (``jobs.all``): the same row rule holds
for the list and for each job's status, download and cancel, so another staff
member's job is a 404. The status, the download and the cancel also need the right
of the list the job came from (its export permission), as its own export does.
"""

from __future__ import annotations

import logging

from flask import Response, abort, current_app, flash, jsonify, redirect, url_for
from flask_admin import BaseView, expose
from flask_login import current_user
from sqlalchemy import select

from backoffice.admin.background import source_view
from backoffice.admin.base import SecuredMixin
from backoffice.admin.job_status import status_of
from backoffice.extensions import db
from backoffice.jobs.exports import result_format
from backoffice.jobs.records import cancel_job
from backoffice.models import Job
from backoffice.permissions import can
from backoffice.ranges import parse_id
from backoffice.services.exports import filename
from backoffice.storage import get_storage
from backoffice.storage.base import KeyNotFound, StorageError

PAGE_SIZE = 50

log = logging.getLogger(__name__)


def visible_jobs():
    """The jobs the signed-in user may see: their own, or everyone's for ``jobs.all``."""
    query = select(Job)
    if not can(current_user, "jobs.all"):
        query = query.where(Job.user_id == current_user.id)
    return query


class JobsView(SecuredMixin, BaseView):
    """Read-only list of background jobs, with JSON status, downloads and Cancel."""

    @property
    def extra_js(self) -> list[str]:
        """The page's polling script (static, so it runs under our CSP)."""
        return [url_for("static", filename="js/jobs.js")]

    def get_one(self, job_id: int) -> Job:
        """The job if the user may see it and use the list it came from, else 404 / 403."""
        key = parse_id(job_id, Job.id)  # a number no row can have is no row, not a 500
        job = (
            None if key is None else db.session.scalars(visible_jobs().where(Job.id == key)).first()
        )
        if job is None:
            abort(404)
        view = source_view(current_app.extensions["backoffice_admin"], job.params or {})
        if view is not None and not view.can_export:
            abort(403)
        return job

    @expose("/")
    def index_view(self):
        """The newest jobs first."""
        jobs = db.session.scalars(
            visible_jobs().order_by(Job.created_at.desc(), Job.id.desc()).limit(PAGE_SIZE)
        ).all()
        return self.render("admin/jobs.html", jobs=jobs, status_of=status_of, one=False)

    @expose("/<int:job_id>/")
    def job_view(self, job_id: int):
        """One job's own page (the same row, live too): what "Started" links to."""
        return self.render(
            "admin/jobs.html", jobs=[self.get_one(job_id)], status_of=status_of, one=True
        )

    @expose("/<int:job_id>/status")
    def status(self, job_id: int):
        """``{"id", "kind", "state", "done", "total", "message", "result_url"}`` and the
        estimate ``eta_seconds`` / ``time_left`` (``admin.job_status``)."""
        response = jsonify(status_of(self.get_one(job_id)))
        response.headers["Cache-Control"] = "no-store"
        return response

    @expose("/<int:job_id>/download")
    def download(self, job_id: int):
        """The job's result file, while it is kept (``JOB_RESULT_DAYS``)."""
        job = self.get_one(job_id)
        if job.state != "done" or not job.result_key:
            abort(404)
        view = source_view(current_app.extensions["backoffice_admin"], job.params or {})
        ext, mimetype = result_format(job.result_key)
        # As the list's own export names it: the model and the time the file was made.
        name = filename(view.export_spec(), job.finished_at, ext) if view else f"job-{job.id}.{ext}"
        headers = {
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        }
        try:
            # Chunk by chunk from the store: a 100 MB export never sits in the worker's memory.
            stream = get_storage().open_stream(job.result_key)
        except KeyNotFound:
            abort(410, description="This job's result is no longer in the file store.")
        except StorageError:
            log.exception("job %s: cannot read its result %s", job.id, job.result_key)
            abort(503, description="The file store cannot be reached. Try again later.")
        if stream.size is not None:
            headers["Content-Length"] = str(stream.size)
        # The WSGI server closes the stream (its file or FTP connections) at the end or
        # when the client goes away.
        return Response(stream, mimetype=mimetype, headers=headers, direct_passthrough=True)

    @expose("/<int:job_id>/cancel", methods=["POST"])
    def cancel(self, job_id: int):
        """Cancel a queued or running job (a running one stops at its next batch)."""
        job = self.get_one(job_id)
        if cancel_job(job, user=current_user._get_current_object()):
            db.session.commit()
            flash(f"Job {job.id} cancelled after {job.done:,} rows.", "success")
        else:
            flash(f"Job {job.id} has already ended ({job.state}).", "warning")
        return redirect(url_for(".index_view"))
