"""API keys: the service, the CLI, and who the API lets in (401) or refuses (403)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import ApiKey, AuditLog
from backoffice.services.api_keys import ApiKeyError, authenticate, create_key, hash_key
from tests.api.conftest import bearer
from tests.support.factories import add_api_key
from tests.support.http import login

PROBLEM = "application/problem+json"


def test_the_key_is_stored_only_as_a_hash(app):
    raw = add_api_key(app, "shop", ["catalog:read"])
    with app.app_context():
        key = db.session.scalar(select(ApiKey))
        assert raw.startswith(f"bo_{key.prefix}_")
        assert key.secret_hash == hash_key(raw)
        assert raw not in repr(db.session.execute(select(ApiKey.__table__)).all())
        entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "api_key_create"))
        assert entry.changes["scopes"] == ["catalog:read"]


def test_create_refuses_duplicates_unknown_scopes_and_bad_expiry(app):
    add_api_key(app, "shop")
    with app.app_context():
        with pytest.raises(ApiKeyError) as refused:
            create_key("shop", ["admin:everything"], expires_in_days=0)
        assert set(refused.value.errors) == {"name", "scopes", "expires"}


def test_unknown_revoked_and_expired_keys_get_the_same_401(app, client, clock):
    app.config["CLOCK"] = clock
    raw = add_api_key(app, "shop", ["catalog:read"], expires_in_days=1)
    assert client.get("/api/v1/products", headers=bearer(raw)).status_code == 200

    forged = raw[:-4] + ("AAAA" if not raw.endswith("AAAA") else "BBBB")
    for headers in ({}, bearer("nonsense"), bearer(forged), {"Authorization": raw}):
        response = client.get("/api/v1/products", headers=headers)
        assert response.status_code == 401, headers
        assert response.mimetype == PROBLEM
        assert response.headers["WWW-Authenticate"].startswith("Bearer")

    clock.advance(days=1)
    expired = client.get("/api/v1/products", headers=bearer(raw))
    assert expired.status_code == 401
    assert expired.get_json()["detail"] == "The API key is unknown, revoked or expired."


def test_revoking_takes_effect_on_the_next_request(app, client):
    raw = add_api_key(app, "shop")
    assert client.get("/api/v1/products", headers=bearer(raw)).status_code == 200
    runner = app.test_cli_runner()
    result = runner.invoke(args=["api-key", "revoke", "shop"])
    assert result.exit_code == 0, result.output
    assert client.get("/api/v1/products", headers=bearer(raw)).status_code == 401


def test_a_key_without_the_scope_gets_403(app, client):
    raw = add_api_key(app, "orders-only", ["orders:read"])
    response = client.get("/api/v1/products", headers=bearer(raw))
    assert response.status_code == 403
    assert "catalog:read" in response.get_json()["detail"]


def test_last_use_is_noted_with_the_address(app, client):
    raw = add_api_key(app, "shop")
    client.get("/api/v1/products", headers=bearer(raw), environ_base={"REMOTE_ADDR": "10.1.2.3"})
    with app.app_context():
        key = db.session.scalar(select(ApiKey))
        assert key.last_used_ip == "10.1.2.3"
        assert key.last_used_at is not None


def test_a_browser_session_without_a_key_is_refused(app, client, users):
    login(client, "admin@example.com")
    response = client.get("/api/v1/products")
    assert response.status_code == 401
    assert "Browser sessions are not accepted" in response.get_json()["detail"]


def test_authenticate_ignores_malformed_keys(app):
    with app.app_context():
        for raw in (None, "", "bo_", "bo_zzzzzzzzzzzz_" + "a" * 43, "x" * 5000):
            assert authenticate(raw) is None


def test_cli_creates_prints_once_lists_and_revokes(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["api-key", "create", "warehouse", "--scope", "stock:write", "--expires", "30"]
    )
    assert result.exit_code == 0, result.output
    raw = result.output.strip().splitlines()[-1]
    with app.app_context():
        key = authenticate(raw)
        assert key.name == "warehouse"
        assert key.scopes == ["stock:write"]
        assert key.expires_at - key.created_at == dt.timedelta(days=30)

    listing = runner.invoke(args=["api-key", "list"])
    assert "warehouse" in listing.output
    assert "active" in listing.output
    assert raw not in listing.output

    again = runner.invoke(args=["api-key", "create", "warehouse", "--scope", "stock:write"])
    assert again.exit_code == 1
    assert "already exists" in again.output
    bad = runner.invoke(args=["api-key", "create", "x", "--scope", "root"])
    assert bad.exit_code == 2

    assert runner.invoke(args=["api-key", "revoke", "warehouse"]).exit_code == 0
    assert "revoked" in runner.invoke(args=["api-key", "list"]).output
    assert runner.invoke(args=["api-key", "revoke", "nobody"]).exit_code == 1
