"""The admin's API keys page: admins list, create (key shown once) and revoke; nobody else."""

from __future__ import annotations

import re

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import ApiKey, AuditLog
from tests.support.http import post_form

PAGE = "/admin/api-keys/"


def shown_key(html: str) -> str | None:
    match = re.search(r'id="new-key"[^>]*value="(bo_[^"]+)"', html)
    return match[1] if match else None


def test_admin_creates_a_key_shown_once_that_the_api_accepts(app, admin_client):
    response = post_form(
        admin_client,
        PAGE + "create",
        {"name": "storefront", "scope": ["catalog:read", "orders:write"], "expires": "30"},
        token_from=PAGE,
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    raw = shown_key(response.get_data(as_text=True))
    assert raw
    api = app.test_client()
    assert (
        api.get("/api/v1/products", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    )

    again = admin_client.get(PAGE).get_data(as_text=True)
    assert "storefront" in again
    assert raw not in again
    with app.app_context():
        key = db.session.scalar(select(ApiKey))
        assert key.created_by_email == "admin@example.com"
        assert key.scopes == ["catalog:read", "orders:write"]


def test_revoke_from_the_page(app, admin_client):
    created = post_form(
        admin_client, PAGE + "create", {"name": "old", "scope": "catalog:read"}, token_from=PAGE
    )
    raw = shown_key(created.get_data(as_text=True))
    with app.app_context():
        key_id = db.session.scalar(select(ApiKey.id))
    revoked = post_form(admin_client, f"{PAGE}{key_id}/revoke", token_from=PAGE)
    assert revoked.status_code == 302
    headers = {"Authorization": f"Bearer {raw}"}
    assert app.test_client().get("/api/v1/products", headers=headers).status_code == 401
    with app.app_context():
        actions = db.session.scalars(select(AuditLog.action)).all()
        assert {"api_key_create", "api_key_revoke"} <= set(actions)
    assert post_form(admin_client, f"{PAGE}99999/revoke", token_from=PAGE).status_code == 404


def test_bad_input_is_refused_naming_the_field(app, admin_client):
    response = post_form(
        admin_client,
        PAGE + "create",
        {"name": "", "scope": "root:all", "expires": "99999999999"},
        token_from=PAGE,
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Expiry must be between" in html
    assert "Choose scopes among" in html
    with app.app_context():
        assert db.session.scalar(select(ApiKey)) is None


def test_csrf_is_required(app, admin_client):
    response = admin_client.post(PAGE + "create", data={"name": "x", "scope": "catalog:read"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(ApiKey)) is None


def test_staff_and_customers_cannot_manage_keys(app, staff_client):
    assert staff_client.get(PAGE).status_code == 403
    response = post_form(
        staff_client, PAGE + "create", {"name": "x", "scope": "catalog:read"}, token_from="/admin/"
    )
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(ApiKey)) is None
