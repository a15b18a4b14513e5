"""Errors as ``application/problem+json`` (RFC 9457) for the REST API under ``/api/``.

The API's clients are programs: they get a machine-readable problem, never an HTML
page, whichever layer refused the request (the input guard, CSRF, routing, the size
limit, a rate limit, validation or a view). Field errors ride in the ``errors``
extension member, ``{field: [message, ...]}``, as on the app's other JSON answers.
"""

from __future__ import annotations

from flask import jsonify, request
from werkzeug.http import HTTP_STATUS_CODES

PROBLEM_JSON = "application/problem+json"
API_PREFIX = "/api/"


def is_api_request() -> bool:
    """True for a request under ``/api/`` (the REST API and its documents)."""
    return request.path.startswith(API_PREFIX)


def problem(status: int, detail: str | None = None, *, errors=None, **extra):
    """A problem response and its status: type, title, status, detail, then the extras."""
    body = {"type": "about:blank", "title": HTTP_STATUS_CODES.get(status, "Error")}
    body["status"] = status
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    return response, status
