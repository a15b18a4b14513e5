"""Password strength (zxcvbn) on every path that sets a password, and the strength bar."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import AuditLog
from tests.support.factories import PASSWORD, get_user
from tests.support.http import csrf_token, login, post_form

WEAK = "password1234"  # 12 characters, one of the most common passwords
TOO_EASY = "too easy to guess"


def register(client, password: str, **fields):
    data = {
        "email": "jane.doe@example.com",
        "full_name": "Janet Quixote",
        "password": password,
        "password_confirm": password,
        **fields,
    }
    return post_form(client, "/register", data, token_from="/register")


@pytest.mark.parametrize("password", [WEAK, "jane.doe@example.com", "janet quixote"])
def test_register_refuses_weak_or_personal_passwords_with_advice(app, client, password):
    response = register(client, password)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert TOO_EASY in page
    assert "Use a passphrase of four or more unrelated words" in page
    assert get_user(app, "jane.doe@example.com") is None


def test_json_register_names_the_password_field(app, client):
    token = client.get("/register", headers={"Accept": "application/json"}).json["response"]
    body = {"email": "j@example.com", "password": WEAK, "password_confirm": WEAK}
    response = client.post("/register", json=body, headers={"X-CSRF-Token": token["csrf_token"]})
    assert response.status_code == 400
    assert TOO_EASY in response.json["response"]["field_errors"]["password"][0]


def test_change_password_refuses_weak_and_own_email(app, customer_client):
    for new in (WEAK, "customer@example.com"):
        data = {"password": PASSWORD, "new_password": new, "new_password_confirm": new}
        response = post_form(customer_client, "/change", data, token_from="/change")
        assert response.status_code == 200
        assert TOO_EASY in response.get_data(as_text=True)
    assert (
        login(customer_client.application.test_client(), "customer@example.com").status_code == 302
    )


def test_reset_refuses_a_weak_password(app, client, users, outbox):
    post_form(client, "/reset", {"email": "customer@example.com"}, token_from="/reset")
    link = next(w for w in outbox[0].body.split() if "/reset/" in w)
    path = link[link.index("/reset/") :]
    response = post_form(
        client, path, {"password": WEAK, "password_confirm": WEAK}, token_from=path
    )
    assert response.status_code == 200
    assert TOO_EASY in response.get_data(as_text=True)
    assert login(app.test_client(), "customer@example.com").status_code == 302


@pytest.mark.parametrize("password", [WEAK, "newbie@example.com"])
def test_admin_create_and_edit_refuse_weak_passwords(app, admin_client, users, password):
    data = {"email": "newbie@example.com", "username": "", "full_name": "New Bie", "active": "y"}
    token = csrf_token(admin_client)
    response = admin_client.post(
        "/admin/user/new/", data=dict(data, new_password=password, csrf_token=token)
    )
    assert response.status_code == 200
    assert TOO_EASY in response.get_data(as_text=True)
    assert get_user(app, "newbie@example.com") is None
    url = f"/admin/user/edit/?id={users['customer']}"
    edit = {"email": "customer@example.com", "username": "", "full_name": "Carl", "active": "y"}
    response = admin_client.post(url, data=dict(edit, new_password=WEAK, csrf_token=token))
    assert TOO_EASY in response.get_data(as_text=True)
    assert login(app.test_client(), "customer@example.com").status_code == 302


def test_cli_refuses_a_weak_password(app):
    result = app.test_cli_runner().invoke(
        args=["create-admin", "w@example.com", "--password", WEAK]
    )
    assert result.exit_code == 1
    assert TOO_EASY in result.output


@pytest.mark.config(SECURITY_ZXCVBN_MINIMUM_SCORE=4)
def test_the_minimum_score_is_a_setting(app, client):
    assert register(client, "Summer2024!!").status_code == 200  # scores 3
    assert register(client, "purple monkey dishwasher").status_code == 302  # scores 4


@pytest.mark.config(SECURITY_ZXCVBN_MINIMUM_SCORE=0)
def test_a_lower_minimum_accepts_weaker_passwords(app, client):
    assert register(client, WEAK).status_code == 302


# -- the strength bar ------------------------------------------------------------------------

BAR_SCRIPTS = ("/static/vendor/zxcvbn/zxcvbn.js", "/static/js/password-strength.js")


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def _assert_bar(page: str, field: str) -> None:
    assert re.search(
        rf'<input[^>]*data-strength[^>]*name="{field}"|<input[^>]*name="{field}"'
        rf"[^>]*data-strength",
        page,
    ), field
    for src in BAR_SCRIPTS:
        assert re.search(rf'<script nonce="[^"]+" src="{re.escape(src)}"', page), src
    assert 'data-min-score="3"' in page


def test_the_bar_is_on_every_new_password_field(app, admin_client, users, outbox):
    _assert_bar(_page(app.test_client(), "/register"), "password")
    _assert_bar(_page(admin_client, "/change"), "new_password")
    _assert_bar(_page(admin_client, "/admin/user/new/"), "new_password")
    _assert_bar(_page(admin_client, f"/admin/user/edit/?id={users['customer']}"), "new_password")
    client = app.test_client()
    post_form(client, "/reset", {"email": "customer@example.com"}, token_from="/reset")
    link = next(w for w in outbox[0].body.split() if "/reset/" in w)
    _assert_bar(_page(client, link[link.index("/reset/") :]), "password")


@pytest.mark.parametrize("path", ["/", "/admin/user/", "/account/", "/account/profile"])
def test_pages_without_a_new_password_do_not_load_zxcvbn(app, admin_client, path):
    assert "zxcvbn" not in _page(admin_client, path)
    assert "zxcvbn" not in _page(app.test_client(), "/login")


def test_vendored_zxcvbn_is_served_with_its_licence(client):
    with client.get("/static/vendor/zxcvbn/zxcvbn.js") as response:
        assert response.status_code == 200
        assert b"zxcvbn" in response.get_data()
    with client.get("/static/vendor/zxcvbn/LICENSE.txt") as response:
        assert "Dropbox" in response.get_data(as_text=True)


def test_password_changes_are_audited_without_the_password(app, admin_client, users):
    new = "another long passphrase 77"
    data = {"password": PASSWORD, "new_password": new, "new_password_confirm": new}
    post_form(admin_client, "/change", data, token_from="/change")
    edit = {"email": "customer@example.com", "username": "", "full_name": "Carl", "active": "y"}
    token = csrf_token(admin_client)
    url = f"/admin/user/edit/?id={users['customer']}"
    admin_client.post(url, data=dict(edit, new_password=new, csrf_token=token))
    with app.app_context():
        entries = db.session.scalars(
            select(AuditLog).where(AuditLog.action == "password_change").order_by(AuditLog.id)
        ).all()
        assert [(e.object_id, e.changes["via"]) for e in entries] == [
            (str(users["admin"]), "change"),
            (str(users["customer"]), "admin"),
        ]
        assert all(new not in repr(e.changes) for e in entries)
