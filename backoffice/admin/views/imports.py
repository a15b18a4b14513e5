"""The Import page (/admin/import/): upload → map columns → dry run → preview → apply.

Staff and admins with ``catalog.write``. Every step is a door onto ``jobs.imports``
(the same jobs as ``manage.py import``): the upload is checked (``open_table``) and
staged in the Storage with its SHA-256; the mapping starts the dry-run job; the preview
reads that job's report; Apply (POST, CSRF) starts the apply job, which itself refuses a
dry run that is not fresh or not of the same file. A dry run is shown only to whoever
may see the job (the Jobs page's row rule: your own, or everyone's for ``jobs.all``).
The mapping chosen is remembered in the database (by the dry run, ``services.imports.memory``)
for the same headers and for the model, and proposed at the next import, for everyone.
"""

from __future__ import annotations

import json
import os
import tempfile

from flask import Response, abort, current_app, flash, redirect, request, session, url_for
from flask_admin import BaseView, expose
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectChoice, SelectField, StringField

from backoffice.admin.base import SecuredMixin
from backoffice.admin.fresh import fresh_required
from backoffice.admin.views.jobs import visible_jobs
from backoffice.extensions import db
from backoffice.jobs import imports
from backoffice.jobs.runner import JobError
from backoffice.models import Job
from backoffice.ranges import parse_id
from backoffice.services.imports import ImportRefused, open_table
from backoffice.services.imports.fields import KINDS, auto_mapping, check_mapping, kind_fields
from backoffice.services.imports.memory import remembered
from backoffice.storage import get_storage
from backoffice.storage.base import KeyNotFound
from backoffice.validation import strip_filter

NONE = ""


_KIND_LABELS = {"product": "Products", "book": "Books", "stock": "Stock list"}


class UploadForm(FlaskForm):
    """The file and what it holds."""

    kind = SelectField("Import", choices=[SelectChoice(k, _KIND_LABELS[k]) for k in KINDS])
    file = FileField("CSV or XLSX file", validators=[FileRequired("Choose a file.")])
    sheet = StringField(
        "Sheet (XLSX)", filters=[strip_filter], description="Default: the first visible sheet."
    )
    mode = SelectField(
        "Stock figures",
        choices=[
            SelectChoice("set", "set the stock to the figure"),
            SelectChoice("add", "add the figure to the stock"),
        ],
    )
    clear_empty = BooleanField("Empty cells clear values (default: left alone)")


class ImportView(SecuredMixin, BaseView):
    """Upload, map, dry run, preview and apply an import."""

    read_permission = "catalog.write"

    def _staged(self) -> dict:
        staged = session.get("import")
        if not staged:
            flash("Upload a file first.", "warning")
            abort(redirect(url_for(".index_view")))
        return staged

    @expose("/", methods=["GET", "POST"])
    def index_view(self):
        """Step 1: upload (checked, then staged in the Storage)."""
        form = UploadForm()
        if form.validate_on_submit():
            upload = form.file.data
            name = os.path.basename(upload.filename or "upload")
            with tempfile.NamedTemporaryFile(suffix=os.path.splitext(name)[1]) as copy:
                upload.save(copy)
                copy.flush()
                try:
                    limit = int(current_app.config["IMPORT_MAX_BYTES"])
                    table = open_table(copy.name, name=name, sheet=form.sheet.data, max_bytes=limit)
                    headers = table.headers
                    table.rows.close()
                except ImportRefused as exc:
                    form.file.errors.append(str(exc))
                else:
                    copy.seek(0)
                    staged = imports.stage_file(copy, name)
                    session["import"] = {**staged, "kind": form.kind.data, "headers": headers,
                                         "sheet": form.sheet.data, "mode": form.mode.data,
                                         "clear_empty": form.clear_empty.data}  # fmt: skip
                    return redirect(url_for(".map_view"))
        return self.render("admin/import/upload.html", form=form)

    # This page alone takes bodies up to IMPORT_MAX_BYTES (web.input_guard.view_upload_limit).
    index_view.max_content_length_setting = "IMPORT_MAX_BYTES"

    @expose("/map", methods=["GET", "POST"])
    def map_view(self):
        """Step 2: each field's column (as last time for these headers or this model, or
        proposed from the headers)."""
        staged = self._staged()
        kind, headers = staged["kind"], staged["headers"]
        proposed = remembered(kind, headers) or auto_mapping(kind, headers)
        error = None
        if request.method == "POST":
            # CSRFProtect (global) has checked the token before this runs.
            mapping = {
                f: request.form[f]
                for f in kind_fields(kind)
                if request.form.get(f, NONE) in headers
            }
            try:
                check_mapping(kind, mapping, headers)
            except ValueError as exc:
                error, proposed = str(exc), mapping
            else:
                job = imports.start_dry_run(
                    {k: staged[k] for k in ("file_key", "name", "sha256", "size")}, kind=kind,
                    user=current_user._get_current_object(), mapping=mapping, mode=staged["mode"],
                    clear_empty=staged["clear_empty"], sheet=staged["sheet"],
                )  # fmt: skip
                db.session.commit()
                return redirect(url_for(".preview", job_id=job.id))
        return self.render("admin/import/map.html", staged=staged, fields=kind_fields(kind),
                           headers=headers, mapping=proposed, error=error)  # fmt: skip

    def _dry_run(self, job_id) -> Job:
        key = parse_id(job_id, Job.id)
        query = visible_jobs().where(Job.id == key, Job.kind == imports.DRY_RUN)
        job = None if key is None else db.session.scalars(query).first()
        if job is None:
            abort(404)
        return job

    @expose("/preview/<int:job_id>")
    def preview(self, job_id: int):
        """Steps 3 and 4: the dry run's progress, then its report and the Apply button."""
        job = self._dry_run(job_id)
        report = None
        if job.state == "done" and job.result_key:
            try:
                report = json.loads(get_storage().open(job.result_key))
            except KeyNotFound:
                abort(404)
        return self.render("admin/import/preview.html", job=job, report=report)

    @expose("/preview/<int:job_id>/errors.csv")
    def error_rows(self, job_id: int):
        """The rows in error, in the file's layout with an ``error`` column."""
        key = (self._dry_run(job_id).checkpoint or {}).get("errors_key")
        try:
            data = get_storage().open(key) if key else abort(404)
        except KeyNotFound:
            abort(404)
        headers = {"Content-Disposition": 'attachment; filename="import-errors.csv"',
                   "Cache-Control": "no-store"}  # fmt: skip
        return Response(data, mimetype="text/csv", headers=headers)

    @expose("/preview/<int:job_id>/apply", methods=["POST"])
    @fresh_required
    def apply(self, job_id: int):
        """Step 5: start the apply of this dry run (rows in error are skipped)."""
        job = self._dry_run(job_id)
        try:
            started = imports.start_apply(job, user=current_user._get_current_object())
        except JobError as exc:
            flash(str(exc), "danger")
            return redirect(url_for(".preview", job_id=job.id))
        db.session.commit()
        flash(f"Import started: job {started.id}. Follow it here.", "success")
        return redirect(url_for("jobs.job_view", job_id=started.id))
