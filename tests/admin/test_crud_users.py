"""Create, edit and erase users and edit profiles through the admin, with good and bad input."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import Order, User, UserProfile
from tests.admin.crud_helpers import count, errors_in, submit
from tests.support.factories import PASSWORD, add_user, get_user
from tests.support.http import csrf_token, login

# -- users and profiles ------------------------------------------------------------------


USER = {
    "email": "Newbie@Example.com",
    "username": "Newbie",
    "full_name": "New Bie",
    "new_password": PASSWORD,
    "active": "y",
}


def test_admin_creates_user_with_hashed_password_and_profile(app, admin_client, users):
    with app.app_context():
        staff_role = db.session.scalar(select(User).where(User.id == users["staff"])).roles[0].id
    response = submit(admin_client, "/admin/user/new/", dict(USER, roles=str(staff_role)))
    assert response.status_code == 302
    user = get_user(app, "newbie@example.com")
    assert user.username == "newbie"
    assert user.profile.full_name == "New Bie"
    assert user.password.startswith("$2b$")
    assert PASSWORD not in user.password
    assert user.fs_uniquifier
    assert [r.name for r in user.roles] == ["staff"]
    assert login(app.test_client(), "newbie@example.com").status_code == 302


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email": "not an email"}, "email address"),
        ({"email": "CUSTOMER@example.com"}, "already registered"),
        ({"username": "x"}, "Username"),
        ({"new_password": ""}, "A new user needs a password."),
        ({"new_password": "short"}, "at least 12 characters"),
    ],
)
def test_bad_user_input(app, admin_client, users, changes, message):
    response = submit(admin_client, "/admin/user/new/", dict(USER, **changes))
    assert response.status_code == 200
    assert message in errors_in(response)
    assert count(app, User) == 3


def test_user_forms_never_show_secrets(app, admin_client, users):
    with app.app_context():
        user = db.session.get(User, users["customer"])
        secrets = [user.password, user.fs_uniquifier]
    for url in (
        "/admin/user/",
        f"/admin/user/edit/?id={users['customer']}",
        f"/admin/user/details/?id={users['customer']}",
        "/admin/user/new/",
    ):
        page = admin_client.get(url).get_data(as_text=True)
        for secret in secrets:
            assert secret not in page
        assert "fs_uniquifier" not in page


def test_edit_user_keeps_password_when_blank_and_rotates_sessions_when_set(
    app, admin_client, users
):
    uid = users["customer"]
    other = app.test_client()
    login(other, "customer@example.com")
    before = get_user(app, "customer@example.com")
    data = {"email": "customer@example.com", "username": "", "full_name": "Carl C", "active": "y"}
    assert (
        submit(admin_client, f"/admin/user/edit/?id={uid}", dict(data, new_password="")).status_code
        == 302
    )
    after = get_user(app, "customer@example.com")
    assert after.password == before.password
    assert after.profile.full_name == "Carl C"
    assert other.get("/account/").status_code == 200

    new = "a different long passphrase"
    assert (
        submit(
            admin_client, f"/admin/user/edit/?id={uid}", dict(data, new_password=new)
        ).status_code
        == 302
    )
    assert other.get("/account/").status_code == 302  # old session ended
    assert login(app.test_client(), "customer@example.com", new).status_code == 302


def test_admin_delete_erases_the_user_and_scrubs_the_profile(app, admin_client):
    uid = add_user(app, "leaver@example.com", full_name="Lee Ver")
    response = admin_client.post(
        "/admin/user/delete/", data={"id": uid, "csrf_token": csrf_token(admin_client)}
    )
    assert response.status_code == 302
    assert get_user(app, "leaver@example.com") is None
    erased = get_user(app, f"deleted-{uid}@invalid")
    assert erased.erased_at is not None
    assert erased.profile.full_name is None
    assert erased.password is None


def test_deleting_a_user_with_orders_erases_them_and_keeps_the_orders(
    app, admin_client, catalog, users
):
    response = admin_client.post(
        "/admin/user/delete/",
        data={"id": users["customer"], "csrf_token": csrf_token(admin_client)},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "orders are kept" in errors_in(response)
    assert get_user(app, "customer@example.com") is None
    assert count(app, Order) == 1
    page = admin_client.get("/admin/order/").get_data(as_text=True)
    assert f"deleted-{users['customer']}@invalid" in page


def test_user_filters_by_role_and_search(app, staff_client, users):
    page = staff_client.get("/admin/user/?search=staff").get_data(as_text=True)
    assert "staff@example.com" in page
    assert "customer@example.com" not in page
    page = staff_client.get("/admin/user/?flt0_role_equals=admin").get_data(as_text=True)
    assert "admin@example.com" in page
    assert "customer@example.com" not in page


def test_edit_profile(app, admin_client, catalog, users):
    pid = catalog["userprofile"]
    data = {
        "full_name": "Carl Customer",
        "bio": "Likes lamps",
        "address": "1 High Street",
        "zipcode": "SW1A 1AA",
        "phone": "+44 20 7946 0958",
        "contact_email": "carl@example.org",
        "website": "https://carl.example.org",
    }
    assert submit(admin_client, f"/admin/userprofile/edit/?id={pid}", data).status_code == 302
    response = submit(
        admin_client,
        f"/admin/userprofile/edit/?id={pid}",
        dict(data, phone="call me", website="carl.example", zipcode="!"),
    )
    page = errors_in(response)
    assert "Enter a phone number" in page
    assert "full web address" in page
    assert "postal code" in page
    with app.app_context():
        profile = db.session.get(UserProfile, pid)
        assert profile.phone == "+44 20 7946 0958"
        assert profile.bio == "Likes lamps"


def test_staff_cannot_post_to_user_forms(app, staff_client, users):
    response = submit(staff_client, "/admin/user/new/", USER)
    assert response.status_code == 403
    assert count(app, User) == 3
