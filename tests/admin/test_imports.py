"""The Import page: upload → map → dry run → preview → apply, with CSRF and permissions."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import AuditLog, Book
from tests.imports.files import write_xlsx
from tests.jobs.conftest import wait_ended
from tests.support.http import csrf_from, login, post_form
from tests.support.rawhttp import multipart

URL = "/admin/import/"


@pytest.fixture
def app_config(app_config, tmp_path) -> dict:
    """A queue file of the test's own for the worker (as tests/jobs does)."""
    return {"JOBS_SQLITE_PATH": str(tmp_path / "jobs.db"), **app_config}


@pytest.fixture
def worker(app):
    consumer = app.extensions["huey"].create_consumer(
        workers=1, periodic=False, initial_delay=0.05, max_delay=0.2, check_worker_health=False
    )
    consumer.start()
    yield consumer
    consumer.stop(graceful=True)


def upload(client, data: bytes, name: str, **fields):
    token = csrf_from(client.get(URL).get_data(as_text=True))
    form = {"csrf_token": token, "kind": "book", "mode": "set", **fields,
            "file": (io.BytesIO(data), name)}  # fmt: skip
    return client.post(URL, data=form, content_type="multipart/form-data")


def test_the_whole_flow_with_one_bad_row(app, staff_client, worker, tmp_path):
    path = write_xlsx(tmp_path / "books.xlsx", [
        ["ISBN13", "Title", "Author", "Price"],
        ["978-0-14-044913-6", "Crime and Punishment", "Dostoevsky", 12],
        ["9780306406157", "Dune", "Frank Herbert", -1],
    ])  # fmt: skip
    response = upload(staff_client, path.read_bytes(), "books.xlsx")
    assert response.status_code == 302, response.get_data(as_text=True)
    page = staff_client.get(response.location).get_data(as_text=True)
    assert '<option value="ISBN13" selected>' in page
    mapping = {"isbn": "ISBN13", "title": "Title", "author": "Author", "price": "Price"}
    started = post_form(staff_client, f"{URL}map", mapping, token_from=f"{URL}map")
    assert started.status_code == 302
    job_id = int(started.location.rstrip("/").split("/")[-1])
    assert wait_ended(app, job_id).state == "done"
    preview = staff_client.get(started.location).get_data(as_text=True)
    assert "Must be greater than 0." in preview
    errors = staff_client.get(f"{URL}preview/{job_id}/errors.csv")
    assert errors.status_code == 200
    assert "Dune" in errors.get_data(as_text=True)
    # Without the token, nothing starts; with it, the apply runs.
    assert staff_client.post(f"{URL}preview/{job_id}/apply").status_code == 400
    applied = post_form(staff_client, f"{URL}preview/{job_id}/apply", token_from=started.location)
    assert applied.status_code == 302
    apply_id = int(applied.location.rstrip("/").split("/")[-1])
    assert wait_ended(app, apply_id).state == "done"
    with app.app_context():
        assert db.session.scalars(select(Book.title)).all() == ["Crime and Punishment"]
        entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "import")).one()
        assert entry.changes["file"] == "books.xlsx"
    # the mapping is remembered for the next book import
    upload(staff_client, path.read_bytes(), "again.xlsx")
    assert '<option value="ISBN13" selected>' in staff_client.get(f"{URL}map").get_data(
        as_text=True
    )


def test_the_chosen_mapping_is_remembered_in_the_database_for_everyone(
    app, client, users, worker, tmp_path
):
    rows = [["Code", "Book", "Writer", "Cost"], ["9780306406157", "Dune", "Herbert", 9]]
    path = write_xlsx(tmp_path / "odd.xlsx", rows)
    assert login(client, "staff@example.com").status_code == 302
    upload(client, path.read_bytes(), "odd.xlsx")
    page = client.get(f"{URL}map").get_data(as_text=True)
    assert '<option value="Code" selected>' not in page  # nothing proposes these headers
    mapping = {"isbn": "Code", "title": "Book", "author": "Writer", "price": "Cost"}
    started = post_form(client, f"{URL}map", mapping, token_from=f"{URL}map")
    assert wait_ended(app, int(started.location.rstrip("/").split("/")[-1])).state == "done"
    other = app.test_client()  # another person, another browser: no session shared
    assert login(other, "admin@example.com").status_code == 302
    upload(other, path.read_bytes(), "odd.xlsx")
    page = other.get(f"{URL}map").get_data(as_text=True)
    for header in mapping.values():
        assert f'<option value="{header}" selected>' in page


def test_a_refused_file_is_a_form_error_not_a_500(staff_client):
    response = upload(staff_client, b"%PDF-1.4", "scan.pdf")
    assert response.status_code == 200
    assert "Only CSV and XLSX files can be imported." in response.get_data(as_text=True)


def test_customers_may_not_import(customer_client):
    assert customer_client.get(URL).status_code == 403
    assert customer_client.get(f"{URL}preview/1").status_code == 403


def test_staff_see_only_their_own_dry_runs(staff_client):
    page = staff_client.get(URL)
    assert page.status_code == 200
    # This page takes uploads up to IMPORT_MAX_BYTES, not the 5 MB of other pages.
    assert "up to 50 MB" in page.get_data(as_text=True)
    assert staff_client.get(f"{URL}preview/999999").status_code == 404
    assert staff_client.get(f"{URL}map").status_code == 302  # nothing uploaded yet


def big_csv(size: int) -> bytes:
    """A product CSV of about ``size`` bytes."""
    row = b"SKU-%07d,A product with a long enough name to fill the file quickly,9.99\r\n"
    count = size // len(row % 0) + 1
    return b"SKU,Name,Price\r\n" + b"".join(row % i for i in range(count))


def post_file(client, url: str, data: bytes, name: str = "big.csv"):
    token = csrf_from(client.get(URL).get_data(as_text=True))
    fields = {"csrf_token": token, "kind": "product", "mode": "set"}
    body, content_type = multipart(fields, {"file": (name, data)})
    return client.post(url, data=body, content_type=content_type)


def test_the_upload_takes_files_over_the_5_mb_of_other_pages(app, staff_client):
    data = big_csv(6 * 1024 * 1024)
    response = post_file(staff_client, URL, data)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert response.location.endswith("/admin/import/map")
    # Every other route, this view's included, keeps MAX_CONTENT_LENGTH (5 MB).
    other = post_file(staff_client, f"{URL}map", data)
    assert other.status_code == 413
    assert "The upload is too large: the limit is 5 MB." in other.get_data(as_text=True)


@pytest.mark.config(IMPORT_MAX_BYTES=7_000_000)
def test_an_upload_over_import_max_bytes_is_a_clear_413(app, staff_client):
    response = post_file(staff_client, URL, big_csv(7_100_000))
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "The upload is too large: the limit is 7 MB." in page
    assert "up to 7 MB" in staff_client.get(URL).get_data(as_text=True)
