"""Uploads over MAX_CONTENT_LENGTH get the friendly 413 page, never a connection reset.

Through the Flask test client, and through real servers over raw sockets: Werkzeug's
development server in a thread and gunicorn (the production server) in a subprocess.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backoffice.extensions import db
from backoffice.models import User
from tests.support import samples
from tests.support.http import csrf_token
from tests.support.rawhttp import Browser, multipart
from tests.support.servers import SERVERS

FIVE_MB = 5 * 1024 * 1024
TOO_BIG = b"\xff\xd8\xff" + b"x" * (FIVE_MB + 1024)  # just over the default limit


def avatar_of(app, user_id):
    with app.app_context():
        return db.session.get(User, user_id).profile.avatar


def uploads(tmp_path) -> list[Path]:
    root = tmp_path / "uploads"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_default_limit_is_five_megabytes(app):
    assert app.config["MAX_CONTENT_LENGTH"] == FIVE_MB


def post_upload(client, url: str, data: bytes):
    """A multipart upload built here: for large files, Werkzeug's own builder leaves an
    unclosed temporary file behind (a ResourceWarning, an error in this suite)."""
    body, content_type = multipart({"csrf_token": csrf_token(client)}, {"avatar": ("a.jpg", data)})
    return client.post(url, data=body, content_type=content_type)


def test_account_upload_over_the_limit_is_a_friendly_413(app, customer_client, users, tmp_path):
    response = post_upload(customer_client, "/account/avatar/", TOO_BIG)
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "Upload too large" in page
    assert "The upload is too large: the limit is 5 MB." in page
    assert avatar_of(app, users["customer"]) is None
    assert uploads(tmp_path) == []


def test_admin_upload_over_the_limit_is_a_friendly_413(app, admin_client, users, tmp_path):
    with app.app_context():
        pid = db.session.get(User, users["customer"]).profile.id
    response = post_upload(admin_client, f"/admin/userprofile/edit/?id={pid}", TOO_BIG)
    assert response.status_code == 413
    assert "the limit is 5 MB" in response.get_data(as_text=True)
    assert uploads(tmp_path) == []


def test_api_clients_get_json(customer_client):
    response = customer_client.post(
        "/account/avatar/", data=TOO_BIG, headers={"Accept": "application/json"}
    )
    assert response.status_code == 413
    assert response.json == {"error": "The upload is too large: the limit is 5 MB.", "status": 413}


# --- real servers ------------------------------------------------------------------------------


@pytest.fixture(params=["werkzeug", "gunicorn"])
def server_port(request, app, migrated, app_config, tmp_path):
    """A real HTTP server running this test's app (same database, secrets and uploads)."""
    secrets = {k: app.config[k] for k in ("SECRET_KEY", "SECURITY_PASSWORD_SALT")}
    config = {"SQLALCHEMY_DATABASE_URI": migrated, **app_config, **secrets}
    with SERVERS[request.param](app, config, tmp_path) as port:
        yield port


def _token(answer) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', answer.text).group(1)


def test_real_server_answers_413_after_reading_the_whole_upload(app, users, server_port, tmp_path):
    browser = Browser(server_port)
    login = browser.post_form(
        "/login",
        {
            "email": "customer@example.com",
            "password": "correct horse battery staple 42",
            "csrf_token": _token(browser.get("/login")),
        },
    )
    assert login.status == 302, login.text
    token = _token(browser.get("/account/avatar/"))
    # 20 MB: far more than socket buffers hold, so a server that answered without
    # reading would reset the connection while the "browser" is still sending.
    big = browser.post_form(
        "/account/avatar/", {"csrf_token": token}, {"avatar": ("big.jpg", b"x" * 20_000_000)}
    )
    assert big.sent_everything, big.send_error
    assert big.status == 413
    assert "The upload is too large: the limit is 5 MB." in big.text
    assert uploads(tmp_path) == []
    # The same server still takes a normal upload.
    good = samples.encode(samples.noise((64, 64)), "PNG")
    ok = browser.post_form("/account/avatar/", {"csrf_token": token}, {"avatar": ("a.png", good)})
    assert ok.status == 302, ok.text
    assert avatar_of(app, users["customer"]) is not None
