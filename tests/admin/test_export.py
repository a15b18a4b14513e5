"""CSV export from the admin lists: content, formats, safety, scale, streaming and rights."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from backoffice.extensions import db
from backoffice.models import AuditLog, Order, Product, Role, User
from backoffice.permissions import ROLE_PERMISSIONS
from tests.support.factories import PASSWORD, add_order, add_product, add_user
from tests.support.http import csrf_token, login

VIEWS = ("user", "userprofile", "product", "book", "order", "auditlog")
UTC = dt.UTC


def export(client, view: str, query: str = "", **kw):
    return client.get(f"/admin/{view}/export/csv/{query}", **kw)


def rows_of(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def records(response) -> list[dict[str, str]]:
    header, *rows = rows_of(response)
    return [dict(zip(header, row, strict=True)) for row in rows]


def sort_index(app, endpoint: str, column: str) -> int:
    """The list's ?sort= index of ``column`` (as the list's header links use)."""
    admin = app.extensions["backoffice_admin"]
    view = next(v for v in admin._views if getattr(v, "endpoint", None) == endpoint)
    return [name for name, _ in view._list_columns].index(column)


# -- content ----------------------------------------------------------------------------


@pytest.fixture
def shop(app, users):
    """Three products and two orders with known values."""
    when = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    ids = {
        "lamp": add_product(
            app, sku="LAMP", name="Lamp", category="home", price=Decimal("19.90"), created_at=when
        ),
        "mug": add_product(
            app, sku="MUG", name="Mug", category="kitchen", price=Decimal("4.50"), stock=0
        ),
        "pen": add_product(
            app, sku="PEN", name="Pen", category="home", price=Decimal("2.00"), is_available=False
        ),
    }
    ids["order_small"] = add_order(app, users["customer"], [(ids["mug"], 1)], status="paid")
    ids["order_big"] = add_order(
        app, users["customer"], [(ids["lamp"], 2), (ids["mug"], 2)], status="pending"
    )
    return ids


def test_product_columns_and_formats(staff_client, shop):
    by_sku = {r["SKU"]: r for r in records(export(staff_client, "product"))}
    lamp = by_sku["LAMP"]
    assert lamp["Price"] == "19.90"  # Decimal as stored, never 19.9
    assert lamp["Category"] == "home"
    assert lamp["Available"] == "true"
    assert by_sku["PEN"]["Available"] == "false"
    assert lamp["Created at"] == "2026-01-02T03:04:05.000000Z"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", lamp["Updated at"])
    assert by_sku["MUG"]["Stock"] == "0"


def test_order_has_customer_email_and_item_count(staff_client, shop):
    by_id = {int(r["Order"]): r for r in records(export(staff_client, "order"))}
    big = by_id[shop["order_big"]]
    assert big["Customer email"] == "customer@example.com"
    assert big["Items"] == "2"
    assert big["Total"] == "48.80"
    assert by_id[shop["order_small"]]["Status"] == "paid"


def test_filters_and_search_are_honoured(staff_client, shop):
    skus = [
        r["SKU"] for r in records(export(staff_client, "product", "?flt0_category_equals=home"))
    ]
    assert sorted(skus) == ["LAMP", "PEN"]
    skus = [
        r["SKU"]
        for r in records(
            export(staff_client, "product", "?flt0_category_equals=home&flt1_available_equals=1")
        )
    ]
    assert skus == ["LAMP"]
    assert [r["SKU"] for r in records(export(staff_client, "product", "?search=mug"))] == ["MUG"]
    statuses = {
        r["Status"] for r in records(export(staff_client, "order", "?flt0_status_equals=paid"))
    }
    assert statuses == {"paid"}


def test_every_page_not_just_the_visible_one(app, staff_client, shop):
    for n in range(30):
        add_product(app, sku=f"BULK-{n}", name=f"Bulk {n}", category="bulk", price=Decimal("1.00"))
    url = "?flt0_category_equals=bulk&page=0&page_size=25"
    assert len(records(export(staff_client, "product", url))) == 30


def test_sort_is_honoured(app, staff_client, shop):
    price = sort_index(app, "product", "price")
    ascending = [r["SKU"] for r in records(export(staff_client, "product", f"?sort={price}"))]
    assert ascending == ["PEN", "MUG", "LAMP"]
    descending = records(export(staff_client, "product", f"?sort={price}&desc=1"))
    assert [r["SKU"] for r in descending] == ["LAMP", "MUG", "PEN"]
    # no sort given: the list's default (name, ascending)
    assert [r["Name"] for r in records(export(staff_client, "product"))] == ["Lamp", "Mug", "Pen"]


def test_sort_on_a_joined_column_with_a_search_on_it(app, admin_client, users, shop):
    email = sort_index(app, "userprofile", "user.email")
    rows = records(export(admin_client, "userprofile", f"?sort={email}&desc=1&search=a"))
    emails = [r["User email"] for r in rows]
    assert emails == sorted(emails, reverse=True)
    assert "customer@example.com" in emails


@pytest.mark.parametrize("text", ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\tTAB", "\rCR"])
def test_formula_cells_are_neutralised(app, staff_client, users, text):
    add_product(app, sku="EVIL", name=text, description=f"{text} description")
    row = records(export(staff_client, "product"))[0]
    assert row["Name"] == "'" + text
    assert row["Description"] == "'" + text + " description"


def test_harmless_text_is_left_alone(app, staff_client, users):
    add_product(app, sku="OK", name="Lamp = light", description="")
    row = records(export(staff_client, "product"))[0]
    assert row["Name"] == "Lamp = light"
    assert row["Description"] == ""


def test_bom_option_and_filename(staff_client, shop):
    plain = export(staff_client, "order")
    assert plain.data.startswith(b"Order,")
    assert plain.mimetype == "text/csv"
    assert plain.headers["Cache-Control"] == "no-store"
    disposition = plain.headers["Content-Disposition"]
    assert re.fullmatch(r'attachment; filename="orders-\d{8}T\d{6}Z\.csv"', disposition)
    stamp = dt.datetime.strptime(disposition.split("-")[1][:15], "%Y%m%dT%H%M%S")
    assert abs(stamp.replace(tzinfo=UTC) - dt.datetime.now(UTC)) < dt.timedelta(minutes=1)
    with_bom = export(staff_client, "order", "?bom=1")
    assert with_bom.data.startswith("\ufeffOrder,".encode())
    assert with_bom.data[3:] == plain.data


def test_list_links_to_the_export_of_what_it_shows(staff_client, shop):
    page = staff_client.get("/admin/order/?flt0_status_equals=paid&page=1").get_data(as_text=True)
    assert 'href="/admin/order/export/csv/?flt0_status_equals=paid"' in page
    assert 'href="/admin/order/export/csv/?flt0_status_equals=paid&amp;bom=1"' in page


@pytest.mark.parametrize(
    "query",
    ["?flt0_no_such_filter=1", "?flt0_total_greater_than=lots", "?flt0_created_at_between=x"],
)
def test_bad_filter_is_a_400_not_everything(staff_client, shop, query):
    response = export(staff_client, "order", query)
    assert response.status_code == 400
    assert b"filter" in response.data


def test_unknown_format_is_404(staff_client):
    assert export(staff_client, "order").status_code == 200
    assert staff_client.get("/admin/order/export/xlsx/").status_code == 404


# -- secrets ----------------------------------------------------------------------------


@pytest.mark.parametrize("view", VIEWS)
def test_no_secret_leaves_in_any_export(app, admin_client, users, catalog, view):
    # An admin password change puts the user's old and new secrets through the audit trail.
    uid = users["customer"]
    data = {"email": "customer@example.com", "full_name": "C", "active": "y"}
    new_password = "a brand new secret passphrase"
    response = admin_client.post(
        f"/admin/user/edit/?id={uid}",
        data=dict(data, new_password=new_password, csrf_token=csrf_token(admin_client)),
    )
    assert response.status_code == 302
    with app.app_context():
        secrets = [PASSWORD, new_password]
        for user in db.session.scalars(select(User)):
            secrets += [user.password, user.fs_uniquifier]
    body = export(admin_client, view).get_data(as_text=True)
    assert body.count("\n") > 1
    for secret in secrets:
        assert secret not in body
    assert "$2b$" not in body
    header = body.splitlines()[0].lower()
    for word in ("password", "uniquifier", "token", "secret"):
        assert word not in header


# -- scale and streaming ----------------------------------------------------------------


def test_ten_thousand_rows_all_arrive(app, staff_client, users):
    now = dt.datetime.now(UTC)
    rows = [
        {
            "sku": f"S{n:06d}",
            "name": f"Item {n}",
            "category": "even" if n % 2 == 0 else "odd",
            "price": Decimal("1.25"),
            "stock": n,
            "is_available": True,
            "created_at": now,
            "updated_at": now,
        }
        for n in range(12_001)
    ]
    with app.app_context():
        db.session.execute(insert(Product), rows)
        db.session.commit()
    everything = records(export(staff_client, "product"))
    assert len(everything) == 12_001
    assert len({r["SKU"] for r in everything}) == 12_001
    odd = records(export(staff_client, "product", "?flt0_category_equals=odd"))
    assert len(odd) == 6_000
    assert {r["Category"] for r in odd} == {"odd"}


def test_response_is_streamed_header_first(app, staff_client, shop):
    response = export(staff_client, "product", buffered=False)
    assert response.is_streamed
    assert "Content-Length" not in response.headers
    chunks = iter(response.response)
    first = next(chunks)
    assert (
        first == b"ID,SKU,Name,Category,Price,Stock,Available,Description,Created at,Updated at\r\n"
    )
    rest = b"".join(chunks)
    response.close()
    assert rest.count(b"\n") == 3


# -- rights -----------------------------------------------------------------------------


@pytest.mark.parametrize("view", VIEWS)
def test_export_needs_login(client, users, view):
    response = export(client, view)
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


@pytest.mark.parametrize("view", VIEWS)
def test_customer_cannot_export(customer_client, view):
    assert export(customer_client, view).status_code == 403


@pytest.mark.parametrize("view", VIEWS)
def test_staff_export_what_they_may_read(staff_client, shop, view):
    assert export(staff_client, view).status_code == 200


@pytest.mark.parametrize(
    ("view", "expected"), [("product", 200), ("book", 200), ("user", 403), ("order", 403)]
)
def test_export_follows_the_read_permission(app, client, monkeypatch, view, expected):
    # A role that may read the catalogue only (roles are data in ROLE_PERMISSIONS).
    add_user(app, "cat@example.com")
    monkeypatch.setitem(ROLE_PERMISSIONS, "catalogue", frozenset({"admin.access", "catalog.read"}))
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "cat@example.com"))
        user.roles = [Role(name="catalogue")]
        db.session.commit()
    login(client, "cat@example.com")
    assert export(client, view).status_code == expected
    assert client.get(f"/admin/{view}/").status_code == expected


# -- bulk action ------------------------------------------------------------------------


def bulk_export(client, data, query="", action="export_csv"):
    payload = dict(data, action=action, csrf_token=csrf_token(client))
    return client.post(f"/admin/product/bulk/{query}", data=payload)


def test_bulk_export_of_ticked_rows(staff_client, shop):
    response = bulk_export(
        staff_client, {"scope": "selected", "rowid": [shop["lamp"], shop["pen"]]}
    )
    assert response.headers["Content-Disposition"].startswith('attachment; filename="products-')
    assert sorted(r["SKU"] for r in records(response)) == ["LAMP", "PEN"]


def test_bulk_export_of_all_matching_in_list_order(app, staff_client, shop):
    price = sort_index(app, "product", "price")
    response = bulk_export(
        staff_client, {"scope": "all"}, f"?flt0_category_equals=home&sort={price}&desc=1"
    )
    assert [r["SKU"] for r in records(response)] == ["LAMP", "PEN"]


def test_bulk_export_for_excel_has_a_bom(staff_client, shop):
    response = bulk_export(staff_client, {"scope": "all"}, action="export_csv_bom")
    assert response.data.startswith("\ufeffID,".encode())


def test_bulk_export_is_offered_on_every_list(admin_client, shop):
    for view in VIEWS:
        page = admin_client.get(f"/admin/{view}/").get_data(as_text=True)
        assert '<option value="export_csv">Export selected as CSV</option>' in page, view


def test_bulk_export_refusals(app, customer_client, shop):
    assert bulk_export(customer_client, {"scope": "all"}).status_code == 403
    anonymous = app.test_client()
    response = bulk_export(anonymous, {"scope": "all"})
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    no_csrf = app.test_client()
    login(no_csrf, "staff@example.com")
    response = no_csrf.post("/admin/product/bulk/", data={"action": "export_csv", "scope": "all"})
    assert response.status_code == 400
    assert not response.data.startswith(b"ID,")


def test_bulk_export_with_nothing_ticked_is_a_message(staff_client, shop):
    response = bulk_export(staff_client, {"scope": "selected"})
    assert response.status_code == 302


# -- audit ------------------------------------------------------------------------------


def test_export_is_audited_with_its_filters_and_row_count(app, staff_client, users, shop):
    export(staff_client, "order", "?flt0_status_equals=paid&page=2").get_data()
    bulk_export(staff_client, {"scope": "selected", "rowid": [shop["lamp"]]}).get_data()
    with app.app_context():
        entries = db.session.scalars(select(AuditLog).order_by(AuditLog.id)).all()
        whole, ticked = entries[-2:]
        assert (whole.action, whole.model, whole.actor_id) == ("export", "Order", users["staff"])
        assert whole.changes == {
            "rows": 1,
            "scope": "all matching",
            "query": {"flt0_status_equals": "paid"},
            "bom": False,
        }
        assert whole.ip == "127.0.0.1"
        assert whole.summary == "CSV export of 1 order (all matching)"
        assert (ticked.action, ticked.model, ticked.changes["rows"]) == ("export", "Product", 1)
        assert ticked.changes["scope"] == "1 selected product"
        orders = db.session.scalar(select(Order).where(Order.id == shop["order_small"]))
        assert orders.status == "paid"  # exporting changed nothing
