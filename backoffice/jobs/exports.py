"""Background CSV export: a list's rows, written to the Storage in batches.

The admin registers the source (``register_export_source``): a function turning the
job's parameters (the list's view, filters, search and sort) into the same SELECT,
row count and ``ExportSpec`` as the list's own export, so the columns, the formula
escaping and the absence of secrets are identical (``services.exports.stream_csv``
writes both). The file is assembled in a temporary file and saved under
``exports/<job id>-<random>.csv``; the job commits its progress after each batch and
stops at the next batch once cancelled, leaving no file behind.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Callable

from flask import Flask, current_app
from sqlalchemy import Select

from backoffice.extensions import db
from backoffice.jobs.records import finish_job, is_cancelled, record_progress
from backoffice.jobs.runner import JobCancelled, JobError
from backoffice.models import Job
from backoffice.services.exports import ExportError, ExportSpec, stream_csv
from backoffice.storage import get_storage

#: ``params -> (rows, count, spec)``; raises ExportError for parameters it cannot use.
ExportSource = Callable[[dict], tuple[Select, int, ExportSpec]]


def register_export_source(app: Flask, source: ExportSource) -> None:
    """Tell ``app``'s worker how to build an export from a job's parameters."""
    app.extensions["job_export_source"] = source


def result_key(job_id: int) -> str:
    """A fresh key for a job's CSV; the random part keeps keys unguessable."""
    return f"exports/{job_id}-{secrets.token_hex(8)}.csv"


def run_export(job: Job) -> None:
    """The ``export_csv`` kind: stream the list's CSV to the Storage, batch by batch."""
    try:
        rows, count, spec = current_app.extensions["job_export_source"](job.params)
    except ExportError as exc:
        raise JobError(str(exc)) from None
    job_id = job.id
    record_progress(job, 0, count)
    db.session.commit()
    done = 0

    def progress(batch: int) -> None:
        nonlocal done
        if is_cancelled(job_id):
            raise JobCancelled
        done += batch
        record_progress(job, done)
        db.session.commit()

    batch_size = int(current_app.config["JOB_BATCH_SIZE"])
    with tempfile.TemporaryFile() as out:
        for chunk in stream_csv(rows, spec, batch_size=batch_size, progress=progress):
            out.write(chunk)
        out.seek(0)
        data = out.read()
    if is_cancelled(job_id):
        raise JobCancelled
    key = result_key(job_id)
    get_storage().save(key, data, "text/csv")
    finish_job(job, result_key=key, summary=f"{job.summary}: {done:,} rows")
