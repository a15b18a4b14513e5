"""Create, edit and delete products and books through the admin, with good and bad input."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import Book, Product
from tests.admin.crud_helpers import BOOK, PRODUCT, count, errors_in, submit
from tests.support.http import csrf_token

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
        ("price", "abc", "Enter an amount such as 19.99."),
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


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_optional_number_is_no_value(app, staff_client, blank):
    """A book's year may stay empty (it was refused as "Not a valid integer value")."""
    response = submit(staff_client, "/admin/book/new/", dict(BOOK, published_year=blank))
    assert response.status_code == 302, errors_in(response)
    with app.app_context():
        assert db.session.scalar(select(Book.published_year)) is None


@pytest.mark.parametrize(("field", "value"), [("price", ""), ("stock", " ")])
def test_a_blank_required_number_is_required(app, staff_client, field, value):
    response = submit(staff_client, "/admin/product/new/", dict(PRODUCT, **{field: value}))
    assert response.status_code == 200
    assert "required" in errors_in(response).lower()
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
    from tests.support.factories import add_product

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
    from tests.support.factories import add_product

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
    from tests.support.factories import add_book

    add_book(app, isbn="9780306406157", title="Old Book", author="Ann Author", published_year=1960)
    add_book(app, isbn="9780441478125", title="New Book", author="Bob Writer", published_year=2020)
    page = staff_client.get("/admin/book/?flt0_author_contains=bob").get_data(as_text=True)
    assert "New Book" in page
    assert "Old Book" not in page
    page = staff_client.get("/admin/book/?flt0_year_smaller_than=2000").get_data(as_text=True)
    assert "Old Book" in page
    assert "New Book" not in page
