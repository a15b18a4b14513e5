"""Recovery codes: encrypted at rest, shown once, each usable once, regenerable, lockout."""

from __future__ import annotations

import re

import pytest

from tests.support.factories import get_user
from tests.support.http import csrf_token, login, post_form

CODE_RE = re.compile(r"<code>([0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4})</code>")


def generate(client) -> list[str]:
    """Generate codes on /mf-recovery-codes (a signed-in, fresh session); return them."""
    url = "/mf-recovery-codes"
    response = post_form(client, url, {"generate_new_codes": "y"}, token_from=url)
    assert response.status_code == 200
    codes = CODE_RE.findall(response.get_data(as_text=True))
    assert len(codes) == 10
    return codes


def signed_out(app, email: str = "staff@example.com"):
    """A new client that gave the password and stands at the code page."""
    client = app.test_client()
    assert login(client, email, second_factor=False).headers["Location"].startswith("/tf-validate")
    return client


def recover(client, code: str):
    return post_form(client, "/mf-recovery", {"code": code}, token_from="/mf-recovery")


def test_codes_are_shown_once_stored_encrypted_and_each_works_once(app, client, users):
    assert login(client, "staff@example.com").status_code == 302
    codes = generate(client)
    stored = get_user(app, "staff@example.com").mf_recovery_codes
    assert len(stored) == 10
    assert not set(codes) & set(stored)
    page = client.get("/mf-recovery-codes?show_codes=Show").get_data(as_text=True)
    assert not CODE_RE.findall(page)
    assert "10</strong> unused recovery codes" in page

    first = signed_out(app)
    assert recover(first, codes[0]).status_code == 302
    assert first.get("/admin/").status_code == 200
    assert len(get_user(app, "staff@example.com").mf_recovery_codes) == 9

    second = signed_out(app)
    response = recover(second, codes[0])
    assert response.status_code == 200
    assert "Recovery code invalid" in response.get_data(as_text=True)
    assert second.get("/admin/").status_code == 302


def test_new_codes_replace_the_old_ones(app, client, users):
    assert login(client, "staff@example.com").status_code == 302
    old = generate(client)
    new = generate(client)
    assert not set(old) & set(new)
    assert recover(signed_out(app), old[1]).status_code == 200
    assert recover(signed_out(app), new[1]).status_code == 302


def test_recovery_needs_the_password_first(app, client, users):
    assert login(client, "staff@example.com").status_code == 302
    codes = generate(client)
    stranger = app.test_client()
    response = post_form(stranger, "/mf-recovery", {"code": codes[0]}, token_from="/login")
    assert response.status_code == 302
    assert stranger.get("/admin/").status_code == 302


@pytest.mark.config(LOCKOUT_THRESHOLD=3, LOCKOUT_MINUTES=15)
def test_wrong_recovery_codes_count_towards_the_lockout(app, client, users):
    assert login(client, "staff@example.com").status_code == 302
    codes = generate(client)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account/")})
    guesser = signed_out(app)
    for _ in range(3):
        assert recover(guesser, "0000-0000-0000").status_code == 200
    assert get_user(app, "staff@example.com").locked_until is not None
    response = recover(guesser, codes[0])  # a good code is refused while locked
    assert response.status_code == 200
    assert guesser.get("/admin/").status_code == 302
    assert len(get_user(app, "staff@example.com").mf_recovery_codes) == 10


def test_the_code_page_offers_recovery_codes_not_mail(app, client, users):
    assert login(client, "staff@example.com").status_code == 302
    generate(client)
    page = signed_out(app).get("/tf-validate").get_data(as_text=True)
    assert 'value="recovery_code"' in page
    assert 'value="email"' not in page
