"""Create, read, update and delete every model through the admin, with good and bad input."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import Book, Order, Product, User, UserProfile
from tests.conftest import PASSWORD, add_user, csrf_token, get_user, login

PRODUCT = {
    "name": "Fountain Pen",
    "sku": "pen-001",
    "category": "stationery",
    "description": "Blue ink",
    "price": "24.90",
    "stock": "12",
    "is_available": "y",
}
BOOK = {
    "title": "The Left Hand of Darkness",
    "author": "Ursula K. Le Guin",
    "isbn": "978-0-441-47812-5",
    "publisher": "Ace",
    "published_year": "1969",
    "genre": "fiction",
    "price": "11.00",
    "stock": "4",
    "is_available": "y",
}


def submit(client, url, data):
    payload = dict(data, csrf_token=csrf_token(client))
    return client.post(url, data=payload)


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def errors_in(response) -> str:
    return response.get_data(as_text=True)


# -- products ---------------------------------------------------------------------------


def test_create_product(app, staff_client):
    response = submit(staff_client, "/admin/product/new/", PRODUCT)
    assert response.status_code == 302
    with app.app_context():
        product = db.session.scalar(select(Product))
        assert product.sku == "PEN-001"  # normalised
        assert product.price == Decimal("24.90")
        assert isinstance(product.price, Decimal)
        assert product.is_available is True


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("price", "0", "Must be greater than 0."),
        ("price", "-5", "Must be greater than 0."),
        ("price", "abc", "Not a valid decimal value"),
        ("price", "1.999", "at most two decimal places"),
        ("stock", "-1", "Stock cannot be negative."),
        ("stock", "two", "Not a valid integer value"),
        ("name", "", "This field is required."),
        ("sku", "   ", "This field is required."),
    ],
)
def test_bad_product_input_is_a_form_error_and_saves_nothing(
    app, staff_client, field, value, message
):
    response = submit(staff_client, "/admin/product/new/", dict(PRODUCT, **{field: value}))
    assert response.status_code == 200
    assert message in errors_in(response)
    assert count(app, Product) == 0


def test_duplicate_sku_is_a_form_error(app, staff_client):
    assert submit(staff_client, "/admin/product/new/", PRODUCT).status_code == 302
    response = submit(staff_client, "/admin/product/new/", dict(PRODUCT, sku=" PEN-001 "))
    assert response.status_code == 200
    assert "Already exists." in errors_in(response)
    assert count(app, Product) == 1


def test_edit_product(app, staff_client, catalog):
    pid = catalog["product"]
    response = submit(
        staff_client,
        f"/admin/product/edit/?id={pid}",
        dict(PRODUCT, price="5.00", stock="0", stock_seen="10"),
    )
    assert response.status_code == 302
    with app.app_context():
        product = db.session.get(Product, pid)
        assert (product.price, product.stock) == (Decimal("5.00"), 0)


def test_edit_with_bad_input_changes_nothing(app, staff_client, catalog):
    pid = catalog["product"]
    response = submit(staff_client, f"/admin/product/edit/?id={pid}", dict(PRODUCT, stock="-3"))
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(Product, pid).stock == 10


def test_admin_deletes_an_unused_product(app, admin_client):
    from tests.conftest import add_product

    pid = add_product(app, sku="LONELY-1")
    response = admin_client.post(
        "/admin/product/delete/", data={"id": pid, "csrf_token": csrf_token(admin_client)}
    )
    assert response.status_code == 302
    assert count(app, Product) == 0


def test_deleting_a_product_that_was_ordered_is_refused_with_a_message(app, admin_client, catalog):
    response = admin_client.post(
        "/admin/product/delete/",
        data={"id": catalog["product"], "csrf_token": csrf_token(admin_client)},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "appears in orders" in errors_in(response) or "still refer" in errors_in(response)
    assert count(app, Product) == 1


def test_delete_without_csrf_token_is_refused(app, admin_client, catalog):
    response = admin_client.post("/admin/product/delete/", data={"id": catalog["product"]})
    assert response.status_code == 400
    assert count(app, Product) == 1


def test_product_list_search_and_filter(app, staff_client):
    from tests.conftest import add_product

    add_product(app, sku="A-1", name="Red Lamp", category="home")
    add_product(app, sku="B-1", name="Blue Kettle", category="kitchen")
    page = staff_client.get("/admin/product/?search=kettle").get_data(as_text=True)
    assert "Blue Kettle" in page
    assert "Red Lamp" not in page
    page = staff_client.get("/admin/product/?flt0_category_equals=home").get_data(as_text=True)
    assert "Red Lamp" in page
    assert "Blue Kettle" not in page


# -- books ------------------------------------------------------------------------------


def test_create_book_normalises_isbn(app, staff_client):
    assert submit(staff_client, "/admin/book/new/", BOOK).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Book.isbn)) == "9780441478125"


def test_isbn10_is_converted(app, staff_client):
    assert (
        submit(staff_client, "/admin/book/new/", dict(BOOK, isbn="0-441-47812-3")).status_code
        == 302
    )
    with app.app_context():
        assert db.session.scalar(select(Book.isbn)) == "9780441478125"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("isbn", "9780441478126", "check digit is wrong"),
        ("isbn", "12345", "must be 13 digits"),
        ("isbn", "1234567890123", "must start with 978 or 979"),
        ("published_year", "1200", "between 1450 and 2100"),
        ("price", "0", "greater than 0"),
        ("stock", "-2", "cannot be negative"),
        ("title", "", "This field is required."),
    ],
)
def test_bad_book_input(app, staff_client, field, value, message):
    response = submit(staff_client, "/admin/book/new/", dict(BOOK, **{field: value}))
    assert response.status_code == 200
    assert message in errors_in(response)
    assert count(app, Book) == 0


def test_duplicate_isbn_in_another_format_is_refused(app, staff_client):
    assert submit(staff_client, "/admin/book/new/", BOOK).status_code == 302
    response = submit(staff_client, "/admin/book/new/", dict(BOOK, isbn="9780441478125"))
    assert "Already exists." in errors_in(response)
    assert count(app, Book) == 1


def test_book_filters(app, staff_client):
    from tests.conftest import add_book

    add_book(app, isbn="9780306406157", title="Old Book", author="Ann Author", published_year=1960)
    add_book(app, isbn="9780441478125", title="New Book", author="Bob Writer", published_year=2020)
    page = staff_client.get("/admin/book/?flt0_author_contains=bob").get_data(as_text=True)
    assert "New Book" in page
    assert "Old Book" not in page
    page = staff_client.get("/admin/book/?flt0_year_smaller_than=2000").get_data(as_text=True)
    assert "Old Book" in page
    assert "New Book" not in page


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


# -- orders -----------------------------------------------------------------------------


def test_create_order_with_inline_items_prices_from_products(app, staff_client, users):
    from tests.conftest import add_product

    lamp = add_product(app, sku="LAMP", price=Decimal("19.99"))
    mug = add_product(app, sku="MUG", price=Decimal("4.50"))
    data = {
        "user": str(users["customer"]),
        "status": "pending",
        "shipping_address": "1 High Street",
        "items-0-product": str(lamp),
        "items-0-quantity": "2",
        "items-1-product": str(mug),
        "items-1-quantity": "3",
    }
    response = submit(staff_client, "/admin/order/new/", data)
    assert response.status_code == 302, errors_in(response)
    with app.app_context():
        order = db.session.scalar(select(Order))
        assert order.total == Decimal("53.48")
        assert sorted((i.quantity, i.unit_price) for i in order.items) == [
            (2, Decimal("19.99")),
            (3, Decimal("4.50")),
        ]


def test_order_edit_cannot_change_items_or_total(app, staff_client, users, catalog):
    # Items are fixed once placed (cancel and re-place instead); the total is derived.
    oid = catalog["order"]
    with app.app_context():
        item = db.session.get(Order, oid).items[0]
        data = {
            "status": "pending",
            "shipping_address": "2 Low Street",
            "total": "0.01",
            "items-0-id": str(item.id),
            "items-0-product": str(item.product_id),
            "items-0-quantity": "5",
        }
    assert submit(staff_client, f"/admin/order/edit/?id={oid}", data).status_code == 302
    with app.app_context():
        order = db.session.get(Order, oid)
        assert order.shipping_address == "2 Low Street"
        assert order.total == Decimal("39.98")
        assert [i.quantity for i in order.items] == [2]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"items-0-quantity": "0"}, "Quantity must be between 1 and 10,000."),
        ({"items-0-quantity": "-4"}, "Quantity must be between 1 and 10,000."),
        ({"user": ""}, "Choose the customer."),
        ({"shipping_address": "   "}, "Enter the shipping address."),
    ],
)
def test_bad_order_input(app, staff_client, users, catalog, changes, message):
    data = {
        "user": str(users["customer"]),
        "status": "pending",
        "shipping_address": "1 High Street",
        "items-0-product": str(catalog["product"]),
        "items-0-quantity": "1",
    }
    response = submit(staff_client, "/admin/order/new/", dict(data, **changes))
    assert response.status_code == 200
    assert message in errors_in(response)
    assert count(app, Order) == 1


def test_order_list_filters(app, admin_client, users, catalog):
    from tests.conftest import add_order

    add_order(app, users["staff"], [(catalog["product"], 1)], status="paid")
    page = admin_client.get("/admin/order/?flt0_status_equals=paid").get_data(as_text=True)
    assert "staff@example.com" in page
    assert "customer@example.com" not in page
    page = admin_client.get("/admin/order/?search=customer@").get_data(as_text=True)
    assert "customer@example.com" in page
    assert "staff@example.com" not in page
