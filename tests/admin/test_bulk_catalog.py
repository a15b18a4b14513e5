"""Product and book bulk actions: stock, category/genre, availability, delete."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import Book, Product
from backoffice.services.catalog_bulk import MAX_STOCK
from backoffice.services.orders import place_order
from tests.admin.bulk_helpers import bulk, flashed
from tests.support.factories import add_book, add_product


@pytest.fixture
def products(app, users):
    ids = {
        "H1": add_product(app, sku="H1", category="home", stock=10),
        "H2": add_product(app, sku="H2", category="home", stock=2),
        "H3": add_product(app, sku="H3", category="home", stock=0, is_available=False),
        "T1": add_product(app, sku="T1", category="toys", stock=51),
    }
    with app.app_context():  # T1 has history: it was ordered
        place_order(users["customer"], [(ids["T1"], 1)], "1 High Street")
        db.session.commit()
    return ids


@pytest.fixture
def books(app):
    return {
        "B1": add_book(app, isbn="9780306406157", genre="fiction", stock=3),
        "B2": add_book(app, isbn="9780441478125", genre=None, stock=0),
        "B3": add_book(app, isbn="9780140449136", genre="crime", stock=7),
    }


def rows(app, model, column) -> dict:
    key = model.sku if model is Product else model.isbn
    with app.app_context():
        return dict(db.session.execute(select(key, getattr(model, column))).all())


def product_stock(app):
    return rows(app, Product, "stock")


def test_adjust_stock_up_everywhere(app, staff_client, products):
    page = flashed(staff_client, bulk(staff_client, "product", "adjust_stock", delta="5"))
    assert "Adjust stock: 4 changed, 0 skipped." in page
    assert product_stock(app) == {"H1": 15, "H2": 7, "H3": 5, "T1": 55}


def test_adjust_stock_down_skips_rows_without_enough(app, staff_client, products):
    page = flashed(staff_client, bulk(staff_client, "product", "adjust_stock", delta="-3"))
    assert "Adjust stock: 2 changed, 2 skipped (2 fewer than 3 in stock)." in page
    assert product_stock(app) == {"H1": 7, "H2": 2, "H3": 0, "T1": 47}


def test_adjust_stock_on_ticked_rows_and_under_a_filter(app, staff_client, products):
    ticked = [products["H1"], products["T1"]]
    flashed(staff_client, bulk(staff_client, "product", "adjust_stock", rows=ticked, delta="1"))
    assert product_stock(app) == {"H1": 11, "H2": 2, "H3": 0, "T1": 51}
    response = bulk(
        staff_client, "product", "adjust_stock", query="?flt0_category_equals=home", delta="-2"
    )
    assert "Adjust stock: 2 changed, 1 skipped (1 fewer than 2 in stock)." in flashed(
        staff_client, response
    )
    assert product_stock(app) == {"H1": 9, "H2": 0, "H3": 0, "T1": 51}


def test_adjust_stock_never_overflows(app, staff_client, products):
    big = add_product(app, sku="BIG", stock=MAX_STOCK - 10)
    response = bulk(staff_client, "product", "adjust_stock", rows=[big], delta="11")
    assert f"1 stock would exceed {MAX_STOCK:,}" in flashed(staff_client, response)
    assert product_stock(app)["BIG"] == MAX_STOCK - 10


@pytest.mark.parametrize(
    ("delta", "message"),
    [
        ("0", "Enter a number other than 0."),
        ("", "Enter a whole number such as 10 or -5."),
        ("ten", "Not a valid integer value."),
        ("1.5", "Not a valid integer value."),
        ("1000001", "Enter a number between -1,000,000 and 1,000,000."),
    ],
)
def test_adjust_stock_parameter_is_validated(app, staff_client, products, delta, message):
    before = product_stock(app)
    response = bulk(staff_client, "product", "adjust_stock", delta=delta)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert product_stock(app) == before


def test_confirmation_page_asks_for_the_parameter(staff_client, products):
    response = bulk(staff_client, "product", "adjust_stock", step="confirm")
    page = response.get_data(as_text=True)
    assert "Change stock by" in page
    assert "A negative number removes stock." in page
    assert "Apply to all 4 matching products" in page


def test_set_category(app, staff_client, products):
    response = bulk(
        staff_client, "product", "set_category", query="?flt0_category_equals=home", category="toys"
    )
    assert "Set category: 3 changed, 0 skipped." in flashed(staff_client, response)
    page = flashed(staff_client, bulk(staff_client, "product", "set_category", category="toys"))
    assert "Set category: 0 changed, 4 skipped (4 already toys)." in page
    assert set(rows(app, Product, "category").values()) == {"toys"}


@pytest.mark.parametrize(
    ("value", "message"), [("  ", "Enter the category."), ("x" * 81, "under 80 characters")]
)
def test_set_category_is_validated(app, staff_client, products, value, message):
    response = bulk(staff_client, "product", "set_category", category=value)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert rows(app, Product, "category")["H1"] == "home"


def test_set_genre_including_books_without_one(app, staff_client, books):
    ticked = [books["B1"], books["B2"]]
    response = bulk(staff_client, "book", "set_genre", rows=ticked, genre=" poetry ")
    assert "Set genre: 2 changed, 0 skipped." in flashed(staff_client, response)
    assert rows(app, Book, "genre") == {
        "9780306406157": "poetry",
        "9780441478125": "poetry",
        "9780140449136": "crime",
    }
    response = bulk(staff_client, "book", "set_genre", genre="")
    assert response.status_code == 400
    assert "Enter the genre." in response.get_data(as_text=True)


def test_book_stock_and_availability(app, staff_client, books):
    response = bulk(staff_client, "book", "adjust_stock", delta="-3")
    assert "Adjust stock: 2 changed, 1 skipped (1 fewer than 3 in stock)." in flashed(
        staff_client, response
    )
    assert set(rows(app, Book, "stock").values()) == {0, 4}
    response = bulk(staff_client, "book", "make_unavailable", rows=[books["B3"]])
    assert "Make unavailable: 1 changed, 0 skipped." in flashed(staff_client, response)
    assert rows(app, Book, "is_available")["9780140449136"] is False


def test_admin_deletes_products_without_history_only(app, admin_client, products):
    page = flashed(admin_client, bulk(admin_client, "product", "delete"))
    assert "Delete: 3 changed, 1 skipped (1 appear in orders)." in page
    assert product_stock(app) == {"T1": 50}


def test_admin_deletes_books_under_a_filter(app, admin_client, books):
    response = bulk(admin_client, "book", "delete", query="?flt0_genre_equals=crime")
    assert "Delete: 1 changed, 0 skipped." in flashed(admin_client, response)
    assert sorted(rows(app, Book, "genre").values(), key=str) == [None, "fiction"]


@pytest.mark.parametrize("model", ["product", "book"])
def test_staff_may_not_delete(app, staff_client, products, books, model):
    assert bulk(staff_client, model, "delete").status_code == 403
    assert bulk(staff_client, model, "delete", step="confirm").status_code == 403
    page = staff_client.get(f"/admin/{model}/").get_data(as_text=True)
    assert 'value="delete"' not in page
    assert len(product_stock(app)) == 4
    assert len(rows(app, Book, "stock")) == 3


def test_customer_and_anonymous_are_refused(app, client, customer_client, products):
    before = product_stock(app)
    assert bulk(customer_client, "product", "adjust_stock", delta="1").status_code == 403
    response = bulk(app.test_client(), "product", "adjust_stock", delta="1")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert product_stock(app) == before


def test_missing_csrf_token_is_refused_for_staff(app, staff_client, products):
    before = product_stock(app)
    response = staff_client.post(
        "/admin/product/bulk/apply", data={"action": "adjust_stock", "scope": "all", "delta": "1"}
    )
    assert response.status_code == 400
    assert product_stock(app) == before


@pytest.mark.parametrize(
    ("action", "params", "recorded"),
    [
        ("adjust_stock", {"delta": "-2"}, {"stock": "-2"}),
        ("set_category", {"category": "garden"}, {"category": "garden"}),
        ("make_unavailable", {}, {"is_available": "False"}),
    ],
)
def test_audit_entry_records_the_values_set(app, staff_client, products, action, params, recorded):
    from backoffice.models import AuditLog

    flashed(staff_client, bulk(staff_client, "product", action, **params))
    with app.app_context():
        entry = db.session.scalar(select(AuditLog).where(AuditLog.action == f"bulk:{action}"))
        assert entry.changes["set"] == recorded
