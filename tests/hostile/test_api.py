"""The REST API with a valid key: hostile path values, query arguments and JSON bodies.

The other modules reach /api/ only as the admin's browser session or anonymously
(both 401 before any view runs). Here every API rule is sent its hostile cases with a
key holding every scope (the customer's sign-in token under /api/v1/me), so they
reach the handlers: argument parsing, the cursor,
lookups by SKU and ISBN, the write bodies. Besides "no 5xx, no ERROR in the log",
every refused request (4xx) must leave the guarded tables as they were, and every
answer must be problem+json.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import User
from backoffice.services.api_keys import SCOPES
from tests.hostile.probe import changed_tables, encode, label, query_string, route_app
from tests.hostile.test_ids import PATH_VALUES, fill_path
from tests.hostile.test_json import BODIES
from tests.hostile.values import COMMON, DATES, NUMBERS
from tests.support.factories import add_api_key

PROBLEM = "application/problem+json"
#: Valid path values, so the body and query cases get past the lookup.
GOOD_PATHS = {
    "/api/v1/products/<string(maxlength=64):sku>/stock-adjustments": "SKU-1",
    "/api/v1/books/<string(maxlength=32):isbn>/stock-adjustments": "9780306406157",
    "/api/v1/products/sku/<string(maxlength=64):sku>": "SKU-1",
    "/api/v1/books/isbn/<string(maxlength=32):isbn>": "9780306406157",
}
#: Methods whose body is parsed: every hostile body goes to each of their rules.
WRITES = ("POST", "PATCH")
#: Every query argument the list endpoints take.
QUERY_ARGS = (
    "limit", "cursor", "category", "genre", "available", "min_price", "max_price",
    "updated_since", "status", "customer_id", "placed_since", "placed_before", "min_total",
    "max_total",
)  # fmt: skip
QUERY_VALUES = {**COMMON, **NUMBERS, **DATES, "empty": "", "negative": "-5"}
_HUGE = 10**400
#: Bodies of the right shape with one hostile value each (all must be refused).
FIELD_BODIES: dict[str, object] = {
    "delta-huge": {"delta": _HUGE, "reason": "x"},
    "delta-2^63": {"delta": 2**63, "reason": "x"},
    "delta-true": {"delta": True, "reason": "x"},
    "delta-null": {"delta": None, "reason": "x"},
    "delta-float": {"delta": 1e300, "reason": "x"},
    "reason-long": {"delta": 1, "reason": "x" * 100_000},
    "reason-object": {"delta": 1, "reason": {"a": 1}},
    "customer-2^63": {"customer_id": 2**63, "shipping_address": "x", "items": []},
    "customer-negative": {"customer_id": -1, "shipping_address": "x", "items": []},
    "items-null": {"customer_id": 1, "shipping_address": "x", "items": [None]},
    "items-huge-quantity": {
        "customer_id": 1, "shipping_address": "x", "items": [{"sku": "SKU-1", "quantity": _HUGE}],
    },
    "items-sku-object": {
        "customer_id": 1, "shipping_address": "x", "items": [{"sku": {"a": 1}, "quantity": 1}],
    },
    "items-too-many": {
        "customer_id": 1, "shipping_address": "x",
        "items": [{"sku": f"S{n}", "quantity": 1} for n in range(5000)],
    },
    "items-unknown-sku": {
        "customer_id": 1, "shipping_address": "x", "items": [{"sku": "\u00e9" * 64, "quantity": 1}],
    },
    "address-array": {"customer_id": 1, "shipping_address": ["x"], "items": []},
    "to-array": {"to": ["paid"]},
    "to-unknown": {"to": "lost"},
    "to-nul": {"to": "paid\u0000"},
    "reason-number": {"to": "paid", "reason": 5},
    # Catalogue creates and updates: the admin form's rules refuse each one (422).
    "price-huge": {"sku": "H-1", "name": "x", "price": "1e400", "isbn": "9780306406157"},
    "price-nan": {"sku": "H-1", "name": "x", "price": "NaN"},
    "price-negative": {"sku": "H-1", "name": "x", "price": -5},
    "price-places": {"sku": "H-1", "name": "x", "price": 0.1 + 0.2},
    "price-bool": {"sku": "H-1", "name": "x", "price": True},
    "price-number-huge": {"sku": "H-1", "name": "x", "price": _HUGE},
    "stock-2^63": {"sku": "H-1", "name": "x", "price": "1", "stock": 2**63},
    "stock-negative": {"sku": "H-1", "name": "x", "price": "1", "stock": -1},
    "name-long": {"sku": "H-1", "name": "x" * 100_000, "price": "1", "title": "x" * 100_000},
    "name-blank": {"sku": "H-1", "name": "   ", "price": "1", "title": " "},
    "sku-object": {"sku": {"a": 1}, "isbn": {"a": 1}, "name": "x", "price": "1"},
    "sku-empty": {"sku": "", "isbn": "", "name": "x", "price": "1"},
    "isbn-checksum": {"isbn": "9780306406158", "title": "x", "author": "y", "price": "1"},
    "year-huge": {"isbn": "9780306406157", "published_year": 2**63, "title": "x"},
    "available-string": {"sku": "H-1", "name": "x", "price": "1", "is_available": "yes"},
    "unknown-field": {"sku": "H-1", "name": "x", "price": "1", "id": 5},
}  # fmt: skip


def api_rules() -> list:
    """``(rule, method)`` of every API rule that needs a key."""
    public = {"api-docs.openapi_json", "api_docs.docs"}
    return sorted(
        (rule.rule, method)
        for rule in route_app().url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and rule.endpoint not in public
        for method in rule.methods - {"HEAD", "OPTIONS"}
    )


def planned() -> list[tuple[str, str]]:
    """``(method, path)`` of the requests made here (for test_coverage)."""
    out = []
    for rule, method in api_rules():
        values = [*PATH_VALUES.values(), GOOD_PATHS.get(rule, "1")] if "<" in rule else [""]
        out += [(method, fill_path(rule, v)) for v in values if isinstance(v, str)]
    return out


@pytest.fixture(scope="module")
def full_key(probe) -> dict[str, str]:
    """A key with every scope for the hostile app."""
    return {"Authorization": f"Bearer {add_api_key(probe.app, 'hostile', SCOPES)}"}


@pytest.fixture(scope="module")
def customer_token(probe) -> dict[str, str]:
    """The seeded customer's sign-in token (the only way into /api/v1/me)."""
    with probe.app.test_request_context():
        user = db.session.scalar(select(User).where(User.email == "customer@example.com"))
        return {"Authentication-Token": user.get_auth_token()}


