"""/reset and /confirm refuse what cannot be an address, and stay generic about accounts."""

from __future__ import annotations

import pytest

from tests.support.http import post_form


def _json_token(client) -> str:
    return client.get("/login", headers={"Accept": "application/json"}).get_json()["response"][
        "csrf_token"
    ]


@pytest.mark.parametrize("url", ["/reset", "/confirm"])
@pytest.mark.parametrize(
    "body", [{}, {"email": 5}, {"email": {"a": 1}}, {"email": ["x"]}, {"email": "not-an-address"}]
)
def test_json_non_address_is_a_400_naming_the_field(client, users, outbox, url, body):
    response = client.post(url, json=body, headers={"X-CSRF-Token": _json_token(client)})
    assert response.status_code == 400
    assert "email" in str(response.get_json()["response"]["errors"])
    assert outbox == []


@pytest.mark.parametrize("url", ["/reset", "/confirm"])
def test_unknown_and_known_addresses_get_the_same_generic_answer(client, users, url):
    token = _json_token(client)
    unknown = client.post(
        url, json={"email": "nobody@example.com"}, headers={"X-CSRF-Token": token}
    )
    known = client.post(
        url, json={"email": "customer@example.com"}, headers={"X-CSRF-Token": token}
    )
    assert unknown.status_code == known.status_code == 200
    assert "errors" not in unknown.get_json()["response"]


def test_reset_page_says_the_address_is_not_one(client, users, outbox):
    page = post_form(client, "/reset", {"email": "not-an-address"}, token_from="/reset")
    assert page.status_code == 200
    assert "enter a valid email address" in page.get_data(as_text=True)
    assert outbox == []
