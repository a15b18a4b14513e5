"""Who is calling: the API key of ``Authorization: Bearer <key>``, and its scopes.

Every v1 blueprint runs ``authenticate_request`` before its views, so a request
without a valid key reaches no view, parses no body and learns nothing (401, the
same answer for unknown, revoked and expired keys). Each view names its one scope
with ``@requires(scope)``; a key without it gets 403.

Each key may make ``API_RATE_LIMIT`` requests (all endpoints together), counted in
Flask-Limiter's storage (memory, or Redis when RATELIMIT_STORAGE_URI says so, shared
by every worker); beyond it a 429 with Retry-After, before any view runs.

Browser sessions are refused: a request that carries the session cookie but no key
is a 401 like any other request without a key. The API takes no CSRF token (a key
is not sent by the browser on its own, so a forged cross-site request cannot carry
one), hence the blueprints are exempt from CSRFProtect; accepting the cookie would
need CSRF again and would let any signed-in staff member's browser call the API.
"""

from __future__ import annotations

import math

from flask import current_app, g, request
from flask_smorest import abort
from limits import parse

from backoffice import clock
from backoffice.extensions import db, limiter
from backoffice.models import ApiKey
from backoffice.services.api_keys import authenticate

SECURITY_SCHEME = "apiKey"
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="api"'}


def requires(scope: str):
    """Mark a view as needing ``scope`` (checked by ``authenticate_request``, documented)."""

    def decorate(view):
        view.required_scope = scope
        # Bearer schemes list no scopes in OpenAPI 3.0: the scope goes in an extension.
        view._apidoc = getattr(view, "_apidoc", {})
        view._apidoc.setdefault("manual_doc", {}).update(
            {
                "security": [{SECURITY_SCHEME: []}],
                "x-scope": scope,
                # Every key endpoint can answer these before its own checks run.
                "responses": {
                    "401": "UNAUTHORIZED",
                    "403": "FORBIDDEN",
                    "429": "TOO_MANY_REQUESTS",
                },
            }
        )
        return view

    return decorate


def current_key() -> ApiKey:
    """The key of this request (set by ``authenticate_request``)."""
    return g.api_key


def _bearer() -> str | None:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" and credentials.strip() else None


def authenticate_request() -> None:
    """``before_request`` of the v1 blueprints: 401 without a valid key, 403 without the scope."""
    raw = _bearer()
    if raw is None:
        cookie = current_app.config.get("SESSION_COOKIE_NAME", "session")
        detail = "Send an API key: Authorization: Bearer <key>."
        if cookie in request.cookies:
            detail += " Browser sessions are not accepted by the API."
        abort(401, message=detail, headers=CHALLENGE)
    key = authenticate(raw, request.remote_addr)
    if key is None:
        db.session.rollback()
        abort(401, message="The API key is unknown, revoked or expired.", headers=CHALLENGE)
    if key in db.session.dirty:  # the last-used note (at most once a minute per key)
        db.session.commit()
    g.api_key = key
    _rate_limit(key)
    view = current_app.view_functions.get(request.endpoint)
    scope = getattr(view, "required_scope", None)
    if scope is None or scope not in key.scopes:
        abort(403, message=f"This API key lacks the {scope or 'required'} scope.")


def _rate_limit(key: ApiKey) -> None:
    """429 with Retry-After once ``key`` has made API_RATE_LIMIT requests in the window."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    rate = parse(current_app.config["API_RATE_LIMIT"])
    if limiter.limiter.hit(rate, "api-key", key.prefix):
        return
    reset_at, _remaining = limiter.limiter.get_window_stats(rate, "api-key", key.prefix)
    # Never more than one window, never less than a second (a clock pinned by tests).
    wait = min(max(1, math.ceil(reset_at - clock.now().timestamp())), rate.get_expiry())
    abort(
        429,
        message=f"This API key is limited to {rate}; retry in {wait} s.",
        headers={"Retry-After": str(wait)},
    )