@pytest.fixture
def key(request, full_key, customer_token) -> dict[str, str]:
    """What lets this test's rule in: the customer's token under /me, else the key."""
    rule = request.node.callspec.params.get("rule", "")
    return customer_token if rule.startswith("/api/v1/me") else full_key


def check(probe, method, url, key, before, **kw) -> list[str]:
    """Send one request; the failure lines (5xx, ERROR logged, not a problem, changed rows)."""
    status, problem = probe.send("anon", method, url, headers=key, **kw)
    what = label(method, url, kw.get("name", ""))
    if problem:
        return [f"{what} -> {problem}"]
    failures = []
    if status >= 400 and (changed := changed_tables(before, probe.snapshot())):
        failures.append(f"{what} -> {status}: changed {changed}")
    return failures


@pytest.mark.parametrize(("rule", "method"), [r for r in api_rules() if "<" in r[0]])
def test_hostile_path_values_with_a_key(probe, key, rule, method):
    """Every hostile id, SKU and ISBN in the path: 4xx problems, nothing changed."""
    before, failures = probe.snapshot(), []
    for value in PATH_VALUES.values():
        url = fill_path(rule, value)
        failures += check(probe, method, url, key, before, json={"delta": 0})
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(("rule", "method"), [r for r in api_rules() if r[1] == "GET"])
def test_hostile_query_arguments_with_a_key(probe, key, rule, method):
    """Every list argument gets every hostile value: a 4xx problem naming it, or a page."""
    url = fill_path(rule, GOOD_PATHS.get(rule, "1"))
    before, failures = probe.snapshot(), []
    for name in QUERY_ARGS:
        for value in QUERY_VALUES.values():
            failures += check(probe, "GET", url + query_string([(name, value)]), key, before)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(("rule", "method"), [r for r in api_rules() if r[1] in WRITES])
def test_hostile_json_bodies_with_a_key(probe, key, rule, method):
    """Wrong shapes, hostile values and raw bytes: refused (4xx) and nothing changed.

    ``If-Match: *`` lets a PATCH past its precondition, so its body is checked too.
    """
    url = fill_path(rule, GOOD_PATHS.get(rule, "1"))
    bodies = {**BODIES, **{k: json.dumps(v).encode() for k, v in FIELD_BODIES.items()}}
    headers = {**key, "If-Match": "*"}
    before, failures = probe.snapshot(), []
    for name, body in bodies.items():
        status, problem = probe.send(
            "anon", method, url, headers=headers, data=body, content_type="application/json"
        )
        if problem:
            failures.append(f"{method} {url} json={name} -> {problem}")
        elif status < 400:
            failures.append(f"{method} {url} json={name} -> {status}: accepted")
        elif changed := changed_tables(before, probe.snapshot()):
            failures.append(f"{method} {url} json={name} -> {status}: changed {changed}")
    assert not failures, "\n".join(failures)


def test_answers_are_problems(probe, full_key):
    """A refused request's body is problem+json whatever refused it."""
    client = probe.client("anon")
    for url in ("/api/v1/products?limit=" + encode("\x00"), "/api/v1/products?limit=abc"):
        response = client.get(url, headers=full_key)
        assert response.mimetype == PROBLEM, url
