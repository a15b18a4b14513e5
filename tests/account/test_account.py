"""The end-user area: login wall, own data only, profile, orders, deleting the account."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select

from backoffice.extensions import db
from backoffice.models import Order, User, UserProfile
from tests.support.factories import PASSWORD, add_order, add_product, get_user
from tests.support.http import csrf_token, login

PROFILE = {
    "full_name": "Carl Customer",
    "bio": "Likes lamps",
    "address": "1 High Street",
    "zipcode": "SW1A 1AA",
    "phone": "+44 20 7946 0958",
    "website": "https://carl.example.org",
}


def post(client, url: str, data: dict):
    return client.post(url, data=dict(data, csrf_token=csrf_token(client, "/account/")))


@contextmanager
def count_queries(app):
    """Count the SQL statements run while the block executes."""
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/account/"),
        ("get", "/account/profile"),
        ("get", "/account/orders"),
        ("get", "/account/orders/1"),
        ("post", "/account/delete"),
    ],
)
def test_every_account_page_is_behind_the_login_wall(client, method, path):
    response = getattr(client, method)(path)
    if method == "post":
        assert response.status_code == 400  # no CSRF token: refused before anything else
        return
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_overview_shows_name_email_placeholder_avatar_and_links(customer_client):
    page = customer_client.get("/account/").get_data(as_text=True)
    for text in (
        "Carl Customer",
        "customer@example.com",
        "account-avatar-placeholder",
        'href="/change"',
        'href="/account/profile"',
        'href="/account/orders"',
        'action="/logout"',
    ):
        assert text in page


def test_overview_shows_the_avatar_when_the_profile_has_one(app, customer_client, users):
    with app.app_context():
        db.session.get(User, users["customer"]).profile.avatar = "avatars/ab12.png"
        db.session.commit()
    page = customer_client.get("/account/").get_data(as_text=True)
    assert '<img class="account-avatar mr-3" src="/media/avatars/ab12.png"' in page


def test_edit_own_profile(app, customer_client, users):
    response = post(customer_client, "/account/profile", PROFILE)
    assert response.status_code == 302
    profile = get_user(app, "customer@example.com").profile
    assert (profile.phone, profile.website, profile.bio) == (
        "+44 20 7946 0958",
        "https://carl.example.org",
        "Likes lamps",
    )


def test_bad_profile_input_gives_field_errors_and_saves_nothing(app, customer_client, users):
    post(customer_client, "/account/profile", PROFILE)
    bad = dict(PROFILE, phone="call me", website="carl.example", zipcode="!", bio="changed")
    response = post(customer_client, "/account/profile", bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in ("Enter a phone number", "full web address", "postal code"):
        assert message in page
    assert get_user(app, "customer@example.com").profile.bio == "Likes lamps"


def test_a_posted_user_id_is_ignored(app, customer_client, users):
    other = users["staff"]
    post(customer_client, "/account/profile", dict(PROFILE, user_id=other, id=other))
    assert get_user(app, "staff@example.com").profile.full_name == "Sam Staff"
    assert get_user(app, "customer@example.com").profile.bio == "Likes lamps"


# -- orders -------------------------------------------------------------------------------


@pytest.fixture
def orders(app, users):
    lamp = add_product(app, sku="LAMP", name="Desk Lamp")
    mug = add_product(app, sku="MUG", name="Tea Mug")
    mine = [add_order(app, users["customer"], [(lamp, 1), (mug, i + 1)]) for i in range(3)]
    theirs = add_order(app, users["staff"], [(mug, 7)])
    return {"mine": mine, "theirs": theirs}


def test_orders_list_only_own_newest_first_with_items_and_totals(app, customer_client, orders):
    page = customer_client.get("/account/orders").get_data(as_text=True)
    positions = [page.index(f"Order #{oid}<") for oid in reversed(orders["mine"])]
    assert positions == sorted(positions)
    assert f"Order #{orders['theirs']}<" not in page
    assert "Tea Mug" in page
    with app.app_context():
        total = db.session.get(Order, orders["mine"][0]).total
    assert f">{total}<" in page


@pytest.mark.config(ACCOUNT_ORDERS_PER_PAGE=2)
def test_orders_are_paginated(customer_client, orders):
    first = customer_client.get("/account/orders").get_data(as_text=True)
    second = customer_client.get("/account/orders?page=2").get_data(as_text=True)
    assert first.count('class="card mb-3 account-order"') == 2
    assert second.count('class="card mb-3 account-order"') == 1
    assert "Page 2 of 2" in second
    assert customer_client.get("/account/orders?page=99").status_code == 200


def test_orders_page_costs_the_same_queries_for_one_order_or_many(app, customer_client, users):
    product = add_product(app, sku="P1")
    add_order(app, users["customer"], [(product, 1)])
    with count_queries(app) as one:
        customer_client.get("/account/orders")
    for _ in range(4):
        other = add_product(app, sku=f"P{_ + 2}")
        add_order(app, users["customer"], [(product, 1), (other, 2)])
    with count_queries(app) as five:
        customer_client.get("/account/orders")
    assert len(five) == len(one)


def test_an_order_of_someone_else_is_a_404(customer_client, orders):
    assert customer_client.get(f"/account/orders/{orders['mine'][0]}").status_code == 200
    assert customer_client.get(f"/account/orders/{orders['theirs']}").status_code == 404
    assert customer_client.get("/account/orders/999999").status_code == 404


def test_an_order_id_the_column_cannot_hold_is_a_404(customer_client, orders):
    for raw in (str(2**31), str(2**63), "9" * 30, "0", "-1", "abc", "1.0"):
        assert customer_client.get(f"/account/orders/{raw}").status_code == 404, raw


@pytest.mark.config(ACCOUNT_ORDERS_PER_PAGE=2)
def test_a_page_that_cannot_be_a_page_shows_the_first(customer_client, orders):
    for raw in ("-1", "0", "abc", "9" * 30, str(2**63), str(2**62 + 1)):
        response = customer_client.get("/account/orders", query_string={"page": raw})
        assert response.status_code == 200, raw
        assert "Page 1 of 2" in response.get_data(as_text=True), raw


# -- deleting one's own account ---------------------------------------------------------------


def test_delete_needs_the_right_password(app, customer_client, users):
    response = post(customer_client, "/account/delete", {"password": "not my password"})
    assert response.status_code == 400
    assert "That is not your password." in response.get_data(as_text=True)
    user = get_user(app, "customer@example.com")
    assert user.erased_at is None
    assert user.failed_logins == 1  # it counts towards the lockout


def test_delete_erases_the_account_and_keeps_the_orders(app, customer_client, users, orders):
    post(customer_client, "/account/profile", PROFILE)
    response = post(customer_client, "/account/delete", {"password": PASSWORD})
    assert response.status_code == 302
    assert customer_client.get("/account/").status_code == 302  # logged out
    assert login(app.test_client(), "customer@example.com").status_code == 200
    uid = users["customer"]
    with app.app_context():
        user = db.session.get(User, uid)
        assert user.email == f"deleted-{uid}@invalid"
        assert (user.username, user.password, user.active, user.roles) == (None, None, False, [])
        assert user.erased_at is not None
        profile = db.session.scalar(select(UserProfile).where(UserProfile.user_id == uid))
        assert all(getattr(profile, f) is None for f in (*PROFILE, "avatar", "contact_email"))
        count = db.session.scalar(select(func.count()).where(Order.user_id == uid))
        assert count == 3


def test_the_last_active_admin_cannot_delete_their_account(app, admin_client, users):
    response = post(admin_client, "/account/delete", {"password": PASSWORD})
    assert response.status_code == 302
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "last active admin" in page
    assert get_user(app, "admin@example.com").erased_at is None


def test_new_pages_run_only_nonced_scripts_and_no_inline_handlers(app, admin_client, users):
    pages = ["/account/", "/account/profile", "/account/orders", "/change", "/admin/user/"]
    pages += ["/admin/user/new/", f"/admin/user/edit/?id={users['customer']}"]
    anonymous = ["/register", "/reset", "/login"]
    for client, paths in ((admin_client, pages), (app.test_client(), anonymous)):
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, path
            csp = response.headers["Content-Security-Policy"]
            nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
            page = response.get_data(as_text=True)
            for tag in re.findall(r"<script\b[^>]*>", page):
                assert f'nonce="{nonce}"' in tag, (path, tag)
                assert "src=" in tag, (path, tag)
            assert not re.search(r"\son[a-z]+=\"", page), path
