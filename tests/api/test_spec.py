"""The OpenAPI document says what the API sends: regressions found by schemathesis."""

from __future__ import annotations

import re

from backoffice.services.idempotency import MAX_KEY_LENGTH
from backoffice.services.orders import MAX_ADDRESS, MAX_QUANTITY
from tests.api.conftest import bearer
from tests.support.factories import add_api_key


def _spec(client) -> dict:
    return client.get("/api/openapi.json").get_json()


def test_money_is_documented_as_the_string_it_is_sent_as(client, catalog):
    """Prices and totals go out as "19.99" (never a float): the spec said ``number``."""
    spec = _spec(client)
    schemas = spec["components"]["schemas"]
    headers = bearer(add_api_key(client.application, "reader", ["catalog:read", "orders:read"]))
    sent = {
        ("Product", "price"): client.get("/api/v1/products/sku/SKU-1", headers=headers),
        ("Book", "price"): client.get("/api/v1/books/isbn/9780306406157", headers=headers),
        ("Order", "total"): client.get(f"/api/v1/orders/{catalog['order']}", headers=headers),
    }
    for (schema, field), response in sent.items():
        documented = schemas[schema]["properties"][field]
        assert documented["type"] == "string", (schema, field)
        value = response.get_json()[field]
        assert isinstance(value, str)
        assert re.fullmatch(documented["pattern"], value), (schema, field, value)
    assert schemas["OrderItem"]["properties"]["unit_price"]["type"] == "string"


def test_amount_filters_have_numeric_bounds(client):
    """apispec wrote a Decimal field's Range as strings ("0", "100000000"): no valid
    OpenAPI ``minimum``/``maximum``, and schemathesis refused the whole operation."""
    spec = _spec(client)
    for path, name in [
        ("/api/v1/products", "min_price"), ("/api/v1/products", "max_price"),
        ("/api/v1/books", "min_price"), ("/api/v1/books", "max_price"),
        ("/api/v1/orders", "min_total"), ("/api/v1/orders", "max_total"),
    ]:  # fmt: skip
        (param,) = [p for p in spec["paths"][path]["get"]["parameters"] if p["name"] == name]
        bounds = (param["schema"]["minimum"], param["schema"]["maximum"])
        assert all(type(bound) is int for bound in bounds), (path, name, bounds)
        assert bounds[0] == 0


def test_order_placement_documents_the_bounds_the_service_keeps(client):
    """Valid-by-the-spec orders were refused (no line, an empty address, quantity 0, an
    empty Idempotency-Key): the spec now states place_order's bounds."""
    spec = _spec(client)
    schemas = spec["components"]["schemas"]
    quantity = schemas["Line"]["properties"]["quantity"]
    assert (quantity["minimum"], quantity["maximum"]) == (1, MAX_QUANTITY)
    place = schemas["PlaceOrder"]["properties"]
    assert place["items"]["minItems"] == 1
    assert (place["shipping_address"]["minLength"], place["shipping_address"]["maxLength"]) == (
        1,
        MAX_ADDRESS,
    )
    (header,) = spec["paths"]["/api/v1/orders"]["post"]["parameters"]
    assert header["name"] == "Idempotency-Key"
    assert (header["schema"]["minLength"], header["schema"]["maxLength"]) == (1, MAX_KEY_LENGTH)
