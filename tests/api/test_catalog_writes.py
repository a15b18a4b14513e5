"""Creating and changing catalogue rows through the API: the admin form's rules, 409, ETags."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import AuditLog, Book, Product
from tests.support.factories import add_book, add_order, add_product
from tests.support.threads import all_at_once

PROBLEM = "application/problem+json"
LAMP = {"sku": " lamp-1 ", "name": "Desk Lamp", "price": "19.90", "stock": 4}


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def audit_entries(app, action):
    with app.app_context():
        return [
            (e.api_key, e.object_id, e.changes)
            for e in db.session.scalars(select(AuditLog).where(AuditLog.action == action))
        ]


def test_create_a_product_as_the_admin_form_would(app, client, full_key):
    response = client.post("/api/v1/products", json=LAMP, headers=full_key)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["sku"] == "LAMP-1"  # the form's upper-case filter
    assert body["category"] == "general"  # the model's default, as an import gives
    assert body["price"] == "19.90"
    assert body["is_available"] is True
    assert response.headers["Location"].endswith(f"/api/v1/products/{body['id']}")
    got = client.get(response.headers["Location"], headers=full_key)
    assert got.headers["ETag"] == response.headers["ETag"]
    [(key, object_id, changes)] = audit_entries(app, "create")
    assert (key, object_id) == ("everything", str(body["id"]))
    assert changes["sku"] == {"before": None, "after": "LAMP-1"}


def test_the_form_rules_refuse_with_field_names(app, client, full_key):
    bad = {"sku": "X", "name": "  ", "price": "19.999", "stock": -1}
    response = client.post("/api/v1/products", json=bad, headers=full_key)
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    errors = response.get_json()["errors"]
    assert set(errors) == {"name", "price", "stock"}
    assert "two decimal places" in errors["price"][0]
    missing = client.post("/api/v1/books", json={"isbn": "9780306406158"}, headers=full_key)
    errors = missing.get_json()["errors"]
    assert {"isbn", "title", "author", "price"} <= set(errors)
    assert "check digit" in errors["isbn"][0]
    types = client.post("/api/v1/products", json={**LAMP, "stock": "4"}, headers=full_key)
    assert types.status_code == 422
    assert count(app, Product) == count(app, Book) == 0


def test_a_taken_key_is_a_conflict(app, client, full_key):
    add_product(app, sku="LAMP-1")
    add_book(app, isbn="9780306406157")
    assert client.post("/api/v1/products", json=LAMP, headers=full_key).status_code == 409
    book = {"isbn": "0-306-40615-2", "title": "T", "author": "A", "price": 5}
    response = client.post("/api/v1/books", json=book, headers=full_key)
    assert response.status_code == 409  # the ISBN-10 is the same book
    assert response.mimetype == PROBLEM
    assert count(app, Product) == count(app, Book) == 1


def etag(client, url, headers) -> str:
    return client.get(url, headers=headers).headers["ETag"]


def test_patch_needs_if_match_and_refuses_a_stale_one(app, client, full_key):
    lamp = add_product(app, sku="LAMP-1", stock=5)
    url = f"/api/v1/products/{lamp}"
    assert client.patch(url, json={"name": "Lamp"}, headers=full_key).status_code == 428
    tag = etag(client, url, full_key)
    with app.app_context():
        db.session.get(Product, lamp).name = "Changed in the admin"
        db.session.commit()
    stale = client.patch(url, json={"name": "Lamp"}, headers={**full_key, "If-Match": tag})
    assert stale.status_code == 412
    assert stale.mimetype == PROBLEM
    fresh = {**full_key, "If-Match": etag(client, url, full_key)}
    response = client.patch(url, json={"name": "Lamp", "price": 25}, headers=fresh)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["name"] == "Lamp"
    assert response.get_json()["price"] == "25.00"
    assert response.headers["ETag"] == etag(client, url, full_key)
    [(key, _, changes)] = audit_entries(app, "update")
    assert key == "everything"
    assert changes == {
        "name": {"before": "Changed in the admin", "after": "Lamp"},
        "price": {"before": "19.99", "after": "25.00"},
    }


def test_patch_by_sku_and_isbn_and_clearing_optional_fields(app, client, full_key):
    add_product(app, sku="LAMP-1", description="Old")
    add_book(app, isbn="9780306406157", publisher="Ace", published_year=1965)
    url = "/api/v1/products/sku/lamp-1"
    headers = {**full_key, "If-Match": etag(client, url, full_key)}
    response = client.patch(url, json={"description": None}, headers=headers)
    assert response.status_code == 200
    assert response.get_json()["description"] is None
    url = "/api/v1/books/isbn/0-306-40615-2"
    headers = {**full_key, "If-Match": etag(client, url, full_key)}
    bad = client.patch(url, json={"published_year": 1200, "title": None}, headers=headers)
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) == {"published_year", "title"}
    ok = client.patch(url, json={"published_year": None, "publisher": None}, headers=headers)
    assert ok.status_code == 200
    assert ok.get_json()["published_year"] is None
    assert client.patch("/api/v1/books/isbn/123", json={}, headers=headers).status_code == 404


def test_patch_to_a_taken_key_is_409(app, client, full_key):
    add_product(app, sku="A")
    b = add_product(app, sku="B")
    url = f"/api/v1/products/{b}"
    headers = {**full_key, "If-Match": etag(client, url, full_key)}
    assert client.patch(url, json={"sku": "a"}, headers=headers).status_code == 409
    assert client.get(url, headers=full_key).get_json()["sku"] == "B"


def test_stock_is_set_only_from_the_figure_read(app, client, users, full_key):
    """A sale between the read and the PATCH: the ETag is stale (412), stock untouched."""
    lamp = add_product(app, sku="LAMP-1", stock=5)
    url = f"/api/v1/products/{lamp}"
    headers = {**full_key, "If-Match": etag(client, url, full_key)}
    add_order(app, users["customer"], [(lamp, 2)])
    with app.app_context():  # add_order writes the line; take the stock as place_order does
        db.session.get(Product, lamp).stock = 3
        db.session.commit()
    assert client.patch(url, json={"stock": 10}, headers=headers).status_code == 412
    assert client.get(url, headers=full_key).get_json()["stock"] == 3
    headers["If-Match"] = etag(client, url, full_key)
    response = client.patch(url, json={"stock": 10}, headers=headers)
    assert response.status_code == 200
    assert response.get_json()["stock"] == 10
    with app.app_context():
        assert db.session.get(Product, lamp).stock == 10
        assert db.session.get(Product, lamp).price == Decimal("19.99")


@pytest.mark.config(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 12, "max_overflow": 0})
def test_simultaneous_updates_with_one_etag_change_the_row_once(app, full_key):
    """The lock comes before the If-Match check: one wins, the others see its change (412)."""
    lamp = add_product(app, sku="LAMP-1", stock=5)
    url = f"/api/v1/products/{lamp}"
    headers = {**full_key, "If-Match": etag(app.test_client(), url, full_key)}
    names = iter(range(8))

    def rename():
        body = {"name": f"Lamp {next(names)}"}
        response = app.test_client().patch(url, json=body, headers=headers)
        return response.status_code, response.get_json()[
            "name" if response.status_code == 200 else "status"
        ]

    answers = all_at_once(8, rename)
    assert sorted(code for code, _ in answers) == [200] + [412] * 7, answers
    [winner] = [name for code, name in answers if code == 200]
    with app.app_context():
        assert db.session.get(Product, lamp).name == winner
    assert len(audit_entries(app, "update")) == 1
