"""Talking to the app like a browser: CSRF tokens, form posts, signing in."""

from __future__ import annotations

import re

from tests.support.factories import PASSWORD

LOGIN = "/login"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_from(html: str) -> str:
    """The CSRF token embedded in a rendered form."""
    match = CSRF_RE.search(html)
    assert match, "no csrf_token in page"
    return match.group(1) or match.group(2)


def csrf_token(client, url: str = LOGIN) -> str:
    """Fetch a page with a form and return its CSRF token (valid for the session).

    Signed-in users are redirected away from /login; their pages carry the token in
    the navbar's logout form instead.
    """
    response = client.get(url)
    if response.status_code == 302:
        response = client.get("/")
    return csrf_from(response.get_data(as_text=True))


def post_form(client, url: str, data: dict | None = None, *, token_from=LOGIN, **kw):
    """POST a form with a valid CSRF token, like a browser would."""
    payload = dict(data or {})
    payload.setdefault("csrf_token", csrf_token(client, token_from))
    return client.post(url, data=payload, **kw)


def login(client, identity: str, password: str = PASSWORD, field: str = "email"):
    """Log in through the real form; returns the response."""
    return post_form(client, "/login", {field: identity, "password": password})
