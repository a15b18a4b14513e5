"""The REST API under ``/api/v1/``: flask-smorest blueprints and marshmallow schemas.

A third door onto ``services/``, beside the admin and the CLI: views parse and check
the shape of a request (schemas), call a service function, commit, and dump the
answer. No business rule lives here; a rule the API needs that only a form knows
moves to ``services/`` first.

- JSON only; every error is ``application/problem+json`` (``web/problems.py``, through
  the app's one error handler in ``web/errors.py``).
- The OpenAPI document is generated from the schemas at ``GET /api/openapi.json``; the
  docs page ``/api/docs`` is Swagger UI vendored under ``static/vendor/swagger-ui``.

Imports: models, services, web (problems, headers) and the base helpers; nothing
imports this package but the app factory, which calls ``init_api``.
"""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from backoffice.api import catalog, catalog_changes, catalog_writes, me, ordering, people, stock
from backoffice.api.auth import SECURITY_SCHEME
from backoffice.api.docs import bp as docs_bp
from backoffice.api.me import TOKEN_SCHEME
from backoffice.api.schemas import ProblemSchema
from backoffice.extensions import csrf
from backoffice.web.problems import PROBLEM_JSON

#: The v1 resources, in the order the reference lists them.
BLUEPRINTS = (catalog.products, catalog.books, people.customers, people.orders, me.me)
#: Modules that add their views to those blueprints (stock, deletes, creates and updates,
#: order writes).
WRITE_VIEWS = (stock, catalog_changes, catalog_writes, ordering)


class BackofficeApi(Api):
    """flask-smorest's Api without its app-wide error handler.

    flask-smorest registers a JSON handler for every ``HTTPException`` of the app, which
    would turn the admin's error pages into JSON; ``web/errors.py`` already answers
    ``/api/`` requests with problem+json (and reads flask-smorest's ``abort`` data).
    """

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self):
        """Leave error handling to ``web/errors.py``."""

    def _register_responses(self):
        """Document every error as the problem+json the app sends (flask-smorest would
        document its own ``{code, status, message}`` as application/json)."""
        saved, self.DEFAULT_RESPONSE_CONTENT_TYPE = self.DEFAULT_RESPONSE_CONTENT_TYPE, PROBLEM_JSON
        try:
            super()._register_responses()
        finally:
            self.DEFAULT_RESPONSE_CONTENT_TYPE = saved


def init_api(app: Flask) -> None:
    """Bind the API: the OpenAPI document, the docs page and the v1 blueprints."""
    api = BackofficeApi(app)
    api.spec.components.security_scheme(
        SECURITY_SCHEME,
        {"type": "http", "scheme": "bearer", "description": "An API key: bo_<prefix>_<secret>."},
    )
    api.spec.components.security_scheme(
        TOKEN_SCHEME,
        {"type": "apiKey", "in": "header", "name": "Authentication-Token",
         "description": "A customer's Flask-Security token (POST /login?include_auth_token)."},
    )  # fmt: skip
    app.register_blueprint(docs_bp)
    for blueprint in BLUEPRINTS:
        # A key, not a cookie, authenticates these requests: see api/auth.py.
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)
