"""Fresh sign-in for dangerous admin actions: a stale session re-authenticates first.

A session is made stale by moving its sign-in time (Flask-Security's ``fs_paa``) back past
FRESHNESS_MINUTES; the re-authentication page asks for the password and the code, then
returns to where the action was started.
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import Role
from tests.admin.bulk_helpers import bulk
from tests.support.factories import PASSWORD, get_user
from tests.support.http import csrf_token, current_code, post_form


def make_stale(client, minutes: int = 16) -> None:
    with client.session_transaction() as session:
        session["fs_paa"] = time.time() - minutes * 60
        session.pop("fs_gexp", None)


def sent_to_reauth(response) -> str:
    """The ``next`` the re-authentication page will return to (asserting we were sent)."""
    assert response.status_code == 302
    url = urlsplit(response.headers["Location"])
    assert url.path == "/verify"
    return parse_qs(url.query)["next"][0]


def reauthenticate(client, next_url: str, email="admin@example.com", code=None):
    url = f"/verify?next={next_url}"
    data = {"password": PASSWORD, "code": code or current_code(client.application, email)}
    return post_form(client, url, data, token_from=url)


def role_id(app, name: str) -> str:
    with app.app_context():
        return str(db.session.scalar(select(Role.id).where(Role.name == name)))


def edit_roles(client, user_id: int, roles: list[str]):
    url = f"/admin/user/edit/?id={user_id}"
    data = {"email": "customer@example.com", "full_name": "Carl Customer", "active": "y"}
    return post_form(client, url, {**data, "roles": roles}, token_from=url)


def test_a_stale_role_change_reauthenticates_then_returns_to_the_form(app, admin_client, users):
    make_stale(admin_client)
    staff = role_id(app, "staff")
    back = sent_to_reauth(edit_roles(admin_client, users["customer"], [staff]))
    assert back == f"/admin/user/edit/?id={users['customer']}"
    assert get_user(app, "customer@example.com").role_names == []
    # Other edits of the same form do not need it.
    assert edit_roles(admin_client, users["customer"], []).status_code == 302
    assert "verify" not in edit_roles(admin_client, users["customer"], []).headers["Location"]

    response = reauthenticate(admin_client, back)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(back)
    assert edit_roles(admin_client, users["customer"], [staff]).status_code == 302
    assert get_user(app, "customer@example.com").role_names == ["staff"]


def test_reauthentication_needs_the_code_as_well(app, admin_client, users):
    make_stale(admin_client)
    page = admin_client.get("/verify").get_data(as_text=True)
    assert 'name="code"' in page
    response = reauthenticate(admin_client, "/admin/", code="000000")
    assert response.status_code == 200
    assert "Invalid code" in response.get_data(as_text=True)
    assert get_user(app, "admin@example.com").failed_logins == 1
    staff = role_id(app, "staff")
    sent_to_reauth(edit_roles(admin_client, users["customer"], [staff]))


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/admin/user/delete/", {"id": "3", "url": "/admin/user/"}),
        ("/admin/user/tf-reset/", {"id": "2", "url": "/admin/user/"}),
        ("/admin/api-keys/create", {"name": "robot", "scope": "catalog:read"}),
        ("/admin/import/preview/1/apply", {}),
    ],
)
def test_each_dangerous_action_reauthenticates_a_stale_session(app, admin_client, users, url, data):
    make_stale(admin_client)
    response = admin_client.post(
        url,
        data={**data, "csrf_token": csrf_token(admin_client, "/admin/")},
        headers={"Referer": "http://localhost/admin/user/?page=1"},
    )
    assert sent_to_reauth(response).startswith("/admin/")
    assert get_user(app, "customer@example.com").erased_at is None
    assert get_user(app, "staff@example.com").tf_primary_method == "authenticator"


def test_bulk_actions_over_all_rows_or_on_roles_reauthenticate(app, admin_client, users):
    make_stale(admin_client)
    staff = role_id(app, "staff")
    assert sent_to_reauth(bulk(admin_client, "user", "unlock")) == "/admin/user/"
    assert sent_to_reauth(bulk(admin_client, "user", "add_role", rows=[3], role="staff"))
    assert sent_to_reauth(
        bulk(admin_client, "user", "add_role", rows=[3], role=staff, step="confirm")
    )
    # Ticked rows, no role: no fresh sign-in needed.
    response = bulk(admin_client, "user", "unlock", rows=[users["customer"]])
    assert "verify" not in response.headers["Location"]


def test_a_fresh_session_goes_straight_through(app, admin_client, users):
    response = admin_client.post(
        "/admin/user/tf-reset/",
        data={"id": users["staff"], "url": "/admin/user/", "csrf_token": csrf_token(admin_client)},
    )
    assert response.headers["Location"].startswith("/admin/user/")
    assert get_user(app, "staff@example.com").tf_primary_method is None
