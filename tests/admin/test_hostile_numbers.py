"""Hostile numbers in the admin: ids, filters, paging, lookups and money never reach a 500.

Ids must be exact canonical integers the key column can hold (else 404); a filter value
its column cannot hold is refused (the list flashes, the export answers 400); a page
number that cannot be a page falls back to the first page; amounts must be finite.
"""

from __future__ import annotations

import pytest
from flask_admin.model import filters as flt
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import Book, Order, Product, User
from tests.admin.crud_helpers import BOOK, PRODUCT, count, errors_in, submit
from tests.support.http import csrf_token

VIEWS = ["user", "userprofile", "product", "book", "order", "auditlog"]
INT4_OVER = str(2**31)
INT8_OVER = str(2**63)
HUGE = "9" * 30
# Not one of these names a row, whatever the database.
BAD_IDS = ["abc", "0.001", " 1 ", "1 ", "+1", "01", "1e0", "0", "-1", "1_0", INT4_OVER, INT8_OVER]


def _ids(app, model) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(model.id).order_by(model.id)))


@pytest.mark.parametrize("view", VIEWS)
def test_a_malformed_or_out_of_range_id_is_a_404_on_details_and_edit(admin_client, catalog, view):
    for raw in BAD_IDS:
        for page in ("details", "edit"):
            response = admin_client.get(f"/admin/{view}/{page}/", query_string={"id": raw})
            # 403: the audit log may not be edited by anyone, whatever the id
            assert response.status_code in (404, 403), (page, raw, response.status_code)


def test_a_delete_with_a_malformed_id_deletes_nothing(app, admin_client, catalog):
    for view, model in (("user", User), ("product", Product), ("book", Book), ("order", Order)):
        before = _ids(app, model)
        for raw in BAD_IDS:
            response = admin_client.post(
                f"/admin/{view}/delete/", data={"id": raw, "csrf_token": csrf_token(admin_client)}
            )
            assert response.status_code == 404, (view, raw)
        assert _ids(app, model) == before
    with app.app_context():
        assert all(u.erased_at is None for u in db.session.scalars(select(User)))


def test_id_0_001_no_longer_names_user_1(app, admin_client, users):
    # Flask-Admin decoded "0.001" as "0001", i.e. the first user.
    first = min(users.values())
    response = admin_client.post(
        "/admin/user/delete/",
        data={"id": f"0.{first:03d}", "csrf_token": csrf_token(admin_client)},
    )
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(User, first).erased_at is None


def test_a_canonical_id_still_works(admin_client, users):
    uid = users["customer"]
    assert admin_client.get(f"/admin/user/details/?id={uid}").status_code == 200
    assert admin_client.get(f"/admin/user/edit/?id={uid}").status_code == 200
    # a well-formed id of no row: Flask-Admin's "Record does not exist." and back to the list
    assert admin_client.get(f"/admin/user/details/?id={2**31 - 1}").status_code == 302


@pytest.mark.parametrize("view", VIEWS)
def test_ajax_update_with_a_bad_key_is_a_404(admin_client, catalog, view):
    response = admin_client.post(
        f"/admin/{view}/ajax/update/",
        data={"list_form_pk": "abc", "csrf_token": csrf_token(admin_client)},
    )
    assert response.status_code in (404, 403)


@pytest.mark.parametrize("endpoint", ["toggle-active", "unlock"])
def test_status_toggle_and_unlock_need_an_exact_id(app, admin_client, users, endpoint):
    before = {u.id: (u.active, u.failed_logins) for u in _users(app)}
    for raw in (*BAD_IDS, HUGE, ""):
        response = admin_client.post(
            f"/admin/user/{endpoint}/", data={"id": raw, "csrf_token": csrf_token(admin_client)}
        )
        assert response.status_code == 404, raw
    assert {u.id: (u.active, u.failed_logins) for u in _users(app)} == before


def test_status_toggle_still_works_with_an_exact_id(app, admin_client, users):
    response = admin_client.post(
        "/admin/user/toggle-active/",
        data={"id": str(users["customer"]), "csrf_token": csrf_token(admin_client)},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, users["customer"]).active is False


def _users(app) -> list[User]:
    with app.app_context():
        found = list(db.session.scalars(select(User)))
        db.session.expunge_all()
        return found


def test_check_email_ignores_a_bad_id(admin_client, users):
    for raw in ("abc", HUGE, INT8_OVER, "-1"):
        query = {"email": "admin@example.com", "id": raw}
        response = admin_client.get("/admin/user/check-email/", query_string=query)
        assert response.status_code == 200
        assert response.json["taken"] is True


# -- filters: every numeric and date filter of every list, found from the views themselves ---

