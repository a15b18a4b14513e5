"""A customer's own account and orders, with Flask-Security's sign-in token only."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import User
from backoffice.services import accounts
from tests.support.factories import PASSWORD, add_order, add_product


def token_for(app, user_id: int) -> dict[str, str]:
    with app.test_request_context():
        return {"Authentication-Token": db.session.get(User, user_id).get_auth_token()}


def test_a_customer_reads_their_account_and_only_their_orders(app, client, users):
    lamp = add_product(app, sku="LAMP", stock=5)
    mine = add_order(app, users["customer"], [(lamp, 1)])
    add_order(app, users["staff"], [(lamp, 1)])
    headers = token_for(app, users["customer"])
    account = client.get("/api/v1/me", headers=headers)
    assert account.status_code == 200
    assert account.get_json()["email"] == "customer@example.com"
    assert account.headers["Cache-Control"] == "no-store"
    orders = client.get("/api/v1/me/orders", headers=headers).get_json()["items"]
    assert [o["id"] for o in orders] == [mine]


@pytest.mark.parametrize("headers", [{}, {"Authentication-Token": "forged"}])
def test_no_or_bad_token_is_401(client, users, headers):
    response = client.get("/api/v1/me/orders", headers=headers)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


def test_a_key_or_a_session_does_not_reach_me(app, client, users, full_key, customer_client):
    assert client.get("/api/v1/me", headers=full_key).status_code == 401
    assert customer_client.get("/api/v1/me").status_code == 401


def test_a_token_reaches_nothing_but_me(app, client, users):
    headers = token_for(app, users["admin"])
    assert client.get("/api/v1/orders", headers=headers).status_code == 401
    assert client.get("/api/v1/customers", headers=headers).status_code == 401


def test_suspending_the_account_ends_its_tokens(app, client, users):
    headers = token_for(app, users["customer"])
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    with app.app_context():
        admin = db.session.get(User, users["admin"])
        accounts.suspend(admin, select(User.id).where(User.id == users["customer"]))
        db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_the_token_comes_from_the_json_login(app, client, users):
    page = client.get("/login", headers={"Accept": "application/json"})
    csrf = page.get_json()["response"]["csrf_token"]
    signed_in = client.post(
        "/login?include_auth_token",
        json={"email": "customer@example.com", "password": PASSWORD},
        headers={"X-CSRF-Token": csrf},
    )
    assert signed_in.status_code == 200, signed_in.get_json()
    token = signed_in.get_json()["response"]["user"]["authentication_token"]
    fresh = app.test_client()  # no session cookie: the token alone
    response = fresh.get("/api/v1/me", headers={"Authentication-Token": token})
    assert response.status_code == 200
