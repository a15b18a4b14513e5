"""Session and remember-me cookies: HttpOnly and SameSite=Lax everywhere, Secure in production."""

from __future__ import annotations

import pytest

from backoffice import create_app
from backoffice.extensions import db
from tests.support.factories import PASSWORD, add_user
from tests.support.http import login

# One page of each kind: Flask-Security, account area, admin, error page, JSON answer.
PAGES = {
    "security": ("/change", {}),
    "account": ("/account/", {}),
    "admin": ("/admin/", {}),
    "error": ("/no-such-page", {}),
    "json": ("/no-such-page", {"Accept": "application/json"}),
}


def cookie_header(response, name: str) -> str:
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]
    assert headers, f"no {name} cookie set"
    return headers[-1]


def assert_flags(header: str, secure: bool) -> None:
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert ("Secure" in header) is secure


def remembered_login(client, base_url: str = "http://localhost"):
    """Password then authenticator code, "remember me" ticked; the last answer."""
    return login(
        client,
        "admin@example.com",
        PASSWORD,
        data={"remember": "y"},
        base_url=base_url,
        headers={"Referer": f"{base_url}/login"},
    )


def test_login_sets_both_cookies_with_flags(client, users):
    response = remembered_login(client)
    assert response.status_code == 302
    assert_flags(cookie_header(response, "session"), secure=False)
    assert_flags(cookie_header(response, "remember_token"), secure=False)


@pytest.mark.parametrize("kind", sorted(PAGES))
def test_the_session_cookie_has_its_flags_on_every_kind_of_page(app, client, users, kind):
    remembered_login(client)
    remember = client.get_cookie("remember_token").value
    fresh = app.test_client()  # a browser restart: only the remember-me cookie is left
    fresh.set_cookie("remember_token", remember)
    path, headers = PAGES[kind]
    response = fresh.get(path, headers=headers)
    assert response.status_code in (200, 404)
    assert_flags(cookie_header(response, "session"), secure=False)


def test_production_cookies_are_secure(monkeypatch, app, migrated):
    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    monkeypatch.setenv("SECURITY_PASSWORD_SALT", "s" * 32)
    monkeypatch.setenv("SECURITY_TOTP_SECRETS", "1:" + "t" * 40)
    monkeypatch.setenv(
        "SECURITY_MULTI_FACTOR_RECOVERY_CODES_KEYS", "dGhpcnR5LXR3by1ieXRlcy1mb3ItYS1mZXJuZXQta2U="
    )
    monkeypatch.setenv("DATABASE_URL", migrated)
    monkeypatch.setenv("BCRYPT_ROUNDS", "4")
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    production = create_app({"SQLALCHEMY_DATABASE_URI": migrated}, env="production")
    try:
        add_user(production, "admin@example.com", roles=["admin"])
        client = production.test_client()
        client.get("/login", base_url="https://localhost")
        response = remembered_login(client, "https://localhost")
        assert response.status_code == 302
        assert_flags(cookie_header(response, "session"), secure=True)
        assert_flags(cookie_header(response, "remember_token"), secure=True)
    finally:
        with production.app_context():
            db.engine.dispose()
