"""Imports as jobs: a dry run that classifies every row, and an apply that writes them.

The file is staged in the Storage under ``imports/`` with its SHA-256 (``stage_file``:
every web node and worker reads the same bytes). ``import_dry_run`` reads it with the
mapping it was given (remembered for the next import: ``services.imports.memory``), else
the one remembered for these headers or this kind, else the one proposed from the
headers (written into its params, so its apply uses the same); it checks and classifies
each row (``services.imports``) batch by batch with progress, and keeps the report
(JSON) as its result and the error rows (CSV) next to it; its counts go in its
checkpoint. Staged files, reports and error rows leave the Storage after ``KEEP`` (24 h,
an hourly task). ``import_apply`` needs a done dry run of the same file hash, kind, mapping
and mode, at most ``FRESH`` old; it classifies again (the database may have moved) and
writes each batch together with its checkpoint (the last line written, the running
counts, the first ``CONFLICTS_KEPT`` rows left alone whole because their stock moved)
in one transaction under the job's attempt number (``bulk.own_job``): a killed
worker's job resumes after the last batch that landed, never writing a row twice.
At the end ONE audit entry says who imported which file (name and hash), with which
mapping and mode, and the counts.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import os
import secrets
import tempfile
from collections import Counter
from collections.abc import Iterator

from flask import current_app

from backoffice import clock
from backoffice.extensions import db
from backoffice.jobs.bulk import own_job
from backoffice.jobs.records import finish_job, is_cancelled, record_progress, start_job
from backoffice.jobs.runner import JobCancelled, JobError
from backoffice.models import Job, User
from backoffice.services import audit
from backoffice.services.imports import ImportRefused, open_table
from backoffice.services.imports.apply import write_batch
from backoffice.services.imports.checked import CheckedWriter, kept_rows
from backoffice.services.imports.fields import check_mapping
from backoffice.services.imports.memory import choose_mapping, remember
from backoffice.services.imports.plan import Planner, batches
from backoffice.services.imports.report import Report, counts_text
from backoffice.services.imports.rows import RowChecker
from backoffice.storage import KeyNotFound, get_storage

DRY_RUN = "import_dry_run"
APPLY = "import_apply"
#: How old a dry run may be for its apply.
FRESH = dt.timedelta(hours=1)
#: How long staged files, reports and error rows stay in the Storage.
KEEP = dt.timedelta(hours=24)
#: How many conflict rows (line, key, reason) the apply keeps for its page and audit entry.
CONFLICTS_KEPT = 100
#: The parameters a dry run and its apply must share.
SAME = ("file_key", "sha256", "kind", "mapping", "mode", "clear_empty", "sheet")


def stage_file(fileobj, name: str) -> dict:
    """Put an uploaded file in the Storage; ``{"file_key", "name", "sha256", "size"}``."""
    digest = hashlib.sha256()
    size = 0
    with tempfile.TemporaryFile() as copy:  # hashed on the way, then streamed to the Storage
        for chunk in iter(lambda: fileobj.read(1 << 20), b""):
            digest.update(chunk)
            copy.write(chunk)
            size += len(chunk)
        copy.seek(0)
        ext = os.path.splitext(name)[1].lower().lstrip(".")
        key = f"imports/{secrets.token_hex(12)}.{ext if ext.isalnum() else 'bin'}"
        get_storage().save_file(key, copy, "application/octet-stream")
    return {"file_key": key, "name": name, "sha256": digest.hexdigest(), "size": size}


def start_dry_run(staged: dict, *, kind: str, user, mapping=None, mode="set", clear_empty=False,
                  sheet=None, enqueue=True) -> Job:  # fmt: skip
    """A queued dry run of a staged file (see ``stage_file``)."""
    params = {**staged, "kind": kind, "mapping": mapping, "mode": mode,
              "clear_empty": clear_empty, "sheet": sheet}  # fmt: skip
    summary = f"Import dry run: {staged['name']} ({kind})"
    return start_job(DRY_RUN, params, user=user, summary=summary, enqueue=enqueue)


def start_apply(dry_run: Job, *, user, skip_errors=True, enqueue=True) -> Job:
    """A queued apply of ``dry_run``'s file; ``JobError`` if that dry run cannot be applied."""
    fresh_counts(dry_run, dry_run.params)
    params = {**dry_run.params, "dry_run": dry_run.id, "skip_errors": skip_errors}
    summary = f"Import: {dry_run.params['name']} ({dry_run.params['kind']})"
    job = start_job(APPLY, params, user=user, summary=summary, enqueue=enqueue)
    # The attempt number is the job's lease (bulk.own_job); the reaper raises it.
    job.checkpoint = {"attempt": 1, "line": 0, "counts": {}}
    return job


