"""Deleting catalogue rows through the API: the admin's history rule (409), If-Match (412)."""

from __future__ import annotations

from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import AuditLog, Book, Product
from tests.support.factories import add_book, add_order, add_product

PROBLEM = "application/problem+json"


def rows(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_reads_carry_an_etag_that_changes_with_the_row(app, client, full_key):
    lamp = add_product(app, sku="LAMP", stock=5)
    first = client.get(f"/api/v1/products/{lamp}", headers=full_key)
    assert first.headers["ETag"].startswith('"')
    same = client.get("/api/v1/products/sku/LAMP", headers=full_key)
    assert same.headers["ETag"] == first.headers["ETag"]
    client.post(
        "/api/v1/products/LAMP/stock-adjustments",
        json={"delta": 1, "reason": "found one"},
        headers=full_key,
    )
    assert (
        client.get(f"/api/v1/products/{lamp}", headers=full_key).headers["ETag"]
        != (first.headers["ETag"])
    )


def test_delete_with_a_stale_if_match_is_412_and_deletes_nothing(app, client, full_key):
    lamp = add_product(app, sku="LAMP", stock=5)
    tag = client.get(f"/api/v1/products/{lamp}", headers=full_key).headers["ETag"]
    with app.app_context():
        db.session.get(Product, lamp).stock = 4  # an order, an admin edit...
        db.session.commit()
    stale = client.delete(f"/api/v1/products/{lamp}", headers={**full_key, "If-Match": tag})
    assert stale.status_code == 412
    assert stale.mimetype == PROBLEM
    assert rows(app, Product) == 1

    fresh = client.get(f"/api/v1/products/{lamp}", headers=full_key).headers["ETag"]
    deleted = client.delete(f"/api/v1/products/{lamp}", headers={**full_key, "If-Match": fresh})
    assert deleted.status_code == 204
    assert rows(app, Product) == 0
    with app.app_context():
        entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "delete"))
        assert entry.api_key == "everything"
        assert entry.changes["sku"] == {"before": "LAMP", "after": None}


def test_a_product_with_history_is_refused_409(app, client, users, full_key):
    lamp = add_product(app, sku="LAMP", stock=5)
    add_order(app, users["customer"], [(lamp, 1)])
    response = client.delete(f"/api/v1/products/{lamp}", headers=full_key)
    assert response.status_code == 409
    assert "appears in orders" in response.get_json()["detail"]
    assert rows(app, Product) == 1


def test_books_delete_and_unknown_rows_are_404(app, client, full_key):
    book = add_book(app)
    assert client.delete(f"/api/v1/books/{book}", headers=full_key).status_code == 204
    assert rows(app, Book) == 0
    assert client.delete(f"/api/v1/books/{book}", headers=full_key).status_code == 404
    assert client.delete("/api/v1/products/2147483647", headers=full_key).status_code == 404
