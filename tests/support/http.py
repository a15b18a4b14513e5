"""Talking to the app like a browser: CSRF tokens, form posts, signing in."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pyotp

from backoffice.models import User
from tests.support.factories import PASSWORD

LOGIN = "/login"
#: The authenticator key as the setup page shows it for manual entry ("ABCD-EFGH-...").
SETUP_KEY_RE = re.compile(r"<div>([A-Z2-7]{4}(?:-[A-Z2-7]{4})+)</div>")
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


def login(
    client,
    identity: str,
    password: str = PASSWORD,
    field: str = "email",
    *,
    second_factor=True,
    data: dict | None = None,
    **kw,
):
    """Log in through the real forms; returns the last response.

    When the password leads to the code page (/tf-validate), the authenticator code is
    computed (pyotp) from the user's enrolled secret and sent through the real form, so
    staff sign in as they do in a browser; staff not enrolled yet (/tf-setup) set the
    authenticator up with the key the page shows. ``second_factor=False`` stops after
    the password.
    ``data`` adds form fields (``remember``); ``kw`` goes to both posts (``headers``).
    """
    fields = {field: identity, "password": password, **(data or {})}
    response = post_form(client, "/login", fields, **kw)
    location = _location(response)
    if not second_factor or not location.startswith(("/tf-validate", "/tf-setup")):
        return response
    if location.startswith("/tf-setup"):  # not enrolled yet: set the authenticator up
        setup = {"setup": "authenticator"}
        page = post_form(client, "/tf-setup", setup, token_from="/tf-setup", **kw)
        key = SETUP_KEY_RE.search(page.get_data(as_text=True)).group(1).replace("-", "")
        code, location = pyotp.TOTP(key).now(), "/tf-validate"
    else:
        code = current_code(client.application, identity, field)
    return post_form(client, location, {"code": code}, token_from=location, **kw)


def json_login(client, identity: str, password: str = PASSWORD):
    """Log in as a JSON client: password, then the authenticator code if one is asked for."""
    token = client.get(LOGIN, headers={"Accept": "application/json"}).json["response"]["csrf_token"]
    headers = {"X-CSRF-Token": token}
    response = client.post(LOGIN, json={"email": identity, "password": password}, headers=headers)
    if response.status_code != 200 or not response.json["response"].get("tf_required"):
        return response
    code = current_code(client.application, identity)
    return client.post("/tf-validate", json={"code": code}, headers=headers)


def _location(response) -> str:
    """The path and query a redirect points to ("" when it is not one)."""
    if response.status_code not in (301, 302, 303, 307, 308):
        return ""
    url = urlsplit(response.headers["Location"])
    return f"{url.path}?{url.query}" if url.query else url.path


def authenticator_key(app, identity: str, field: str = "email") -> str:
    """The base32 key of a user's authenticator, as the setup page shows it for an app."""
    with app.app_context():
        user = User.query.filter_by(**{field: identity.strip().lower()}).one()
        return app.extensions["security"].totp_factory.get_totp_b32_key(user.tf_totp_secret)


def current_code(app, identity: str, field: str = "email") -> str:
    """The authenticator code of this moment for a user (pyotp, as a phone app computes it)."""
    return pyotp.TOTP(authenticator_key(app, identity, field)).now()