def fresh_counts(dry_run: Job | None, params: dict) -> dict:
    """The counts of a done, recent dry run matching ``params``; else ``JobError``."""
    if dry_run is None or dry_run.kind != DRY_RUN or dry_run.state != "done":
        raise JobError("Run a dry run of this file first (and wait for it to finish).")
    if any(dry_run.params.get(name) != params.get(name) for name in SAME):
        raise JobError("The dry run was of another file, mapping or mode: run it again.")
    if dry_run.finished_at is None or clock.now() - dry_run.finished_at > FRESH:
        raise JobError("The dry run is more than an hour old: run it again before applying.")
    return dict((dry_run.checkpoint or {}).get("counts") or {})


@contextlib.contextmanager
def _opened(params: dict) -> Iterator[tuple]:
    """``(table, planner, where the mapping came from)`` for the staged file of ``params``
    (read from a temporary copy, removed after)."""
    ext = os.path.splitext(params["name"])[1]
    with tempfile.NamedTemporaryFile(suffix=ext) as copy:
        try:  # streamed: a million-row file is ~96 MB, never held whole
            with get_storage().open_stream(params["file_key"]) as stream:
                for chunk in stream:
                    copy.write(chunk)
        except KeyNotFound:
            raise JobError("The uploaded file is gone (kept 24 hours): upload it again.") from None
        copy.flush()
        try:
            table = open_table(copy.name, name=params["name"], sheet=params.get("sheet"),
                               max_bytes=int(current_app.config["IMPORT_MAX_BYTES"]))  # fmt: skip
            mapping, source = choose_mapping(params["kind"], params.get("mapping"), table.headers)
            target = check_mapping(params["kind"], mapping, table.headers)
        except (ImportRefused, ValueError) as exc:
            raise JobError(str(exc)) from None
        try:
            yield table, _planner(params, target, mapping, table.headers), source
        except ImportRefused as exc:  # found part-way (bad bytes on line 90,000)
            raise JobError(str(exc)) from None


def _planner(params: dict, target, mapping: dict, headers: list[str]) -> Planner:
    """The planner of an import with ``params``, for a file with ``headers``."""
    clear_empty = bool(params.get("clear_empty"))
    checker = RowChecker(target, mapping, headers, clear_empty=clear_empty)
    stock_only = params["kind"] == "stock"
    return Planner(checker, stock_only=stock_only, mode=params.get("mode") or "set")


@contextlib.contextmanager
def _checked_source(params: dict, dry_run: dict, size: int) -> Iterator[tuple]:
    """``(planner, batches)`` for an apply: the rows as its dry run checked them.

    From the rows the dry run kept, with the headers it read: the staged file is not
    opened again (for a 100,000-row XLSX that meant reading its whole sheet once more
    only for its header row). A dry run that kept none (made before they were kept):
    the file read and checked again.
    """
    if dry_run.get("checked_key") and dry_run.get("headers") is not None:
        try:
            target = check_mapping(params["kind"], params["mapping"], dry_run["headers"])
        except ValueError as exc:
            raise JobError(str(exc)) from None
        planner = _planner(params, target, params["mapping"], dry_run["headers"])
        with tempfile.TemporaryFile() as kept:
            rows = kept_rows(dry_run["checked_key"], dry_run["checked_sha256"], kept)
            try:
                yield planner, batches(rows, size)
            except ImportRefused as exc:  # the kept rows gone or altered
                raise JobError(str(exc)) from None
        return
    with _opened(params) as (table, planner, _):
        yield planner, (planner.check(batch) for batch in batches(table.rows, size))


