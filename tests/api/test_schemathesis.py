"""Schemathesis against the app's own OpenAPI document: generated requests for every operation.

The schema is read from ``GET /api/openapi.json`` of the test app through the WSGI loader
(no network, no server). Each operation gets a bounded number of generated cases, sent
with a key that holds every scope, over a catalogue with one product, book, customer and
order, so that some ids and SKUs exist. Every answer must be no 5xx, a documented status,
a documented content type and a body that matches the documented schema.

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
def every_scope(app) -> dict[str, str]:
    """The Authorization header of a key that holds every scope."""
    return bearer(add_api_key(app, "schemathesis", SCOPES))


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
def test_every_operation_keeps_to_the_spec(case, app, catalog, every_scope):
    """Generated requests: no server error, and every answer is the one documented."""
    case.call_and_validate(app=app, headers=every_scope, checks=CHECKS)
