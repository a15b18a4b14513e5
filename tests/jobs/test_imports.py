"""Imports as jobs, with a real worker: the dry run writes nothing, the apply writes what
the dry run showed, only after a fresh dry run of the same file, and audits it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.jobs import imports
from backoffice.jobs.runner import JobError, run_job
from backoffice.models import AuditLog, Book, Job, Product, User
from backoffice.storage import get_storage
from tests.imports.files import write_csv, write_xlsx
from tests.jobs.conftest import wait_ended
from tests.support.factories import add_book, add_product

HEADERS = ["SKU", "Name", "Price", "Qty"]


def checksum(model) -> list:
    """Every row of ``model``'s table as the database has it (to prove nothing changed)."""
    return db.session.execute(select(model.__table__).order_by(model.id)).all()


def dry_run(app, user_id, path, kind="product", **options) -> int:
    with app.app_context():
        with path.open("rb") as fh:
            staged = imports.stage_file(fh, path.name)
        job = imports.start_dry_run(
            staged, kind=kind, user=db.session.get(User, user_id), **options
        )
        db.session.commit()
        return job.id


def apply(app, user_id, dry_run_id, **options) -> int:
    with app.app_context():
        job = imports.start_apply(
            db.session.get(Job, dry_run_id), user=db.session.get(User, user_id), **options
        )
        db.session.commit()
        return job.id


def report(app, job) -> dict:
    with app.app_context():
        return json.loads(get_storage().open(job.result_key))


@pytest.fixture
def catalogue(app):
    add_product(app, sku="KEEP", name="Lamp", price=Decimal("19.99"), stock=10)
    add_product(app, sku="UPD", name="Old", price=Decimal("5.00"), stock=1)


def test_dry_run_writes_nothing_and_apply_matches_its_counts(
    app, users, catalogue, worker, tmp_path
):
    path = write_csv(tmp_path / "supplier.csv", [
        HEADERS, ["KEEP", "Lamp", "19.99", "10"], ["UPD", "New", "6", "4"],
        ["NEW", "Chair", "42", "3"], ["BAD", "Table", "0", "1"], ["NEW", "Again", "1", "1"],
    ], delimiter=";")  # fmt: skip
    with app.app_context():
        before = checksum(Product)
    job = wait_ended(app, dry_run(app, users["staff"], path))
    assert job.state == "done", job.error
    with app.app_context():
        assert checksum(Product) == before
    found = report(app, job)
    assert found["counts"] == {"new": 1, "update": 1, "unchanged": 1, "error": 2}
    assert found["samples"]["update"] == [
        {
            "line": 3,
            "key": "UPD",
            "diff": {"name": ["Old", "New"], "price": ["5.00", "6"], "stock": [1, 4]},
        }
    ]
    assert found["errors"] == [
        {"line": 5, "field": "price", "message": "Must be greater than 0."},
        {"line": 6, "field": "sku", "message": "Repeats the key of line 4."},
    ]
    with app.app_context():
        error_rows = get_storage().open(job.checkpoint["errors_key"]).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(error_rows))) == [
        [*HEADERS, "error"], ["BAD", "Table", "0", "1", "price: Must be greater than 0."],
        ["NEW", "Again", "1", "1", "sku: Repeats the key of line 4."],
    ]  # fmt: skip

    done = wait_ended(app, apply(app, users["staff"], job.id))
    assert done.state == "done", done.error
    assert done.checkpoint["counts"] == {"created": 1, "updated": 1, "unchanged": 1, "error": 2}
    with app.app_context():
        rows = {
            p.sku: (p.name, p.price, p.stock, p.name_key)
            for p in db.session.scalars(select(Product))
        }
        entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "import")).one()
        assert entry.actor_id == users["staff"]
        assert entry.changes["sha256"] == job.params["sha256"]
        assert entry.changes["file"] == "supplier.csv"
        assert entry.changes["mapping"] == {
            "sku": "SKU",
            "name": "Name",
            "price": "Price",
            "stock": "Qty",
        }
        assert entry.changes["counts"]["created"] == 1
    assert rows == {
        "KEEP": ("Lamp", Decimal("19.99"), 10, "lamp"), "UPD": ("New", Decimal("6.00"), 4, "new"),
        "NEW": ("Chair", Decimal("42.00"), 3, "chair"),
    }  # fmt: skip


