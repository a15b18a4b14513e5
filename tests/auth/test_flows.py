"""Registration, login, logout and password reset through Flask-Security's real pages."""

from __future__ import annotations

import random

import pytest

from backoffice.extensions import db
from backoffice.models import User
from tests.support.factories import PASSWORD, add_user, get_user
from tests.support.http import csrf_token, login, post_form

JSON = {"Accept": "application/json"}


def register(client, **fields):
    data = {
        "email": "new@example.com",
        "username": "newbie",
        "full_name": "New Person",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
    }
    data.update(fields)
    return post_form(client, "/register", data, token_from="/register")


def json_csrf(client, url="/login") -> str:
    """Flask-Security hands SPA clients a CSRF token on a JSON GET."""
    response = client.get(url, headers=JSON)
    assert response.status_code == 200
    return response.json["response"]["csrf_token"]


def confirm_from_mail(client, outbox, address: str):
    """Follow the confirmation link mailed to ``address`` (registration confirms by mail)."""
    mail = next(m for m in reversed(outbox) if m.to == [address])
    link = next(word for word in mail.body.split() if "/confirm/" in word)
    return client.get(link[link.index("/confirm/") :])


def varied(alphabet: str, length: int, seed: int) -> str:
    """A long password with no repeats or patterns, so zxcvbn rightly scores it strong."""
    rng = random.Random(seed)
    return "".join(rng.choice(alphabet) for _ in range(length))


def test_register_creates_user_and_the_mailed_link_confirms_it(app, client, outbox):
    response = register(client)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "new@example.com"))
        assert user.username == "newbie"
        assert user.profile.full_name == "New Person"
        assert user.password.startswith("$2b$")  # bcrypt
        assert PASSWORD not in user.password
        assert user.confirmed_at is None
    assert login(app.test_client(), "new@example.com").status_code == 200  # not confirmed yet
    assert confirm_from_mail(client, outbox, "new@example.com").status_code == 302
    assert login(client, "new@example.com").status_code == 302
    page = client.get("/account/").get_data(as_text=True)
    assert "New Person" in page


def test_register_normalises_email_to_lower_case(app, client):
    assert register(client, email="Mixed.Case@Example.COM", username="").status_code == 302
    assert get_user(app, "mixed.case@example.com") is not None


def test_register_without_a_username_when_others_have_none(app, client, users, outbox):
    # Found by the browser tests: a blank username was looked up as "username IS NULL",
    # matched every account without one, and the registration was silently refused.
    assert get_user(app, "customer@example.com").username is None
    assert register(client, username="").status_code == 302
    user = get_user(app, "new@example.com")
    assert user is not None
    assert user.username is None
    assert confirm_from_mail(client, outbox, "new@example.com").status_code == 302
    assert login(client, "new@example.com").status_code == 302


def test_register_with_a_taken_email_answers_like_a_new_one(app, client, users, outbox):
    fresh = register(app.test_client(), email="fresh@example.com", username="fresh")
    response = register(client, email="CUSTOMER@example.com")
    assert response.status_code == fresh.status_code == 302
    assert response.headers["Location"] == fresh.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "please click on the link in the email" in page
    assert "already" not in page
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 4  # only "fresh"
    # The owner of the address is told by mail instead.
    assert [m.to for m in outbox] == [["fresh@example.com"], ["customer@example.com"]]


def test_register_with_a_taken_username_creates_nothing_and_says_nothing(app, client):
    add_user(app, "first@example.com", username="taken")
    response = register(client, username="TAKEN")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    assert get_user(app, "new@example.com") is None


def test_register_rejects_password_mismatch(app, client):
    response = register(client, password_confirm=PASSWORD + "x")
    assert response.status_code == 200
    assert "Passwords do not match" in response.get_data(as_text=True)
    assert get_user(app, "new@example.com") is None


def test_register_requires_full_name(app, client):
    response = register(client, full_name="")
    assert "Please enter your full name." in response.get_data(as_text=True)
    assert get_user(app, "new@example.com") is None


def test_register_without_csrf_token_is_refused(app, client):
    response = client.post(
        "/register",
        data={"email": "x@example.com", "password": PASSWORD, "password_confirm": PASSWORD},
    )
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert get_user(app, "x@example.com") is None


ACCENTED = "àáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿ"
CJK = "".join(chr(c) for c in range(0x4E00, 0x4E00 + 400))
ASCII = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!"


@pytest.mark.parametrize(
    "password",
    [
        varied(ACCENTED, 128, 1),
        varied(CJK, 80, 2) + "p" * 48,
        varied(ASCII, 127, 3) + "🙂",
        varied(ASCII, 128, 4),
    ],
    ids=["128-accented", "multibyte", "emoji", "128-ascii"],
)
def test_long_and_multibyte_passwords_register_and_log_in(app, client, outbox, password):
    assert register(client, password=password, password_confirm=password).status_code == 302
    confirm_from_mail(client, outbox, "new@example.com")
    response = login(client, "new@example.com", password)
    assert response.status_code == 302