BAD_INTS = [INT4_OVER, str(-(2**31) - 1), INT8_OVER, HUGE, "1.5", "abc", "١٢"]
BAD_AMOUNTS = ["NaN", "sNaN", "Infinity", "-inf", "1e999999", "1e400", "1" * 30]
BAD_DATES = ["0000-01-01", "99999-01-01", "2024-13-01", "2024-02-30", "yesterday"]
KINDS = {
    "int": (flt.BaseIntFilter, flt.BaseIntListFilter),
    "amount": (flt.BaseFloatFilter, flt.BaseFloatListFilter),
    "date": (flt.BaseDateFilter, flt.BaseDateBetweenFilter),
    "datetime": (flt.BaseDateTimeFilter, flt.BaseDateTimeBetweenFilter),
}


def _filters(app, view: str, kind: str) -> list[tuple[str, object]]:
    """``(url name, filter)`` of each filter of ``kind`` in the view (the view's own table)."""
    admin = app.extensions["backoffice_admin"]
    found = next(v for v in admin._views if v.endpoint == view)
    return [(key, f) for key, (_, f) in found._filter_args.items() if isinstance(f, KINDS[kind])]


def _assert_refused(client, view, arg, value):
    listing = client.get(f"/admin/{view}/", query_string={f"flt0_{arg}": value})
    assert listing.status_code == 200, (arg, value)
    refused = f"is not a valid value for the filter “{arg}”"
    assert refused in listing.get_data(as_text=True), (arg, value)
    export = client.get(f"/admin/{view}/export/csv/", query_string={f"flt0_{arg}": value})
    assert export.status_code == 400, (arg, value)


@pytest.mark.parametrize("view", VIEWS)
def test_every_integer_filter_refuses_numbers_its_column_cannot_hold(admin_client, catalog, view):
    for arg, _ in _filters(admin_client.application, view, "int"):
        for value in BAD_INTS:
            _assert_refused(admin_client, view, arg, value)
            if arg.endswith("in_list"):
                _assert_refused(admin_client, view, arg, f"1,{value}")


@pytest.mark.parametrize("view", VIEWS)
def test_every_amount_filter_refuses_non_finite_and_huge_values(admin_client, catalog, view):
    for arg, _ in _filters(admin_client.application, view, "amount"):
        for value in BAD_AMOUNTS:
            _assert_refused(admin_client, view, arg, value)
            if arg.endswith("in_list"):
                _assert_refused(admin_client, view, arg, f"1.5,{value}")


@pytest.mark.parametrize("view", VIEWS)
def test_every_date_filter_refuses_impossible_dates(admin_client, catalog, view):
    for kind, suffix in (("date", ""), ("datetime", " 00:00:00")):
        for arg, _ in _filters(admin_client.application, view, kind):
            for value in BAD_DATES:
                value += suffix
                if "between" in arg:
                    value = f"2020-01-01{suffix} to {value}"
                _assert_refused(admin_client, view, arg, value)


def test_the_filter_crawl_covers_the_numeric_columns(app):
    assert {k for k, _ in _filters(app, "product", "int")} >= {"stock_equals", "stock_in_list"}
    assert {k for k, _ in _filters(app, "order", "amount")} >= {"total_greater_than"}
    assert {k for k, _ in _filters(app, "book", "int")} >= {"year_smaller_than"}
    assert {k for k, _ in _filters(app, "auditlog", "datetime")} >= {"date_between"}


def test_good_numeric_filters_still_filter(admin_client, catalog):
    page = admin_client.get("/admin/product/?flt0_price_greater_than=19.98")
    assert page.status_code == 200
    assert "is not a valid value for the filter" not in page.get_data(as_text=True)
    assert "Desk Lamp" in page.get_data(as_text=True)
    page = admin_client.get("/admin/product/?flt0_price_greater_than=19.99").get_data(as_text=True)
    assert "Desk Lamp" not in page
    limit = str(2**31 - 1)
    page = admin_client.get(f"/admin/product/?flt0_stock_smaller_than={limit}")
    assert "Desk Lamp" in page.get_data(as_text=True)
    export = admin_client.get("/admin/order/export/csv/?flt0_total_greater_than=0.5")
    assert export.status_code == 200


# -- paging and sorting -----------------------------------------------------------------------

BAD_PAGES = ["-1", "-99999999999999999999", "99999999999999999999", "abc", str(2**62)]


@pytest.mark.parametrize("view", VIEWS)
def test_hostile_page_sort_and_page_size_never_fail(admin_client, catalog, view):
    for page in BAD_PAGES:
        response = admin_client.get(f"/admin/{view}/", query_string={"page": page})
        assert response.status_code == 200, (view, page)
    for size in ("-1", "0", "7", HUGE, "abc"):
        response = admin_client.get(f"/admin/{view}/", query_string={"page_size": size})
        assert response.status_code == 200, (view, size)
    for sort in ("999", "-1", "abc", HUGE):
        for desc in ("1", "abc", HUGE):
            query = {"sort": sort, "desc": desc}
            assert admin_client.get(f"/admin/{view}/", query_string=query).status_code == 200
            export = admin_client.get(f"/admin/{view}/export/csv/", query_string=query)
            assert export.status_code == 200