def run_dry_run(job: Job) -> None:
    """The ``import_dry_run`` kind (see the module docstring)."""
    job_id, size, storage = job.id, int(current_app.config["JOB_BATCH_SIZE"]), get_storage()
    with (
        contextlib.ExitStack() as stack,
        _opened(job.params) as (table, planner, source),
        tempfile.TemporaryFile() as errors,
    ):
        mapping = planner.checker.mapping
        if source == "given":  # chosen (the map step, --mapping): remembered
            remember(job.params["kind"], table.headers, mapping, job.user_id)
        else:  # the remembered or proposed one, which the apply must use too
            job.params = {**job.params, "mapping": mapping, "mapping_from": source}
        text = io.TextIOWrapper(errors, encoding="utf-8-sig", newline="")
        report = Report(table.headers, text)
        kept = stack.enter_context(tempfile.TemporaryFile())
        writer = CheckedWriter(kept)
        done = 0
        for batch in batches(table.rows, size):
            checked = planner.check(batch)
            writer.write(checked)
            report.add(planner.classify(checked))
            done += len(batch)
            record_progress(job, done)
            db.session.commit()
            if is_cancelled(job_id):
                raise JobCancelled
        token = secrets.token_hex(8)
        errors_key = None
        if report.counts["error"]:
            text.flush()
            errors.seek(0)
            errors_key = f"imports/{job_id}-{token}-errors.csv"
            storage.save_file(errors_key, errors, "text/csv")
        text.detach()
        kept.seek(0)
        checked_key = f"imports/{job_id}-{token}-checked.jsonl"
        storage.save_file(checked_key, kept, "application/jsonl")
    key = f"imports/{job_id}-{token}.json"
    storage.save(key, report.to_json(), "application/json")
    job.checkpoint = {"counts": dict(report.counts), "errors_key": errors_key,
                      "checked_key": checked_key, "headers": table.headers,
                      "checked_sha256": writer.digest.hexdigest()}  # fmt: skip
    finish_job(job, result_key=key, summary=f"{job.summary}: {report.summary()}")


def run_apply(job: Job) -> None:
    """The ``import_apply`` kind, resumable (see the module docstring)."""
    job_id, params, summary = job.id, dict(job.params), job.summary
    dry_run = db.session.get(Job, params["dry_run"])
    counts = fresh_counts(dry_run, params)
    if counts.get("error") and not params.get("skip_errors"):
        raise JobError(f"{counts['error']:,} rows are in error; nothing was imported.")
    actor = db.session.get(User, job.user_id) if job.user_id is not None else None
    checkpoint = dict(job.checkpoint)
    attempt, last = checkpoint["attempt"], checkpoint["line"]
    if not own_job(job_id, attempt, checkpoint=checkpoint):
        db.session.rollback()
        raise JobCancelled
    db.session.commit()
    done, size = job.done or 0, int(current_app.config["JOB_BATCH_SIZE"])
    with _checked_source(params, dry_run.checkpoint or {}, size) as (planner, checked):
        target, mapping = planner.target, planner.checker.mapping
        for batch in checked:
            planner.remember(r for r in batch if r.line <= last)  # applied before a restart
            todo = [r for r in batch if r.line > last]
            if not todo:
                continue
            classified = planner.classify(todo)
            outcome = write_batch(target, classified, mode=params.get("mode") or "set")
            written = Counter(checkpoint["counts"])
            written.update(outcome.counts)
            written.update(c.cls for c in classified if c.cls in ("unchanged", "error"))
            conflicts = [*checkpoint.get("conflicts", []), *outcome.conflicts][:CONFLICTS_KEPT]
            done += len(todo)
            checkpoint = {**checkpoint, "line": todo[-1].line, "counts": dict(written),
                          "conflicts": conflicts}  # fmt: skip
            if not own_job(job_id, attempt, checkpoint=checkpoint, done=done):
                db.session.rollback()
                raise JobCancelled
            db.session.commit()
    final = checkpoint["counts"]
    text = counts_text(final)
    audit.record(
        "import", model=target.model.__name__, summary=f"{summary}: {text}", actor=actor,
        changes={"file": params["name"], "sha256": params["sha256"], "mapping": mapping,
                 "mode": params.get("mode"), "counts": final, "job": job_id,
                 "conflicts": checkpoint.get("conflicts", [])},
    )  # fmt: skip
    finish_job(db.session.get(Job, job_id), result_key=None, summary=f"{summary}: {text}")


def remove_expired_imports() -> int:
    """Delete staged files, reports and error rows older than ``KEEP``; how many went."""
    storage, cutoff, removed = get_storage(), clock.now() - KEEP, 0
    for key in [k for k in storage.iter_keys() if k.startswith("imports/")]:
        try:
            if storage.modified(key) < cutoff:
                storage.delete(key)
                removed += 1
        except KeyNotFound:
            continue  # removed meanwhile
    return removed
