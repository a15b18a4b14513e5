"""Server-side sessions: logout ends this device's session, copies of its cookies included."""

from __future__ import annotations

import datetime as dt

import pytest
from flask_login.utils import encode_cookie
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import User, UserSession, new_uniquifier
from backoffice.services import accounts
from backoffice.services.erasure import erase_user
from tests.support.factories import PASSWORD
from tests.support.http import csrf_token, json_login, login, post_form

LOGIN_REDIRECT = "/login?next="


def remembered_login(client, email: str = "admin@example.com"):
    response = login(client, email, data={"remember": "y"})
    assert response.status_code == 302
    return response


def logout(client) -> None:
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/account/")})
    assert response.status_code == 302


def copy_cookie(app, client, name: str):
    """A second browser holding only a copy of ``client``'s cookie ``name``."""
    thief = app.test_client()
    thief.set_cookie(name, client.get_cookie(name).value)
    return thief


def signed_in(client) -> bool:
    """True when /account/ and the admin answer as to a signed-in admin."""
    account = client.get("/account/")
    admin = client.get("/admin/")
    if account.status_code == 200:
        assert admin.status_code == 200
        return True
    assert account.location.startswith(LOGIN_REDIRECT)
    assert admin.status_code == 302
    assert admin.location.startswith(LOGIN_REDIRECT)
    return False


def session_rows(app, user_id: int) -> list[UserSession]:
    with app.app_context():
        query = select(UserSession).where(UserSession.user_id == user_id)
        rows = db.session.scalars(query.order_by(UserSession.created_at)).all()
        db.session.expunge_all()
        return rows


@pytest.mark.parametrize("cookie", ["session", "remember_token"])
def test_a_cookie_copied_before_logout_is_signed_out_with_it(app, client, users, cookie):
    remembered_login(client)
    copy = copy_cookie(app, client, cookie)
    assert signed_in(copy)  # the copy works while the session lives
    logout(client)
    assert not signed_in(client)
    assert not signed_in(copy)


def test_logout_leaves_the_users_other_devices_signed_in(app, client, users):
    other = app.test_client()
    remembered_login(other)
    remembered_login(client)
    logout(client)
    assert signed_in(other)
    remembered = copy_cookie(app, other, "remember_token")
    assert signed_in(remembered)
    rows = session_rows(app, users["admin"])
    assert [row.revoked_at is None for row in rows] == [True, False]


def test_json_login_and_logout_end_the_session_too(app, client, users):
    response = json_login(client, "admin@example.com")
    assert response.status_code == 200
    copy = copy_cookie(app, client, "session")
    assert signed_in(copy)
    token = client.get("/login", headers={"Accept": "application/json"}).json["response"]
    response = client.post("/logout", json={}, headers={"X-CSRF-Token": token["csrf_token"]})
    assert response.status_code == 200
    assert not signed_in(copy)


def test_the_row_records_the_device_without_the_token(app, client, users):
    remembered_login(client)
    (row,) = session_rows(app, users["admin"])
    token = client.get_cookie("remember_token").value
    assert row.id not in token  # only a hash is stored
    assert row.ip == "127.0.0.1"
    assert row.user_agent.startswith("Werkzeug/")  # the test client's own agent


def test_a_hostile_user_agent_is_stored_cleaned(app, client, users):
    agent = "Evil\x00Agent\x1b[31m " + "x" * 300
    response = login(client, "admin@example.com", headers={"User-Agent": agent})
    assert response.status_code == 302
    (row,) = session_rows(app, users["admin"])
    assert row.user_agent == ("EvilAgent[31m " + "x" * 300)[:255]


def test_sessions_from_before_the_table_count_as_signed_out(app, client, users):
    with app.app_context():
        uniquifier = db.session.get(User, users["admin"]).fs_uniquifier
        remember = encode_cookie(uniquifier)
    old_session = app.test_client()
    with old_session.session_transaction() as session:
        session["_user_id"] = uniquifier
        session["_fresh"] = True
    assert not signed_in(old_session)
    old_remember = app.test_client()
    old_remember.set_cookie("remember_token", remember)
    assert not signed_in(old_remember)


def test_a_new_uniquifier_still_ends_every_session(app, client, users):
    remembered_login(client)
    with app.app_context():
        db.session.get(User, users["admin"]).fs_uniquifier = new_uniquifier()
        db.session.commit()
    assert not signed_in(client)
    assert not signed_in(copy_cookie(app, client, "remember_token"))


def test_a_password_change_signs_out_the_other_devices(app, client, users):
    other = app.test_client()
    remembered_login(other)
    remembered_login(client)
    new = "another long passphrase 77"
    response = post_form(
        client,
        "/change",
        {"password": PASSWORD, "new_password": new, "new_password_confirm": new},
        token_from="/change",
    )
    assert response.status_code == 302
    assert signed_in(client)
    assert not signed_in(other)
    rows = session_rows(app, users["admin"])
    assert [row.revoked_at is None for row in rows] == [False, False, True]


def test_erasure_deletes_the_session_rows(app, client, users):
    login(client, "customer@example.com")
    assert session_rows(app, users["customer"])
    with app.app_context():
        user = db.session.get(User, users["customer"])
        erase_user(db.session.get(User, users["admin"]), user)
        db.session.commit()
    assert session_rows(app, users["customer"]) == []
    assert client.get("/account/").status_code == 302


def test_suspension_marks_every_session_row_ended(app, client, users, admin_client):
    device = app.test_client()
    login(device, "customer@example.com")
    assert all(row.revoked_at is None for row in session_rows(app, users["customer"]))
    with app.app_context():
        outcome = accounts.for_one(
            accounts.suspend, db.session.get(User, users["admin"]), users["customer"]
        )
        db.session.commit()
    assert outcome.changed == 1
    assert all(row.revoked_at is not None for row in session_rows(app, users["customer"]))
    assert device.get("/account/").status_code == 302


def test_last_seen_is_written_at_most_once_a_minute(app, client, users, clock):
    login(client, "customer@example.com")
    started = clock.now
    clock.advance(seconds=59)
    assert client.get("/account/").status_code == 200
    assert session_rows(app, users["customer"])[0].last_seen_at == started
    clock.advance(seconds=1)
    assert client.get("/account/").status_code == 200
    clock.advance(seconds=30)
    assert client.get("/account/").status_code == 200
    (row,) = session_rows(app, users["customer"])
    assert row.last_seen_at == started + dt.timedelta(seconds=60)
