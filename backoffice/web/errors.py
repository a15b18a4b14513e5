"""Error pages in the house layout, JSON for JSON clients, problem+json under ``/api/``.

Never a framework default.
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import ClientDisconnected, HTTPException, InternalServerError
from werkzeug.wsgi import LimitedStream

from backoffice.extensions import db
from backoffice.web.problems import is_api_request, problem

log = logging.getLogger(__name__)

# A refused upload's body is read and thrown away up to this size before the 413 page is
# sent (see _discard_refused_body); a client announcing more is simply disconnected.
DRAIN_LIMIT = 64 * 1024 * 1024

MESSAGES = {
    400: "The request could not be understood. Please go back, reload the page and try again.",
    403: "You do not have permission to see this page.",
    404: "There is nothing at this address.",
    405: "This address does not accept that kind of request.",
    413: "The upload is too large.",
    429: "Too many requests. Please wait a moment and try again.",
    500: "Something went wrong on our side. The problem has been logged.",
}


def wants_json() -> bool:
    """True when the client sent JSON or prefers a JSON answer."""
    if request.is_json:
        return True
    accept = request.accept_mimetypes
    return accept["application/json"] > accept["text/html"]


def error_response(code: int, message: str | None = None, **extra):
    """Render the error page (or JSON body) for ``code``."""
    message = message or MESSAGES.get(code, "Request failed.")
    if is_api_request():
        return problem(code, message, **extra)
    if wants_json():
        return jsonify(error=message, status=code, **extra), code
    return render_template("errors/error.html", code=code, message=message), code


def _http_error(exc: HTTPException):
    code = exc.code or 500
    if is_api_request():
        return _api_error(exc, code)
    message = MESSAGES.get(code, exc.description)
    if code == 413:
        _discard_refused_body()
        limit = request.max_content_length
        if limit:
            message = f"The upload is too large: the limit is {_megabytes(limit)} MB."
    body, status = error_response(code, message)
    headers = {}
    if code == 405 and getattr(exc, "valid_methods", None):
        headers["Allow"] = ", ".join(exc.valid_methods)
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:
        headers["Retry-After"] = str(retry_after)
    return body, status, headers


def _megabytes(limit: int) -> str:
    """``5`` for 5 MiB (MAX_CONTENT_LENGTH), ``50`` for 50,000,000 bytes (IMPORT_MAX_BYTES)."""
    mib = 1024 * 1024
    return f"{limit // mib:,}" if limit % mib == 0 else f"{limit / 1e6:,.0f}"


def _api_error(exc: HTTPException, code: int):
    """The problem for an API request: the view's message and field errors (flask-smorest's
    ``abort(code, message=..., errors=...)``, webargs' validation ``messages``), else
    Werkzeug's description of the status; the headers it asked for (Retry-After, Allow)."""
    data = getattr(exc, "data", None) or {}
    if code == 413:
        _discard_refused_body()
    detail = data.get("message") or exc.description
    errors = data.get("errors") or data.get("messages")
    response, status = problem(code, detail, errors=errors, **data.get("extra", {}))
    response.headers.update(data.get("headers") or {})
    if code == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response, status


def _discard_refused_body() -> None:
    """Read the rest of an upload refused for its Content-Length before answering 413.

    Werkzeug refuses such a body without reading a byte. If the server then closes the
    connection while the browser is still sending, the browser shows "connection reset"
    instead of our page (gunicorn does; Werkzeug's dev server drains by itself). Reading
    to the announced length lets the client finish and read the answer.
    """
    length = request.content_length
    limit = request.max_content_length
    if length is None or limit is None or not limit < length <= DRAIN_LIMIT:
        return  # not refused for its length (nothing read yet), or too big to be worth it
    stream = LimitedStream(request.environ["wsgi.input"], length)
    try:
        while stream.read(64 * 1024):
            pass
    except (ClientDisconnected, OSError):
        log.info("client went away while its refused upload was being discarded")


def _csrf_error(exc: CSRFError):
    log.info("CSRF refused on %s %s: %s", request.method, request.path, exc.description)
    return error_response(
        400,
        "Your form expired or was sent from another site (missing or invalid CSRF token). "
        "Reload the page and try again.",
        errors={"csrf_token": [exc.description]},
    )


def _unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    log.exception("unhandled error on %s %s", request.method, request.path)
    db.session.rollback()
    return error_response(500)


def init_errors(app: Flask) -> None:
    """Install the handlers."""
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _unexpected)
    propagate = app.config.get("PROPAGATE_EXCEPTIONS")
    if propagate is None:
        propagate = app.testing or app.debug  # Flask's own default
    if not propagate:
        app.register_error_handler(Exception, _unexpected)