def test_password_over_128_characters_gets_a_clear_message(app, client):
    long = "p" * 129
    response = register(client, password=long, password_confirm=long)
    assert response.status_code == 200
    assert "at most 128 characters" in response.get_data(as_text=True)
    assert get_user(app, "new@example.com") is None


def test_register_sends_welcome_mail(app, client, outbox):
    assert register(client).status_code == 302
    assert [m.to for m in outbox] == [["new@example.com"]]


def test_login_by_email_and_by_username(app, client):
    add_user(app, "person@example.com", username="person")
    assert login(client, "PERSON@example.com").headers["Location"].endswith("/account/")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account/")})
    assert login(client, "Person", field="username").status_code == 302
    assert client.get("/account/").status_code == 200


def test_wrong_password_is_refused(app, client, users):
    response = login(client, "customer@example.com", "not the password at all")
    assert response.status_code == 200
    assert client.get("/account/").status_code == 302
    with app.app_context():
        assert get_user(app, "customer@example.com").login_count == 0


def test_successful_login_is_tracked(app, client, users):
    login(client, "customer@example.com")
    user = get_user(app, "customer@example.com")
    assert user.login_count == 1
    assert user.current_login_ip == "127.0.0.1"


def test_logout_needs_post(app, customer_client):
    assert customer_client.get("/logout").status_code == 405
    assert customer_client.get("/account/").status_code == 200


def test_logout_needs_csrf_token(app, customer_client):
    assert customer_client.post("/logout").status_code == 400
    assert customer_client.get("/account/").status_code == 200
    token = csrf_token(customer_client, "/account/")
    assert customer_client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert customer_client.get("/account/").status_code == 302


def test_json_register_and_login(app, client, outbox):
    token = json_csrf(client, "/register")
    body = {
        "email": "api@example.com",
        "username": "apiuser",
        "full_name": "Api User",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
    }
    response = client.post("/register", json=body, headers={"X-CSRF-Token": token})
    assert response.status_code == 200, response.json
    # No user in the answer: it would tell a new address from a registered one.
    assert "user" not in response.json["response"]
    assert get_user(app, "api@example.com").full_name == "Api User"
    confirm_from_mail(app.test_client(), outbox, "api@example.com")

    other = app.test_client()
    token = json_csrf(other)
    response = other.post(
        "/login",
        json={"email": "api@example.com", "password": PASSWORD},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 200
    assert other.get("/account/").status_code == 200


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (dict(email="not-an-email", password=PASSWORD, password_confirm=PASSWORD), {"email"}),
        (dict(email="a@example.com", password="short", password_confirm="short"), {"password"}),
        (
            dict(email="a@example.com", password=PASSWORD, password_confirm="other"),
            {"password_confirm"},
        ),
        (dict(email={"nested": 1}, password=[1, 2], password_confirm=3), {"email", "password"}),
        ({}, {"email", "password"}),
    ],
    ids=["bad-email", "short-password", "mismatch", "wrong-types", "empty"],
)
def test_json_register_bad_bodies_get_400_with_field_errors(app, client, body, fields):
    token = json_csrf(client, "/register")
    response = client.post("/register", json=body, headers={"X-CSRF-Token": token})
    assert response.status_code == 400
    assert fields <= set(response.json["response"]["field_errors"])
    assert get_user(app, "a@example.com") is None


def test_json_register_not_json_at_all_is_400(app, client):
    token = json_csrf(client, "/register")
    response = client.post(
        "/register",
        data="{not json",
        headers={"X-CSRF-Token": token, "Content-Type": "application/json"},
    )
    assert response.status_code == 400


def test_json_login_bad_credentials_is_400(app, client, users):
    token = json_csrf(client)
    response = client.post(
        "/login",
        json={"email": "customer@example.com", "password": "wrong wrong wrong"},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 400
    assert response.json["response"]["errors"]


def test_json_post_without_csrf_header_is_400_json(app, client):
    response = client.post("/login", json={"email": "x@example.com", "password": "y"})
    assert response.status_code == 400
    assert "csrf_token" in response.json["errors"]


def test_forgotten_password_mail_and_reset(app, client, users, outbox):
    response = post_form(client, "/reset", {"email": "customer@example.com"}, token_from="/reset")
    assert response.status_code in (200, 302)
    assert len(outbox) == 1
    body = outbox[0].body
    link = next(word for word in body.split() if "/reset/" in word)
    path = link[link.index("/reset/") :]
    new = "a brand new passphrase 2026"
    response = post_form(client, path, {"password": new, "password_confirm": new}, token_from=path)
    assert response.status_code == 302
    client2 = app.test_client()
    assert login(client2, "customer@example.com", new).status_code == 302
    assert login(app.test_client(), "customer@example.com", PASSWORD).status_code == 200


def test_change_password(app, customer_client):
    new = "another long passphrase 77"
    response = post_form(
        customer_client,
        "/change",
        {"password": PASSWORD, "new_password": new, "new_password_confirm": new},
        token_from="/change",
    )
    assert response.status_code == 302
    assert login(app.test_client(), "customer@example.com", new).status_code == 302