def test_apply_needs_a_fresh_dry_run_of_the_same_file_and_mapping(
    app, users, catalogue, worker, tmp_path
):
    path = write_csv(tmp_path / "f.csv", [HEADERS, ["NEW", "Chair", "42", "3"]])
    job = wait_ended(app, dry_run(app, users["staff"], path))
    with app.app_context():
        dry = db.session.get(Job, job.id)
        params = {**dry.params, "mapping": {"sku": "SKU", "name": "Name", "price": "Price"}}
        with pytest.raises(JobError, match="another file, mapping or mode"):
            imports.fresh_counts(dry, params)
        with pytest.raises(JobError, match="dry run of this file first"):
            imports.fresh_counts(None, dry.params)
        dry.finished_at = dry.finished_at.replace(year=2000)
        with pytest.raises(JobError, match="more than an hour old"):
            imports.start_apply(dry, user=db.session.get(User, users["staff"]))


def test_rows_in_error_stop_the_apply_unless_skipped(app, users, catalogue, worker, tmp_path):
    path = write_csv(
        tmp_path / "f.csv", [HEADERS, ["NEW", "Chair", "42", "3"], ["BAD", "x", "-1", "1"]]
    )
    job = wait_ended(app, dry_run(app, users["staff"], path))
    refused = wait_ended(app, apply(app, users["staff"], job.id, skip_errors=False))
    assert refused.state == "failed"
    assert refused.error == "1 rows are in error; nothing was imported."
    skipped = wait_ended(app, apply(app, users["staff"], job.id, skip_errors=True))
    assert skipped.checkpoint["counts"] == {"created": 1, "error": 1}


def test_books_from_xlsx_and_stock_lists_set_and_add(app, users, worker, tmp_path):
    add_book(app, isbn="9780306406157", stock=3)
    path = write_xlsx(tmp_path / "books.xlsx", [
        ["ISBN", "Title", "Author", "Price", "Stock"],
        ["0-306-40615-2", "Dune", "Frank Herbert", 9.5, 3.0],
        ["978-0-14-044913-6", "Crime and Punishment", "Dostoevsky", 12, 5],
    ])  # fmt: skip
    job = wait_ended(app, dry_run(app, users["admin"], path, kind="book"))
    assert report(app, job)["errors"] == []
    assert report(app, job)["counts"] == {"new": 1, "update": 0, "unchanged": 1, "error": 0}
    assert wait_ended(app, apply(app, users["admin"], job.id)).state == "done"
    stock = write_csv(
        tmp_path / "stock.csv", [["EAN", "On hand"], ["9780306406157", "4"], ["9780140449136", "2"]]
    )
    added = wait_ended(app, dry_run(app, users["admin"], stock, kind="stock", mode="add"))
    assert report(app, added)["samples"]["update"][0]["diff"] == {"stock": [3, 7]}
    assert wait_ended(app, apply(app, users["admin"], added.id)).state == "done"
    with app.app_context():
        assert dict(db.session.execute(select(Book.isbn, Book.stock)).all()) == {
            "9780306406157": 7, "9780140449136": 7,
        }  # fmt: skip


def test_a_refused_file_fails_the_dry_run_with_its_reason(app, users, worker, tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(b"\xef\xbb\xbfSKU,Name\nA,caf\xe9\n")
    job = wait_ended(app, dry_run(app, users["staff"], path))
    assert job.state == "failed"
    assert "declared UTF-8" in job.error
    unmapped = write_csv(tmp_path / "g.csv", [["Colour", "Size"], ["red", "L"]])
    job = wait_ended(app, dry_run(app, users["staff"], unmapped))
    assert job.error == "No column is mapped to the key, SKU."
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Product)) == 0


