"""JSON bodies of the wrong shape: the sign-in endpoints, then every POST of the URL map.

Flask-Security answers JSON on /login, /register, /reset, /confirm, /change. Each gets
bodies that are not the object it expects, objects with values of the wrong type, a
5,000-deep nesting, a NaN literal, a lone surrogate (the real U+D800, which only JSON
can carry) and NUL. Afterwards every admin list and export still renders: a stored
hostile value must not break the pages that show it (the audit log, issue 10 item 1).
"""

from __future__ import annotations

import pytest

from tests.hostile.probe import lists_still_render, model_views, route_app

DEEP = 5_000
BODIES: dict[str, bytes] = {
    "array": b'["a@example.com"]',
    "number": b"12",
    "string": b'"a@example.com"',
    "null": b"null",
    "email-array": b'{"email": ["x"], "password": ["y"]}',
    "email-object": b'{"email": {"a": 1}, "password": 5}',
    "nested-array": b"[" * DEEP + b"]" * DEEP,
    "nested-object": b'{"a":' * DEEP + b"1" + b"}" * DEEP,
    "nan-literal": b'{"email": NaN, "password": Infinity}',
    "lone-surrogate": b'{"email": "\\ud800@example.com", "password": "\\udfff"}',
    "nul": b'{"email": "a\\u0000b@example.com", "password": "\\u0000"}',
    "huge-number": b'{"email": 1' + b"0" * 5000 + b"}",
    "invalid-utf8": b'{"email": "\xff\xfe@example.com"}',
    "truncated": b'{"email": ',
    "empty": b"",
}
SIGN_IN = [
    ("anon", "/login"),
    ("anon", "/register"),
    ("anon", "/reset"),
    ("anon", "/confirm"),
    ("customer", "/change"),
]


def post_json(probe, who: str, url: str, body: bytes):
    """POST ``body`` as JSON with the session's CSRF token in the header."""
    return probe.send(
        who,
        "POST",
        url,
        data=body,
        content_type="application/json",
        headers={"X-CSRFToken": probe.token(who), "Accept": "application/json"},
    )


@pytest.mark.parametrize(("who", "url"), SIGN_IN)
def test_sign_in_endpoints_refuse_bad_json(probe, who, url):
    """A 4xx with a JSON error, never a 5xx; and no mail for a refused body."""
    failures = []
    for key, body in BODIES.items():
        mails = probe.mails()
        status, problem = post_json(probe, who, url, body)
        if problem:
            failures.append(f"POST {url} json={key} [{who}] -> {problem}")
        elif status and status < 400:
            failures.append(f"POST {url} json={key} [{who}] -> {status}: accepted")
        if status and status >= 400 and probe.mails() != mails:
            failures.append(f"POST {url} json={key} [{who}] -> {status}: sent mail")
        probe.still_signed_in(who)
    assert not failures, "\n".join(failures)


def post_rules() -> list:
    """Every rule of the URL map that takes a POST and has no path converter."""
    rules = route_app().url_map.iter_rules()
    return sorted(r.rule for r in rules if "POST" in r.methods and "<" not in r.rule)


@pytest.mark.parametrize("url", post_rules())
def test_every_post_endpoint_survives_json(probe, url):
    """As the admin: arrays, deep nesting and surrogates to every POST endpoint."""
    failures = []
    for key in ("array", "nested-object", "lone-surrogate", "nul", "invalid-utf8"):
        _, problem = post_json(probe, "admin", url, BODIES[key])
        if problem:
            failures.append(f"POST {url} json={key} -> {problem}")
        probe.still_signed_in("admin")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("endpoint", [view.endpoint for view in model_views()])
def test_lists_render_after_hostile_json(probe, endpoint):
    """Whatever the bodies above stored, every list and its export still answer."""
    failures = lists_still_render(probe, endpoint)
    assert not failures, "\n".join(failures)
