"""Schemathesis against the app's own OpenAPI document: generated requests for every operation.

The schema is read from ``GET /api/openapi.json`` of the test app through the WSGI loader
(no network, no server). Each operation gets a bounded number of generated cases, sent
with a key that holds every scope (``/api/v1/me``: a customer's token), over a catalogue
with one product, book, customer and order; positive cases are pointed at those rows.
Every answer must be no 5xx, a documented status, a documented content type and a body
that matches the documented schema.

Hypothesis runs derandomized (the same cases on every run, as CI needs) and writes no
example database into the repository.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from backoffice import create_app
from backoffice.services.api_keys import SCOPES
from tests.api.conftest import bearer
from tests.api.test_me import token_for
from tests.support.factories import add_api_key

#: Generated cases per operation: enough to reach the documented errors, and the whole
#: module stays well under two minutes per database on two cores.
MAX_EXAMPLES = 20
#: What every answer must satisfy; nothing else is switched off.
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture
def credentials(app, users) -> dict[str, dict[str, str]]:
    """A key that holds every scope; for ``/api/v1/me``, the customer's sign-in token."""
    return {
        "key": bearer(add_api_key(app, "schemathesis", SCOPES)),
        "token": token_for(app, users["customer"]),
    }


def existing_rows(case, catalog: dict[str, int], customer: int) -> None:
    """Point a positive case at rows that exist, so the success answers are checked too.

    Random ids and SKUs almost never exist: without this, every generated request would
    end in a 404 or a refusal. Negative cases keep what was generated.
    """
    if not (case.meta and case.meta.generation.mode.is_positive):
        return
    real = {
        "product_id": catalog["product"], "book_id": catalog["book"],
        "order_id": catalog["order"], "customer_id": customer,
        "sku": "SKU-1", "isbn": "9780306406157",
    }  # fmt: skip
    for name in case.path_parameters or {}:
        if name in real:
            case.path_parameters[name] = real[name]
    if case.method == "PATCH":  # any version of the row, so the body is what is checked
        case.headers = {**(case.headers or {}), "If-Match": "*"}
    if case.method == "POST" and case.path == "/api/v1/orders" and isinstance(case.body, dict):
        case.body["customer_id"] = customer
        # One line: the only product is SKU-1, and a SKU may not appear twice.
        case.body["items"] = [{**line, "sku": "SKU-1"} for line in case.body["items"][:1]]


#: The document as the app serves it, read over WSGI from an app that is only asked for it
#: (schemathesis's fixture loader fails on pytest 9: it reads ``node._nodeid``). Each case
#: is then sent to the test's own app, on the test database.
schema = schemathesis.openapi.from_wsgi(
    "/api/openapi.json", create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}, env="testing")
)


def test_the_document_is_the_test_apps(client):
    """The generated cases come from the very document the test app serves."""
    assert client.get("/api/openapi.json").get_json() == schema.raw_schema


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_keeps_to_the_spec(case, app, catalog, users, credentials):
    """Generated requests: no server error, and every answer is the one documented."""
    existing_rows(case, catalog, users["customer"])
    mine = case.path.startswith("/api/v1/me")
    headers = credentials["token"] if mine else credentials["key"]
    case.call_and_validate(app=app, headers=headers, checks=CHECKS)
