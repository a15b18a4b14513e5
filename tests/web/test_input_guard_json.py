"""JSON bodies: a 400 with the field named for hostile text, bad shapes and deep nesting."""

from __future__ import annotations

import json

import pytest

from tests.support.factories import PASSWORD, get_user
from tests.web.test_input_guard import counts

JSON = {"Accept": "application/json"}
SECURITY_ENDPOINTS = ["/login", "/register", "/reset", "/change", "/confirm", "/reset/some-token"]


def token_for(client, url="/login") -> str:
    """Flask-Security hands JSON clients a CSRF token on a JSON GET."""
    return client.get(url, headers=JSON).json["response"]["csrf_token"]


def post_raw(client, url: str, body: str | bytes):
    """POST ``body`` as JSON, as written (no client-side encoding), with a CSRF header."""
    return client.post(
        url,
        data=body,
        headers={"X-CSRF-Token": token_for(client), "Content-Type": "application/json"},
    )


def assert_refused(response, field: str, reason: str) -> None:
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.is_json
    assert any(reason in r for r in response.json["errors"][field]), response.json


@pytest.mark.parametrize("url", SECURITY_ENDPOINTS)
def test_security_endpoints_want_an_object(app, client, users, url):
    for body in ["[]", '["a@example.com"]', "5", '"text"', "null", "true"]:
        assert_refused(post_raw(client, url, body), "body", "expected a JSON object")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("[" * 5000 + "]" * 5000, "nested deeper than 20 levels"),
        ('{"a":' * 5000 + "1" + "}" * 5000, "nested deeper than 20 levels"),
        ('{"email":' + "[" * 25 + "]" * 25 + "}", "nested deeper than 20 levels"),
        ('{"email": NaN}', "NaN is not a number JSON allows"),
        ('{"email": -Infinity}', "-Infinity is not a number JSON allows"),
        ('{"email": ', "is not valid JSON"),
        (b'{"email": "caf\xc3"}', "is not valid UTF-8"),
        (b'{"email": "\xed\xa0\x80"}', "is not valid UTF-8"),  # a surrogate, written raw
    ],
)
def test_unreadable_bodies_are_refused(app, client, users, body, reason):
    for url in ("/login", "/register", "/reset"):
        assert_refused(post_raw(client, url, body), "body", reason)


def test_twenty_levels_are_enough(app, client):
    body = {"email": "a@example.com", "extra": json.loads("[" * 19 + "]" * 19)}
    response = post_raw(client, "/reset", json.dumps(body))
    assert response.status_code == 200, response.json


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ('{"email": "\\ud800@example.com"}', "email", "unpaired surrogate (U+D800)"),
        ('{"email": "\\udfff"}', "email", "unpaired surrogate (U+DFFF)"),
        ('{"email": "a\\u0000@example.com"}', "email", "NUL character (U+0000)"),
        ('{"email": "a\\u001b@example.com"}', "email", "control character (U+001B)"),
        ('{"em\\nail": "a@example.com"}', r"em\nail", "the key contains a line break"),
        ('{"a": {"b": [1, "ok", "x\\u0000"]}}', "a.b[2]", "NUL character"),
    ],
)
def test_reset_refuses_hostile_strings_and_records_nothing(
    app, client, users, outbox, body, field, reason
):
    before = counts(app)
    assert_refused(post_raw(client, "/reset", body), field, reason)
    assert counts(app) == before
    assert outbox == []


def test_registration_with_nul_in_full_name_creates_nobody_and_sends_nothing(app, client, outbox):
    body = {
        "email": "new@example.com",
        "full_name": "New\u0000Person",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
    }
    assert_refused(post_raw(client, "/register", json.dumps(body)), "full_name", "NUL")
    assert get_user(app, "new@example.com") is None
    assert outbox == []


def test_login_json_with_surrogate_password_is_refused(app, client, users):
    body = '{"email": "customer@example.com", "password": "\\udc80"}'
    assert_refused(post_raw(client, "/login", body), "password", "unpaired surrogate")


def test_paired_surrogates_and_text_area_breaks_are_fine(app, client, users, outbox):
    body = '{"email": "customer@example.com", "note": "\\ud83d\\ude00 line\\r\\nbreak\\ttab"}'
    response = post_raw(client, "/reset", body)
    assert response.status_code == 200, response.json
    # A byte-order mark is ignored, as RFC 8259 allows (and Flask's own parser does).
    response = post_raw(client, "/reset", b"\xef\xbb\xbf" + body.encode())
    assert response.status_code == 200, response.json
    assert len(outbox) == 2


def test_a_view_may_accept_other_shapes(app, client):
    def echo():
        return {"ok": True}

    echo.accepts_any_json = True
    app.add_url_rule("/test-echo", view_func=echo, methods=["POST"])
    app.extensions["csrf"].exempt(echo)
    response = client.post("/test-echo", data="[1, 2]", content_type="application/json")
    assert response.status_code == 200
    response = client.post("/test-echo", data='["\\u0000"]', content_type="application/json")
    assert_refused(response, "[0]", "NUL character")