def test_a_page_that_cannot_be_a_page_shows_the_first(admin_client, catalog):
    for page in ("-1", "99999999999999999999"):
        listing = admin_client.get("/admin/product/", query_string={"page": page})
        assert "Desk Lamp" in listing.get_data(as_text=True), page


# -- relation lookups -------------------------------------------------------------------------

HOSTILE_PAGING = [
    ("-1", "10"),
    (HUGE, "10"),
    (INT8_OVER, "10"),
    (str(2**63 - 1), "10"),
    ("abc", "10"),
    ("0", "-5"),
    ("0", HUGE),
    ("0", "abc"),
    (HUGE, HUGE),
]


@pytest.mark.parametrize("name", ["user", "orderitem-product"])
def test_lookups_clamp_hostile_offsets_and_limits(admin_client, catalog, name):
    for offset, limit in HOSTILE_PAGING:
        query = {"name": name, "query": "", "offset": offset, "limit": limit}
        response = admin_client.get("/admin/order/ajax/lookup/", query_string=query)
        assert response.status_code == 200, (offset, limit)
        assert isinstance(response.json, list)
        assert len(response.json) <= 50
    # a page past the end is empty, not the first page again
    query = {"name": name, "query": "", "offset": HUGE}
    assert admin_client.get("/admin/order/ajax/lookup/", query_string=query).json == []


def test_an_order_form_with_a_bad_customer_or_product_id_is_a_form_error(
    app, admin_client, catalog
):
    before = count(app, Order)
    for raw in ("abc", INT4_OVER, HUGE, "0.001", f" {catalog['product']} "):
        form = {
            "user": raw,
            "shipping_address": "1 High Street",
            "items-0-product": raw,
            "items-0-quantity": "1",
        }
        response = submit(admin_client, "/admin/order/new/", form)
        assert response.status_code == 200, raw
        assert "Choose the customer." in errors_in(response), raw
    assert count(app, Order) == before


# -- money and whole numbers in forms ---------------------------------------------------------

NOT_AMOUNTS = {
    "NaN": "Enter an amount such as 19.99.",
    "sNaN": "Enter an amount such as 19.99.",
    "Infinity": "Enter an amount such as 19.99.",
    "-Infinity": "Enter an amount such as 19.99.",
    "-inf": "Enter an amount such as 19.99.",
    "abc": "Enter an amount such as 19.99.",
    "1e999999": "Enter an amount below 100,000,000.",
    "123456789": "Enter an amount below 100,000,000.",
}


@pytest.mark.parametrize(("url", "data", "model"), [
    ("/admin/product/new/", PRODUCT, Product),
    ("/admin/book/new/", BOOK, Book),
])  # fmt: skip
def test_a_price_that_is_not_an_amount_is_a_form_error(app, admin_client, url, data, model):
    for value, message in NOT_AMOUNTS.items():
        response = submit(admin_client, url, dict(data, price=value))
        assert response.status_code == 200, value
        assert message in errors_in(response), value
    assert count(app, model) == 0


def test_editing_a_price_to_nan_changes_nothing(app, admin_client, catalog):
    url = f"/admin/product/edit/?id={catalog['product']}"
    for value, message in NOT_AMOUNTS.items():
        data = dict(PRODUCT, sku="SKU-1", price=value, stock="10", stock_seen="10")
        response = submit(admin_client, url, data)
        assert response.status_code == 200, value
        assert message in errors_in(response), value
    with app.app_context():
        assert str(db.session.get(Product, catalog["product"]).price) == "19.99"


@pytest.mark.parametrize(("url", "data", "field", "model"), [
    ("/admin/product/new/", PRODUCT, "stock", Product),
    ("/admin/book/new/", BOOK, "stock", Book),
    ("/admin/book/new/", BOOK, "published_year", Book),
])  # fmt: skip
def test_a_whole_number_the_column_cannot_hold_is_a_form_error(
    app, admin_client, url, data, field, model
):
    for value in (INT4_OVER, str(-(2**31) - 1), INT8_OVER, HUGE):
        response = submit(admin_client, url, dict(data, **{field: value}))
        assert response.status_code == 200, value
        page = errors_in(response)
        assert "Enter a whole number between -2,147,483,648 and 2,147,483,647." in page
        assert "cannot be negative" not in page  # one error, not a second one about None
    assert count(app, model) == 0


def test_a_tampered_stock_seen_is_refused(app, admin_client, catalog):
    url = f"/admin/product/edit/?id={catalog['product']}"
    for seen in (HUGE, INT8_OVER, INT4_OVER, "abc", ""):
        data = dict(PRODUCT, sku="SKU-1", price="19.99", stock="11", stock_seen=seen)
        response = submit(admin_client, url, data)
        assert response.status_code == 200, seen
        assert "The form is out of date; reload the page." in errors_in(response), seen
    with app.app_context():
        assert db.session.get(Product, catalog["product"]).stock == 10
