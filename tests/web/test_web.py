"""Health check, error pages and the headers every response carries."""

from __future__ import annotations

import pytest

from backoffice import create_app
from tests.support.http import login


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_503_when_database_is_unreachable(tmp_path):
    # A SQLite path inside a directory that does not exist cannot be opened.
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/db.sqlite"}, env="testing"
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"


@pytest.mark.parametrize("path", ["/", "/login", "/register", "/healthz", "/no-such-page"])
def test_security_headers_on_every_kind_of_page(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_every_script_tag_carries_the_nonce(admin_client):
    import re

    for path in ("/", "/admin/", "/admin/order/", "/admin/order/new/", "/account/"):
        response = admin_client.get(path)
        nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
        page = response.get_data(as_text=True)
        scripts = re.findall(r"<script\b[^>]*>", page)
        assert scripts, path
        for tag in scripts:
            assert f'nonce="{nonce}"' in tag, (path, tag)
        assert not re.search(r"\son[a-z]+=\"", page), f"inline event handler on {path}"


def test_session_cookie_flags(client, users):
    response = login(client, "customer@example.com")
    cookie = response.headers.get("Set-Cookie")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_404_page_in_house_style_and_json(client):
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
    response = client.get("/nowhere", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json["status"] == 404


@pytest.mark.config(PROPAGATE_EXCEPTIONS=False)
def test_500_page_hides_the_error(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = client.get("/boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Server error" in page
    assert "secret internals" not in page


@pytest.mark.config(MAX_CONTENT_LENGTH=1024)
def test_413_is_a_friendly_page(client):
    response = client.post("/login", data={"x": "a" * 5000})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_405_lists_allowed_methods(client):
    response = client.get("/logout")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]


def test_no_cdn_anywhere(admin_client):
    import re

    for path in ("/", "/login", "/register", "/admin/", "/admin/product/new/"):
        page = admin_client.get(path).get_data(as_text=True)
        assert not re.search(r'(src|href)="(https?:)?//', page), path


@pytest.mark.parametrize("server", ["werkzeug", "gunicorn"])
def test_healthz_on_the_development_server_and_gunicorn(migrated, tmp_path, server):
    import urllib.error
    import urllib.request

    from tests.support.servers import SERVERS

    def status(config) -> int:
        with SERVERS[server](None, config, tmp_path) as port:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as r:
                    return r.status
            except urllib.error.HTTPError as exc:
                return exc.code

    assert status({"SQLALCHEMY_DATABASE_URI": migrated}) == 200
    broken = f"sqlite:///{tmp_path}/missing/dir/db.sqlite"
    assert status({"SQLALCHEMY_DATABASE_URI": broken}) == 503
