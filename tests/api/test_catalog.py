"""Reading the catalogue: filters, cursor pagination, lookups by id, SKU and ISBN."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.factories import add_book, add_product


def all_pages(client, url, headers, limit):
    """Every item, following next_cursor; and the number of pages."""
    items, cursor, pages = [], None, 0
    while True:
        query = f"{url}{'&' if '?' in url else '?'}limit={limit}"
        if cursor:
            query += f"&cursor={cursor}"
        response = client.get(query, headers=headers)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        items += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return items, pages


def test_products_page_through_every_row_once(app, client, full_key):
    ids = [add_product(app, sku=f"P-{n}", price=Decimal(n + 1)) for n in range(7)]
    items, pages = all_pages(client, "/api/v1/products", full_key, 3)
    assert [p["id"] for p in items] == ids
    assert pages == 3
    assert items[0]["price"] == "1.00"
    assert "name_key" not in items[0]


def test_rows_inserted_while_paging_shift_nothing(app, client, full_key):
    first = [add_product(app, sku=f"P-{n}") for n in range(4)]
    page = client.get("/api/v1/products?limit=2", headers=full_key).get_json()
    late = add_product(app, sku="P-LATE")
    rest = client.get(
        f"/api/v1/products?limit=10&cursor={page['next_cursor']}", headers=full_key
    ).get_json()
    assert [p["id"] for p in page["items"] + rest["items"]] == [*first, late]


def test_product_filters(app, client, full_key):
    cheap = add_product(app, sku="A", price=Decimal("5.00"), category="home")
    add_product(app, sku="B", price=Decimal("50.00"), category="home", is_available=False)
    add_product(app, sku="C", price=Decimal("20.00"), category="garden")

    def ids(query):
        response = client.get(f"/api/v1/products?{query}", headers=full_key)
        assert response.status_code == 200, response.get_json()
        return [p["sku"] for p in response.get_json()["items"]]

    assert ids("category=home") == ["A", "B"]
    assert ids("available=false") == ["B"]
    assert ids("min_price=10&max_price=30") == ["C"]
    assert ids("updated_since=2000-01-01T00:00:00Z") == ["A", "B", "C"]
    assert ids("updated_since=2999-01-01T00:00:00Z") == []
    assert client.get(f"/api/v1/products/{cheap}", headers=full_key).get_json()["sku"] == "A"
    assert client.get("/api/v1/products/sku/a", headers=full_key).get_json()["id"] == cheap


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("min_price=NaN", "min_price"),
        ("max_price=1e999", "max_price"),
        ("available=maybe", "available"),
        ("updated_since=2026-13-45", "updated_since"),
    ],
)
def test_bad_arguments_are_422_naming_the_field(client, full_key, query, field):
    response = client.get(f"/api/v1/products?{query}", headers=full_key)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]["query"]


@pytest.mark.parametrize("cursor", ["garbage", "YWZ0ZXI6MA", "YWZ0ZXI6LTE", "%00", "=" * 10])
def test_a_cursor_that_is_not_ours_is_400(client, full_key, cursor):
    response = client.get(f"/api/v1/products?cursor={cursor}", headers=full_key)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_books_by_id_isbn_and_genre(app, client, full_key):
    dune = add_book(app, isbn="9780441478125", genre="sf")
    add_book(app, isbn="9780306406157", genre="science")
    assert client.get("/api/v1/books/isbn/0-441-47812-3", headers=full_key).get_json()["id"] == dune
    assert client.get(f"/api/v1/books/{dune}", headers=full_key).get_json()["genre"] == "sf"
    listed = client.get("/api/v1/books?genre=sf", headers=full_key).get_json()["items"]
    assert [b["id"] for b in listed] == [dune]
    for url in ("/api/v1/books/isbn/123", "/api/v1/books/999999", "/api/v1/products/sku/NOPE"):
        response = client.get(url, headers=full_key)
        assert response.status_code == 404, url
        assert response.mimetype == "application/problem+json"