def test_staged_files_expire_after_a_day(app, tmp_path):
    path = write_csv(tmp_path / "f.csv", [HEADERS, ["NEW", "Chair", "42", "3"]])
    with app.app_context():
        with path.open("rb") as fh:
            key = imports.stage_file(fh, path.name)["file_key"]
        assert imports.remove_expired_imports() == 0
        later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=25)
        app.config["CLOCK"] = lambda: later
        assert imports.remove_expired_imports() == 1
        assert not get_storage().exists(key)


def test_the_apply_uses_the_dry_runs_checked_rows_and_refuses_altered_ones(
    app, users, catalogue, worker, tmp_path
):
    path = write_csv(tmp_path / "f.csv", [HEADERS, ["NEW", "Chair", "42", "3"]])
    job = wait_ended(app, dry_run(app, users["staff"], path))
    with app.app_context():
        key = job.checkpoint["checked_key"]
        kept = get_storage().open(key)
        assert kept.startswith(b'[2,"NEW",{')
        get_storage().save(key, kept.replace(b"Chair", b"Sofa!"), "application/jsonl")
    refused = wait_ended(app, apply(app, users["staff"], job.id))
    assert refused.state == "failed"
    assert refused.error == "The dry run's checked rows do not match their hash: run it again."
    with app.app_context():
        get_storage().save(key, kept, "application/jsonl")
    done = wait_ended(app, apply(app, users["staff"], job.id))
    assert done.checkpoint["counts"] == {"created": 1}
    with app.app_context():
        get_storage().delete(key)
    gone = wait_ended(app, apply(app, users["staff"], job.id))
    assert gone.error == "The dry run's checked rows are gone: run it again."


def test_a_staged_file_gone_fails_the_dry_run_with_a_message(app, users, tmp_path):
    path = write_csv(tmp_path / "f.csv", [HEADERS, ["NEW", "Chair", "42", "3"]])
    job_id = dry_run(app, users["staff"], path, enqueue=False)
    with app.app_context():
        get_storage().delete(db.session.get(Job, job_id).params["file_key"])
        run_job(job_id)
        job = db.session.get(Job, job_id)
        assert job.state == "failed"
        assert job.error == "The uploaded file is gone (kept 24 hours): upload it again."


def test_the_apply_reads_the_kept_rows_not_the_file_again(app, users, worker, tmp_path):
    """The apply needs the dry run's kept rows and headers only: with the staged file gone
    it still writes what the dry run showed. A dry run kept before the headers were (no
    ``headers`` in its checkpoint) has its file read again, and fails without it."""
    path = write_xlsx(tmp_path / "new.xlsx", [
        ["SKU", "Name", "Price", "Qty"], ["0042", "Chair", 42, 3.0], ["B-2", "Desk", 99.5, 1],
    ])  # fmt: skip
    job = wait_ended(app, dry_run(app, users["staff"], path))
    assert job.checkpoint["headers"] == ["SKU", "Name", "Price", "Qty"]
    with app.app_context():
        get_storage().delete(job.params["file_key"])
    done = wait_ended(app, apply(app, users["staff"], job.id))
    assert done.state == "done"
    assert done.checkpoint["counts"] == {"created": 2}
    with app.app_context():
        assert dict(db.session.execute(select(Product.sku, Product.stock)).all()) == {
            "0042": 3, "B-2": 1,
        }  # fmt: skip

    older = wait_ended(app, dry_run(app, users["staff"], write_csv(
        tmp_path / "more.csv", [HEADERS, ["C-3", "Stool", "12", "4"]]
    )))  # fmt: skip
    with app.app_context():
        row = db.session.get(Job, older.id)
        row.checkpoint = {k: v for k, v in row.checkpoint.items() if k != "headers"}
        db.session.commit()
    assert wait_ended(app, apply(app, users["staff"], older.id)).checkpoint["counts"] == {
        "created": 1
    }
    with app.app_context():
        get_storage().delete(older.params["file_key"])
    gone = wait_ended(app, apply(app, users["staff"], older.id))
    assert gone.error == "The uploaded file is gone (kept 24 hours): upload it again."
