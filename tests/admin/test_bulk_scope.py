"""Which rows a bulk action reaches: a filter that cannot apply refuses it; ticked ids are exact.

Flask-Admin's list drops a filter it cannot apply, so "all matching" used to become
every row. Each bulk path (confirm, apply, and the export that runs without a
confirmation) must answer 400 naming the filter, change nothing and audit nothing.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import AuditLog, Order, Product, User
from tests.admin.bulk_helpers import bulk, flashed
from tests.support.factories import add_product
from tests.support.orders import place

#: Per list: a bulk action that changes rows, its parameters, and what it changes.
LISTS = {
    "order": ("mark_paid", {}, Order.id, Order.status),
    "product": ("adjust_stock", {"delta": "5"}, Product.sku, Product.stock),
    "user": ("suspend", {}, User.email, User.active),
}

#: (list, filter name, value): unknown names, malformed and out-of-range values.
BAD_FILTERS = [
    ("order", "created_at_greater_than", "yesterday"),
    ("order", "created_at_greater_than", "2026-02-30 00:00:00"),
    ("order", "total_greater_than", "lots"),
    ("order", "no_such_filter", "1"),
    ("product", "created_at_smaller_than", "31/12/2026"),
    ("product", "created_at_between", "2026-01-01 00:00:00 to 2026-13-01 00:00:00"),
    ("product", "price_greater_than", "cheap"),
    ("product", "colour_equals", "red"),
    ("user", "created_at_greater_than", "soon"),
    ("user", "created_at_equals", "2026-04-31 12:00:00"),
    ("user", "failed_logins_greater_than", "many"),
    ("user", "active_equals", "1"),
]

#: (step, action): the confirmation page, the apply, and the export without a confirmation.
PATHS = [("confirm", None), ("apply", None), ("confirm", "export_csv"), ("apply", "export_csv")]


@pytest.fixture
def shop(app, users):
    """Two products and three orders, one of them paid, beside the three users."""
    lamp = add_product(app, sku="LAMP", price=Decimal("10.00"), stock=100)
    mug = add_product(app, sku="MUG", price=Decimal("3.00"), stock=3)
    customer = users["customer"]
    return {
        "lamp": lamp,
        "mug": mug,
        "pending": [place(app, customer, [(lamp, 1)]), place(app, customer, [(mug, 1)])],
        "paid": place(app, customer, [(lamp, 2)], "paid"),
    }


def state(app, model: str) -> dict:
    """Each row's key -> the column the list's action changes (status, stock, active)."""
    _, _, key, column = LISTS[model]
    with app.app_context():
        return dict(db.session.execute(select(key, column)).all())


def audited(app, *, like: str) -> list[AuditLog]:
    with app.app_context():
        return db.session.scalars(
            select(AuditLog).where(AuditLog.action.like(like)).order_by(AuditLog.id)
        ).all()


def query(*pairs: tuple[str, str], **extra: str) -> str:
    args = {f"flt{n}_{name}": value for n, (name, value) in enumerate(pairs)}
    return "?" + urlencode({**args, **extra})


@pytest.mark.parametrize(("step", "export"), PATHS)
@pytest.mark.parametrize(("model", "name", "value"), BAD_FILTERS)
def test_a_filter_that_cannot_apply_refuses_all_matching(
    app, admin_client, shop, model, name, value, step, export
):
    action, params, _, _ = LISTS[model]
    before = state(app, model)
    response = bulk(
        admin_client,
        model,
        export or action,
        scope="all",
        query=query((name, value)),
        step=step,
        **({} if export else params),
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f"“{name}”" in page
    assert "Nothing was done." in page
    assert not page.startswith(("Order,", "SKU,", "Email,"))
    assert state(app, model) == before
    assert audited(app, like="bulk:%") == []
    assert audited(app, like="export") == []


def test_one_bad_filter_beside_good_ones_still_refuses(app, admin_client, shop):
    before = state(app, "order")
    bad = query(("status_equals", "pending"), ("total_smaller_than", "cheap"))
    response = bulk(admin_client, "order", "mark_paid", scope="all", query=bad)
    assert response.status_code == 400
    assert "“total_smaller_than”" in response.get_data(as_text=True)
    assert state(app, "order") == before


def test_good_filters_act_and_only_they_are_audited(app, admin_client, shop):
    url = query(("status_equals", "pending"), page="0", foo="bar")
    assert "2 changed" in flashed(admin_client, bulk(admin_client, "order", "mark_paid", query=url))
    assert set(state(app, "order").values()) == {"paid"}
    (entry,) = audited(app, like="bulk:%")
    assert entry.changes["scope"] == "all"
    assert entry.changes["filters"] == [["status_equals", "pending"]]
    assert "search" not in entry.changes
    assert "ids" not in entry.changes


def test_search_with_a_filter_on_products(app, admin_client, shop):
    url = query(("stock_greater_than", "5"), search="LAMP")
    flashed(admin_client, bulk(admin_client, "product", "adjust_stock", query=url, delta="5"))
    assert state(app, "product") == {"LAMP": 102, "MUG": 2}  # orders took 3 lamps, 1 mug
    (entry,) = audited(app, like="bulk:%")
    assert entry.changes["filters"] == [["stock_greater_than", "5"]]
    assert entry.changes["search"] == "LAMP"


def test_users_suspended_by_filter(app, admin_client, shop):
    flashed(
        admin_client,
        bulk(admin_client, "user", "suspend", query=query(("email_contains", "customer"))),
    )
    assert state(app, "user") == {
        "admin@example.com": True,
        "staff@example.com": True,
        "customer@example.com": False,
    }
    (entry,) = audited(app, like="bulk:%")
    assert entry.changes["filters"] == [["email_contains", "customer"]]


def test_export_selected_of_all_matching_records_the_applied_filters(app, admin_client, shop):
    url = query(("status_equals", "paid"), page="1")
    response = bulk(admin_client, "order", "export_csv", scope="all", query=url, step="confirm")
    header, *rows = csv.reader(io.StringIO(response.get_data(as_text=True)))
    assert [int(row[header.index("Order")]) for row in rows] == [shop["paid"]]
    (entry,) = audited(app, like="export")
    assert entry.changes["query"] == {"scope": "all", "filters": [["status_equals", "paid"]]}


def test_ticked_rows_ignore_the_list_filters(app, admin_client, shop):
    target = shop["pending"][0]
    url = query(("total_greater_than", "lots"))
    response = bulk(admin_client, "order", "mark_paid", rows=[target], query=url)
    assert "1 changed" in flashed(admin_client, response)
    assert state(app, "order")[target] == "paid"
    assert state(app, "order")[shop["pending"][1]] == "pending"
    (entry,) = audited(app, like="bulk:%")
    assert entry.changes["ids"] == [target]
    assert "filters" not in entry.changes


# -- the list page ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/admin/order/?flt0_total_greater_than=lots", "“lots” is not a valid value"),
        ("/admin/order/?flt0_colour_equals=red", "Unknown filter “colour_equals”"),
    ],
)
def test_list_with_a_refused_filter_does_not_offer_all_matching(admin_client, shop, url, message):
    page = admin_client.get(url).get_data(as_text=True)
    assert message in page
    assert '<option value="all">' not in page
    assert "fix the filters first" in page


def test_list_with_good_filters_offers_all_matching(admin_client, shop):
    page = admin_client.get("/admin/order/?flt0_status_equals=pending").get_data(as_text=True)
    assert "on all 2 matching orders" in page
    assert "fix the filters first" not in page


# -- ticked row ids ---------------------------------------------------------------------


@pytest.mark.parametrize("step", ["confirm", "apply"])
@pytest.mark.parametrize(
    "rowid",
    [
        "0.001",
        " {lamp} ",
        "{lamp}.0",
        "0{lamp}",
        "+{lamp}",
        "-1",
        "0",
        "1e1",
        "５",
        "",
        "abc",
        "2147483648",
        "99999999999999999999",
    ],
)
def test_row_ids_must_be_exact(app, admin_client, shop, rowid, step):
    before = state(app, "product")
    rows = [shop["mug"], rowid.format(lamp=shop["lamp"])]
    response = bulk(admin_client, "product", "adjust_stock", rows=rows, step=step, delta="5")
    assert response.status_code == 400
    assert "is not a row id" in response.get_data(as_text=True)
    assert state(app, "product") == before
    assert audited(app, like="bulk:%") == []


def test_the_largest_row_id_is_just_not_found(app, admin_client, shop):
    response = bulk(admin_client, "product", "adjust_stock", rows=["2147483647"], step="confirm")
    assert "Select at least one row" in flashed(admin_client, response)
