"""Background CSV and XLSX exports: a list's rows, written to the Storage in batches.

The admin registers the source (``register_export_source``): a function turning the
job's parameters (the list's view, filters, search and sort) into the same SELECT,
row count and ``ExportSpec`` as the list's own export, so the columns, the formula
escaping and the absence of secrets are identical (``services.exports.stream_csv``
writes both). The XLSX kind reads the same SELECT's raw values instead, for typed
cells (``services.xlsx_export``). The file is assembled in a temporary file and
streamed to the Storage (``save_file``) under ``exports/<job id>-<random>.<csv|xlsx>``;
the job commits its progress after each batch and stops at the next batch once
cancelled, leaving no file behind.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Callable
from typing import IO

from flask import Flask, current_app
from sqlalchemy import Select

from backoffice.extensions import db
from backoffice.jobs.records import BatchProgress, finish_job, is_cancelled, record_progress
from backoffice.jobs.runner import JobCancelled, JobError
from backoffice.models import Job
from backoffice.services.exports import ExportError, ExportSpec, stream_csv
from backoffice.services.xlsx_export import CONTENT_TYPE as XLSX_TYPE
from backoffice.services.xlsx_export import write_xlsx
from backoffice.storage import get_storage

#: ``params -> (rows, count, spec)``; raises ExportError for parameters it cannot use.
ExportSource = Callable[[dict], tuple[Select, int, ExportSpec]]
#: Writes a file of the rows: ``write(rows, spec, out, batch_size, progress)``.
Writer = Callable[[Select, ExportSpec, IO[bytes], int, Callable[[int], None]], None]

#: The background export kinds: job kind -> file extension (also the format's name).
EXPORT_KINDS = {"export_csv": "csv", "export_xlsx": "xlsx"}
#: Content type of a result, by the extension of its key.
CONTENT_TYPES = {"csv": "text/csv", "xlsx": XLSX_TYPE}


def register_export_source(app: Flask, source: ExportSource) -> None:
    """Tell ``app``'s worker how to build an export from a job's parameters."""
    app.extensions["job_export_source"] = source


def result_key(job_id: int, ext: str = "csv") -> str:
    """A fresh key for a job's file; the random part keeps keys unguessable."""
    return f"exports/{job_id}-{secrets.token_hex(8)}.{ext}"


def result_format(key: str) -> tuple[str, str]:
    """``(extension, content type)`` of a job's result key."""
    ext = key.rpartition(".")[2]
    return ext, CONTENT_TYPES.get(ext, "application/octet-stream")


def _write_csv(rows, spec, out, batch_size, progress) -> None:
    for chunk in stream_csv(rows, spec, batch_size=batch_size, progress=progress):
        out.write(chunk)


def _write_xlsx(rows, spec, out, batch_size, progress) -> None:
    # Typed cells: the same rows and order, the raw values instead of the CSV's text.
    typed = rows.with_only_columns(*spec.typed_expressions())
    write_xlsx(typed, spec, out, batch_size=batch_size, progress=progress)


def run_export(job: Job) -> None:
    """The ``export_csv`` kind: stream the list's CSV to the Storage, batch by batch."""
    _run(job, "csv", _write_csv)


def run_xlsx_export(job: Job) -> None:
    """The ``export_xlsx`` kind: the list's rows as a typed XLSX, batch by batch."""
    _run(job, "xlsx", _write_xlsx)


def _run(job: Job, ext: str, write: Writer) -> None:
    try:
        rows, count, spec = current_app.extensions["job_export_source"](job.params)
    except ExportError as exc:
        raise JobError(str(exc)) from None
    job_id = job.id
    record_progress(job, 0, count)
    db.session.commit()
    progress = BatchProgress(job)
    batch_size = int(current_app.config["JOB_BATCH_SIZE"])
    # The file is assembled on local disk, then streamed to the Storage: it never sits
    # whole in memory, and the Storage never holds a half-written one.
    with tempfile.TemporaryFile() as out:
        write(rows, spec, out, batch_size, progress)
        if is_cancelled(job_id):
            raise JobCancelled
        out.seek(0)
        key = result_key(job_id, ext)
        get_storage().save_file(key, out, CONTENT_TYPES[ext])
    finish_job(job, result_key=key, summary=f"{job.summary}: {progress.done:,} rows")
