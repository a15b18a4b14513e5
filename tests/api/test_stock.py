"""Stock adjustments: atomic, never below zero (409 with the current stock), audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import AuditLog, Book, Product
from tests.api.conftest import bearer
from tests.support.factories import add_api_key, add_book, add_product
from tests.support.threads import all_at_once

PROBLEM = "application/problem+json"


def stock_of(app, model, row_id):
    with app.app_context():
        return db.session.scalar(select(model.stock).where(model.id == row_id))


def test_adjust_a_product_by_sku_and_audit_the_key(app, client, full_key):
    lamp = add_product(app, sku="LAMP-1", stock=5)
    url = "/api/v1/products/lamp-1/stock-adjustments"
    response = client.post(url, json={"delta": -3, "reason": "broken in transit"}, headers=full_key)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"id": lamp, "stock": 2}
    with app.app_context():
        entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "stock_adjust"))
        assert entry.api_key == "everything"
        assert entry.changes == {"stock": {"before": 5, "after": 2}}
        assert "broken in transit" in entry.summary


def test_never_below_zero_409_with_the_current_stock(app, client, full_key):
    lamp = add_product(app, sku="LAMP-1", stock=2)
    response = client.post(
        "/api/v1/products/LAMP-1/stock-adjustments",
        json={"delta": -3, "reason": "count"},
        headers=full_key,
    )
    assert response.status_code == 409
    assert response.mimetype == PROBLEM
    assert response.get_json()["current_stock"] == 2
    assert stock_of(app, Product, lamp) == 2


def test_adjust_a_book_by_isbn(app, client, full_key):
    book = add_book(app, isbn="9780306406157", stock=1)
    response = client.post(
        "/api/v1/books/978-0-306-40615-7/stock-adjustments",
        json={"delta": 4, "reason": "delivery"},
        headers=full_key,
    )
    assert response.status_code == 200
    assert stock_of(app, Book, book) == 5


@pytest.mark.parametrize(
    "body",
    [
        {"delta": 0, "reason": "x"},
        {"delta": 2**31, "reason": "x"},
        {"delta": "3", "reason": "x"},
        {"delta": 1.5, "reason": "x"},
        {"delta": 1},
        {"delta": 1, "reason": ""},
    ],
)
def test_bad_adjustments_are_422(app, client, full_key, body):
    lamp = add_product(app, sku="LAMP-1", stock=5)
    response = client.post("/api/v1/products/LAMP-1/stock-adjustments", json=body, headers=full_key)
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    assert stock_of(app, Product, lamp) == 5


def test_unknown_sku_is_404_and_the_scope_is_needed(app, client):
    add_product(app, sku="LAMP-1")
    reader = bearer(add_api_key(app, "reader", ["catalog:read"]))
    body = {"delta": 1, "reason": "x"}
    assert (
        client.post(
            "/api/v1/products/LAMP-1/stock-adjustments", json=body, headers=reader
        ).status_code
        == 403
    )
    writer = bearer(add_api_key(app, "writer", ["stock:write"]))
    assert (
        client.post(
            "/api/v1/products/NOPE/stock-adjustments", json=body, headers=writer
        ).status_code
        == 404
    )
    assert (
        client.post("/api/v1/books/123/stock-adjustments", json=body, headers=writer).status_code
        == 404
    )


@pytest.mark.postgres_only
@pytest.mark.config(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 25, "max_overflow": 0})
def test_concurrent_removals_never_go_below_zero(app, full_key):
    lamp = add_product(app, sku="LAMP-1", stock=5)

    def remove_one():
        response = app.test_client().post(
            "/api/v1/products/LAMP-1/stock-adjustments",
            json={"delta": -1, "reason": "picked"},
            headers=full_key,
        )
        return response.status_code

    codes = all_at_once(10, remove_one)
    assert sorted(codes) == [200] * 5 + [409] * 5
    assert stock_of(app, Product, lamp) == 0
