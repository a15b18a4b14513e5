"""Orders through the API: read, place (exactly once with an Idempotency-Key), transitions."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import AuditLog, IdempotencyRecord, Order, Product, User
from backoffice.services.erasure import erase_user
from tests.support.factories import add_order, add_product
from tests.support.threads import all_at_once

POOL = {"pool_size": 25, "max_overflow": 0, "pool_pre_ping": True}
PROBLEM = "application/problem+json"


def order_body(customer, sku="LAMP", quantity=1):
    return {
        "customer_id": customer,
        "shipping_address": "1 High Street",
        "items": [{"sku": sku, "quantity": quantity}],
    }


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def stock(app, product_id):
    with app.app_context():
        return db.session.scalar(select(Product.stock).where(Product.id == product_id))


def test_place_an_order_priced_by_the_service_and_audited_with_the_key(
    app, client, users, full_key
):
    lamp = add_product(app, sku="LAMP", stock=5)
    body = order_body(users["customer"], "lamp", 2)
    response = client.post("/api/v1/orders", json=body, headers=full_key)
    assert response.status_code == 201, response.get_json()
    order = response.get_json()
    assert order["status"] == "pending"
    assert order["total"] == "39.98"
    assert order["items"] == [
        {"product_id": lamp, "sku": "LAMP", "quantity": 2, "unit_price": "19.99"}
    ]
    assert response.headers["Location"].endswith(f"/api/v1/orders/{order['id']}")
    assert stock(app, lamp) == 3
    with app.app_context():
        entry = db.session.scalar(select(AuditLog).where(AuditLog.model == "Order"))
        assert entry.api_key == "everything"
        assert entry.actor_id is None
    fetched = client.get(f"/api/v1/orders/{order['id']}", headers=full_key).get_json()
    assert fetched == order


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"items": []}, "items"),
        ({"shipping_address": "  "}, "shipping_address"),
        ({"items": [{"sku": "LAMP", "quantity": 0}]}, "items.0.quantity"),
        ({"items": [{"sku": "LAMP", "quantity": 99}]}, "items.0.quantity"),
        ({"items": [{"sku": "NOPE", "quantity": 1}]}, "items.0.sku"),
        ({"customer_id": 2**31 - 1}, "user"),
    ],
)
def test_refused_orders_are_422_naming_the_field_and_change_nothing(
    app, client, users, full_key, change, field
):
    lamp = add_product(app, sku="LAMP", stock=5)
    body = {**order_body(users["customer"]), **change}
    response = client.post("/api/v1/orders", json=body, headers=full_key)
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == PROBLEM
    assert field in response.get_json()["errors"]
    assert stock(app, lamp) == 5
    assert count(app, Order) == 0


@pytest.mark.parametrize(
    "body",
    [
        {"customer_id": "1", "shipping_address": "x", "items": []},
        {"customer_id": 1, "shipping_address": "x", "items": [{"sku": "A", "quantity": 1.5}]},
        {"customer_id": 1, "shipping_address": ["x"], "items": "nope"},
        {},
    ],
)
def test_malformed_order_bodies_are_422(client, users, full_key, body):
    response = client.post("/api/v1/orders", json=body, headers=full_key)
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    assert response.get_json()["errors"]["json"]


def test_the_same_idempotency_key_returns_the_first_answer(app, client, users, full_key):
    lamp = add_product(app, sku="LAMP", stock=5)
    headers = {**full_key, "Idempotency-Key": "order-42"}
    first = client.post("/api/v1/orders", json=order_body(users["customer"]), headers=headers)
    again = client.post("/api/v1/orders", json=order_body(users["customer"]), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert count(app, Order) == 1
    assert stock(app, lamp) == 4

    other = client.post(
        "/api/v1/orders", json=order_body(users["customer"], quantity=2), headers=headers
    )
    assert other.status_code == 422
    assert "different request" in other.get_json()["detail"]
    assert count(app, Order) == 1


def test_a_refused_order_stores_no_answer_so_a_retry_runs_again(app, client, users, full_key):
    lamp = add_product(app, sku="LAMP", stock=0)
    headers = {**full_key, "Idempotency-Key": "retry-me"}
    refused = client.post("/api/v1/orders", json=order_body(users["customer"]), headers=headers)
    assert refused.status_code == 422
    assert count(app, IdempotencyRecord) == 0
    with app.app_context():
        db.session.get(Product, lamp).stock = 3
        db.session.commit()
    retried = client.post("/api/v1/orders", json=order_body(users["customer"]), headers=headers)
    assert retried.status_code == 201


@pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9"])
def test_bad_idempotency_keys_are_400(app, client, users, full_key, key):
    add_product(app, sku="LAMP", stock=5)
    response = client.post(
        "/api/v1/orders",
        json=order_body(users["customer"]),
        headers={**full_key, "Idempotency-Key": key.encode().decode("latin-1")},
    )
    assert response.status_code == 400
    assert count(app, Order) == 0


@pytest.mark.postgres_only
@pytest.mark.config(SQLALCHEMY_ENGINE_OPTIONS=POOL)
def test_ten_simultaneous_retries_place_exactly_one_order(app, users, full_key):
    lamp = add_product(app, sku="LAMP", stock=100)

    def send():
        response = app.test_client().post(
            "/api/v1/orders",
            json=order_body(users["customer"]),
            headers={**full_key, "Idempotency-Key": "storefront-cart-7"},
        )
        return response.status_code, response.get_json()

    answers = all_at_once(10, send)
    assert [code for code, _ in answers] == [201] * 10, answers
    assert len({body["id"] for _, body in answers}) == 1
    assert count(app, Order) == 1
    assert stock(app, lamp) == 99


def test_transitions_follow_the_status_rules(app, client, users, full_key):
    lamp = add_product(app, sku="LAMP", stock=5)
    order = add_order(app, users["customer"], [(lamp, 2)])
    url = f"/api/v1/orders/{order}/transitions"
    refused = client.post(url, json={"to": "shipped"}, headers=full_key)
    assert refused.status_code == 409
    assert "must be paid first" in refused.get_json()["detail"]

    paid = client.post(url, json={"to": "paid", "reason": "bank transfer"}, headers=full_key)
    assert paid.status_code == 200
    assert paid.get_json()["status"] == "paid"
    cancelled = client.post(url, json={"to": "cancelled"}, headers=full_key)
    assert cancelled.get_json()["status"] == "cancelled"
    assert stock(app, lamp) == 7  # the factory takes no stock; cancelling returns two

    assert client.post(url, json={"to": "lost"}, headers=full_key).status_code == 422
    missing = client.post(
        "/api/v1/orders/999999/transitions", json={"to": "paid"}, headers=full_key
    )
    assert missing.status_code == 404
    with app.app_context():
        summaries = db.session.scalars(
            select(AuditLog.summary).where(AuditLog.api_key == "everything")
        ).all()
    assert any("bank transfer" in s for s in summaries)


def test_order_list_filters_and_customers_hide_secrets(app, client, users, full_key):
    lamp = add_product(app, sku="LAMP", stock=5)
    first = add_order(app, users["customer"], [(lamp, 1)])
    add_order(app, users["customer"], [(lamp, 1)], status="paid")
    listed = client.get("/api/v1/orders?status=pending", headers=full_key).get_json()["items"]
    assert [o["id"] for o in listed] == [first]
    assert client.get("/api/v1/orders?status=lost", headers=full_key).status_code == 422

    customers = client.get("/api/v1/customers", headers=full_key).get_json()["items"]
    assert [c["email"] for c in customers] == ["customer@example.com"]  # staff are not listed
    assert set(customers[0]) == {
        "id", "email", "username", "full_name", "active", "erased", "created_at"
    }  # fmt: skip
    staff = client.get(f"/api/v1/customers/{users['staff']}", headers=full_key)
    assert staff.status_code == 404


def test_erased_customers_are_shown_as_erased(app, client, users, full_key):
    with app.app_context():
        erase_user(None, db.session.get(User, users["customer"]))
        db.session.commit()
    body = client.get(f"/api/v1/customers/{users['customer']}", headers=full_key).get_json()
    assert body["erased"] is True
    assert body["email"].endswith("@invalid")
    assert body["full_name"] is None


def test_every_order_of_a_page_is_written_as_its_answer_by_id(app, client, users, full_key):
    """Pages are written without the schema's dump: each order must read exactly as the
    schema writes it by id, null parcel fields, several items and amounts included."""
    lamp = add_product(app, sku="LAMP", stock=50, price=Decimal("19.90"))
    desk = add_product(app, sku="0042-DESK", stock=50, price=Decimal("1250.05"))
    placed = [
        add_order(app, users["customer"], [(lamp, 1)]),
        add_order(app, users["customer"], [(desk, 2), (lamp, 3)], status="paid"),
        add_order(app, users["staff"], [(lamp, 1), (desk, 1)], status="shipped"),
    ]
    with app.app_context():
        shipped = db.session.get(Order, placed[2])
        shipped.carrier, shipped.tracking_number = "Royal Mail", "RM 123 456 GB"
        db.session.commit()

    listed, cursor = [], None
    while True:  # two to a page, so the cursor is followed too
        query = "/api/v1/orders?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(query, headers=full_key)
        assert page.status_code == 200
        assert page.headers["Cache-Control"] == "no-store"
        listed += page.get_json()["items"]
        cursor = page.get_json()["next_cursor"]
        if cursor is None:
            break
    by_id = [client.get(f"/api/v1/orders/{i}", headers=full_key).get_json() for i in placed]
    assert listed == by_id
    assert [len(o["items"]) for o in listed] == [1, 2, 2]
    assert listed[1]["total"] == "2559.80"
    assert listed[1]["items"][0]["sku"] == "0042-DESK"
    assert listed[2]["carrier"] == "Royal Mail"
    assert listed[0]["carrier"] is None

    with app.test_request_context():
        token = db.session.get(User, users["customer"]).get_auth_token()
    mine = client.get("/api/v1/me/orders", headers={"Authentication-Token": token})
    assert mine.get_json() == {"items": by_id[:2], "next_cursor": None}
