"""The contract: every endpoint × every scope → allowed, or 403. A new endpoint joins the table."""

from __future__ import annotations

import pytest

from backoffice.services.api_keys import SCOPES
from tests.api.conftest import bearer
from tests.support.factories import add_api_key, add_book, add_order, add_product

ADJUST = {"delta": 1, "reason": "count"}
ORDER = {
    "customer_id": "{customer}",
    "shipping_address": "1 Road",
    "items": [{"sku": "LAMP", "quantity": 1}],
}
NEW_PRODUCT = {"sku": "NEW-1", "name": "New", "price": "1.50"}
NEW_BOOK = {"isbn": "9780141036144", "title": "1984", "author": "Orwell", "price": "8.99"}
RENAME = {"name": "Renamed"}
#: PATCH needs If-Match (428 without); "*" matches whatever the row is now.
ANY_VERSION = {"If-Match": "*"}
#: (method, path, the scope it needs, JSON body); {product}/{book}/{order}/{customer} are ids.
ENDPOINTS = [
    ("GET", "/api/v1/products", "catalog:read", None),
    ("GET", "/api/v1/products/{product}", "catalog:read", None),
    ("GET", "/api/v1/products/sku/LAMP", "catalog:read", None),
    ("GET", "/api/v1/books", "catalog:read", None),
    ("GET", "/api/v1/books/{book}", "catalog:read", None),
    ("GET", "/api/v1/books/isbn/9780306406157", "catalog:read", None),
    ("POST", "/api/v1/products/LAMP/stock-adjustments", "stock:write", ADJUST),
    ("POST", "/api/v1/books/9780306406157/stock-adjustments", "stock:write", ADJUST),
    ("DELETE", "/api/v1/products/{spare_product}", "catalog:write", None),
    ("DELETE", "/api/v1/books/{spare_book}", "catalog:write", None),
    ("POST", "/api/v1/products", "catalog:write", NEW_PRODUCT),
    ("POST", "/api/v1/books", "catalog:write", NEW_BOOK),
    ("PATCH", "/api/v1/products/{product}", "catalog:write", RENAME),
    ("PATCH", "/api/v1/products/sku/LAMP", "catalog:write", RENAME),
    ("PATCH", "/api/v1/books/{book}", "catalog:write", {"title": "Renamed"}),
    ("PATCH", "/api/v1/books/isbn/9780306406157", "catalog:write", {"title": "Renamed"}),
    ("GET", "/api/v1/customers", "customers:read", None),
    ("GET", "/api/v1/customers/{customer}", "customers:read", None),
    ("GET", "/api/v1/orders", "orders:read", None),
    ("GET", "/api/v1/orders/{order}", "orders:read", None),
    ("POST", "/api/v1/orders", "orders:write", ORDER),
    ("POST", "/api/v1/orders/{order}/transitions", "orders:write", {"to": "paid"}),
]  # fmt: skip
#: Endpoints under /api/ that need no key: the documents.
PUBLIC = {"api-docs.openapi_json", "api_docs.docs"}
#: A customer's own, reached with their sign-in token only (tests/api/test_me.py).
CUSTOMER_ONLY = {"api_me.my_account", "api_me.my_orders"}


@pytest.fixture
def rows(app, users):
    lamp = add_product(app, sku="LAMP", stock=100)
    return {
        "product": lamp,
        "book": add_book(app, isbn="9780306406157"),
        "order": add_order(app, users["customer"], [(lamp, 1)]),
        "customer": users["customer"],
        "spare_product": add_product(app, sku="SPARE"),
        "spare_book": add_book(app, isbn="9780441478125"),
    }


def fill(value, rows):
    """``value`` with every {name} replaced by the row's id (ints stay ints in JSON)."""
    if isinstance(value, str):
        for name, row_id in rows.items():
            if value == f"{{{name}}}":
                return row_id
            value = value.replace(f"{{{name}}}", str(row_id))
        return value
    if isinstance(value, dict):
        return {k: fill(v, rows) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, rows) for v in value]
    return value


@pytest.mark.parametrize("scope", SCOPES)
def test_each_scope_reaches_exactly_its_endpoints(app, client, rows, scope):
    headers = bearer(add_api_key(app, f"only-{scope.replace(':', '-')}", [scope])) | ANY_VERSION
    wrong = []
    for method, path, needed, body in ENDPOINTS:
        response = client.open(
            fill(path, rows), method=method, json=fill(body, rows), headers=headers
        )
        allowed = scope == needed
        if allowed and response.status_code >= 400:
            wrong.append(f"{method} {path}: {response.status_code} {response.get_json()}")
        if not allowed and response.status_code != 403:
            wrong.append(f"{method} {path}: {response.status_code}, expected 403")
    assert not wrong, "\n".join(wrong)


def test_every_api_endpoint_is_in_the_contract_table(app):
    adapter = app.url_map.bind("localhost")
    ones = dict.fromkeys(("product", "book", "order", "customer", "spare_product", "spare_book"), 1)
    tabled = {adapter.match(fill(path, ones), method=method)[0] for method, path, *_ in ENDPOINTS}
    api = {r.endpoint for r in app.url_map.iter_rules() if r.rule.startswith("/api/")}
    assert api - PUBLIC - CUSTOMER_ONLY == tabled


def test_without_a_key_every_endpoint_is_401(app, client, rows):
    for method, path, _, body in ENDPOINTS:
        response = client.open(fill(path, rows), method=method, json=fill(body, rows))
        assert response.status_code == 401, path
