"""Every admin endpoint enforces roles on the server, whatever the menu shows."""

from __future__ import annotations

import pytest

from tests.support.http import csrf_token, login

VIEWS = ("user", "userprofile", "product", "book", "order")

# What staff may do per view; admins may do everything the view offers at all.
STAFF_CAN = {
    "user": {"list", "details", "export"},
    "userprofile": {"list", "details", "export"},
    "product": {"list", "details", "create", "edit", "export"},
    "book": {"list", "details", "create", "edit", "export"},
    "order": {"list", "details", "create", "edit", "export"},
}
# Operations a view does not offer to anyone.
NOBODY = {"userprofile": {"create", "delete"}}


def object_id(view, catalog, users):
    return users["customer"] if view == "user" else catalog[view]


def request(client, view, op, oid):
    base = f"/admin/{view}/"
    if op == "list":
        return client.get(base)
    if op == "details":
        return client.get(f"{base}details/?id={oid}")
    if op == "create":
        return client.get(f"{base}new/")
    if op == "edit":
        return client.get(f"{base}edit/?id={oid}")
    if op == "delete":
        token = csrf_token(client, "/login")
        return client.post(f"{base}delete/", data={"id": oid, "csrf_token": token})
    if op == "export":
        return client.get(f"{base}export/csv/")
    raise AssertionError(op)


OPS = ("list", "details", "create", "edit", "delete", "export")


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("op", OPS)
def test_anonymous_is_sent_to_login(client, catalog, users, view, op):
    response = request(client, view, op, object_id(view, catalog, users))
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("op", OPS)
def test_customer_without_role_gets_403(customer_client, catalog, users, view, op):
    response = request(customer_client, view, op, object_id(view, catalog, users))
    assert response.status_code == 403


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("op", OPS)
def test_staff_rights(staff_client, catalog, users, view, op):
    response = request(staff_client, view, op, object_id(view, catalog, users))
    if op in STAFF_CAN[view]:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("op", OPS)
def test_admin_rights(admin_client, catalog, users, view, op):
    oid = object_id(view, catalog, users)
    response = request(admin_client, view, op, oid)
    if op in NOBODY.get(view, ()):
        assert response.status_code == 403
    elif op == "delete":
        assert response.status_code == 302  # back to the list with a flash message
    else:
        assert response.status_code == 200


@pytest.mark.parametrize(
    ("who", "expected"), [(None, 302), ("customer", 403), ("staff", 200), ("admin", 200)]
)
def test_dashboard_access(client, users, who, expected):
    if who:
        login(client, f"{who}@example.com")
    response = client.get("/admin/")
    assert response.status_code == expected


def test_inactive_staff_member_is_refused(app, client, users):
    from backoffice.extensions import db
    from backoffice.models import User

    login(client, "staff@example.com")
    with app.app_context():
        db.session.get(User, users["staff"]).active = False
        db.session.commit()
    assert client.get("/admin/product/").status_code in (302, 403)


@pytest.mark.parametrize("who", ["customer", "staff"])
def test_role_free_and_staff_users_cannot_reach_user_admin_lookups(client, users, who):
    login(client, f"{who}@example.com")
    response = client.get("/admin/order/ajax/lookup/?name=user&query=admin")
    assert response.status_code == (403 if who == "customer" else 200)


def test_lookup_needs_login(client, users):
    response = client.get("/admin/order/ajax/lookup/?name=user&query=admin")
    assert response.status_code == 302


def test_menu_hides_what_staff_cannot_use(staff_client):
    page = staff_client.get("/admin/").get_data(as_text=True)
    assert "/admin/product/" in page
    assert "/admin/user/" in page  # read-only, but visible


def test_navbar_shows_login_state(client, users):
    page = client.get("/").get_data(as_text=True)
    assert "Log in" in page
    assert "Register" in page
    login(client, "customer@example.com")
    page = client.get("/").get_data(as_text=True)
    assert "customer@example.com" in page
    assert 'action="/logout"' in page
    assert 'href="/admin/"' not in page
    assert "/admin/product/" not in page
