"""A job's result download is streamed from the store (local and a real FTP server), on
SQLite and PostgreSQL: the body is the stored file, the headers as before, a result gone
from the store is a clear 410, and a client that goes away frees the FTP connection."""

from __future__ import annotations

import time

import pytest

from backoffice.storage import get_storage
from tests.jobs.conftest import wait_ended
from tests.jobs.test_admin_jobs import start
from tests.support.factories import add_product
from tests.support.ftpserver import FTP_PASSWORD, FTP_USER

# Every byte value and line ends, 3 MiB: many chunks, and an ASCII transfer would show.
BIG = (bytes(range(256)) + b"\r\n") * (3 * 1024 * 1024 // 258)


@pytest.fixture(params=["local", "ftp"])
def ftp(request, ftp_server_factory):
    """The FTP server the app stores on (for the ``ftp`` run), else None."""
    return ftp_server_factory("ftp-home") if request.param == "ftp" else None


@pytest.fixture
def app_config(app_config, ftp) -> dict:
    """The local store, or STORAGE_BACKEND=ftp on the test server."""
    if ftp is None:
        return app_config
    settings = {"STORAGE_BACKEND": "ftp", "FTP_HOST": "127.0.0.1", "FTP_PORT": ftp.port}
    settings |= {"FTP_USER": FTP_USER, "FTP_PASSWORD": FTP_PASSWORD, "FTP_TIMEOUT": 5}
    return {**app_config, **settings}


@pytest.fixture
def result(app, staff_client, worker) -> tuple[int, str]:
    """A finished background export of the product list: ``(job id, its result key)``."""
    add_product(app)
    job_id = start(staff_client)
    job = wait_ended(app, job_id)
    assert job.state == "done", job.error
    return job_id, job.result_key


def store(app, key: str, data: bytes) -> None:
    """Replace the stored result with ``data``."""
    with app.app_context():
        get_storage().save(key, data, "text/csv")


def test_the_download_is_the_stored_file_streamed_with_its_headers(app, staff_client, result):
    job_id, key = result
    store(app, key, BIG)
    response = staff_client.get(f"/admin/jobs/{job_id}/download")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="products-')
    assert response.headers["Content-Disposition"].endswith('.csv"')
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Length"] == str(len(BIG))
    assert response.get_data() == BIG


def test_a_client_that_goes_away_mid_download_frees_the_connection(app, staff_client, result, ftp):
    job_id, key = result
    store(app, key, BIG)
    response = staff_client.get(f"/admin/jobs/{job_id}/download", buffered=False)
    assert response.is_streamed
    first = next(iter(response.response))
    assert first
    assert BIG.startswith(first)
    if ftp is not None:
        assert len(ftp.open_connections) == 1  # the download's own
    response.close()  # what the WSGI server does when the client disconnects
    deadline = time.monotonic() + 5
    while ftp is not None and ftp.open_connections:
        assert time.monotonic() < deadline, "the download's FTP connection stayed open"
        time.sleep(0.02)


def test_a_result_gone_from_the_store_is_a_clear_410(app, staff_client, result):
    job_id, key = result
    with app.app_context():
        get_storage().delete(key)
    response = staff_client.get(f"/admin/jobs/{job_id}/download")
    assert response.status_code == 410
    assert "no longer in the file store" in response.get_data(as_text=True)
    assert response.headers.get("Content-Disposition") is None
