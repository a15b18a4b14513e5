"""Security headers on every response: CSP with per-request nonces, framing, sniffing, caching."""

from __future__ import annotations

import secrets

from flask import Flask, g, request
from flask_login import current_user

#: Flask-Security's blueprint: sign-in, registration, reset, change password, two factors.
AUTH_BLUEPRINT = "security"


def csp_nonce() -> str:
    """The nonce for this request's scripts (one per request, created on first use)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def content_security_policy(nonce: str) -> str:
    """The policy: our own origin only, scripts only with the request's nonce.

    Styles allow inline attributes because Bootstrap and Select2 set them from
    JavaScript; no script can run from a style attribute.
    """
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def _is_personal(response) -> bool:
    """True for a response to a signed-in user or from a sign-in page, unless it chose its own
    caching (static files revalidate, /media/ keys are immutable, exports say no-store).
    """
    if "Cache-Control" in response.headers:
        return False
    return request.blueprint == AUTH_BLUEPRINT or current_user.is_authenticated


def _set_headers(response):
    headers = response.headers
    if _is_personal(response):
        # Neither the browser's history/back-forward cache nor a proxy may keep a copy.
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    headers.setdefault("Content-Security-Policy", content_security_policy(csp_nonce()))
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    return response


def init_headers(app: Flask) -> None:
    """Add the headers to every response and expose ``csp_nonce()`` to templates.

    Flask-Security's own Cache-Control is switched off (SECURITY_CACHE_CONTROL = None in
    config/settings.py): it wrote ``private=True, no-store=True``, which no cache understands.
    """
    app.after_request(_set_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    # Flask-Security's own templates read the nonce from g under this key.
    app.config.setdefault("SECURITY_SCRIPT_NONCE_KEY", "csp_nonce")
