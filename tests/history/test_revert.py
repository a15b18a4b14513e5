"""Revert a field change from a record's History: allowed and refused cases."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import AuditLog, Product
from tests.history.test_history import edit_price
from tests.support.factories import add_product
from tests.support.http import csrf_token, login
from tests.support.orders import place


def updates(app, product: int) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditLog.id)
                .where(AuditLog.model == "Product", AuditLog.object_id == str(product))
                .where(AuditLog.action == "update")
                .order_by(AuditLog.id)
            )
        )


def price(app, product: int) -> Decimal:
    with app.app_context():
        return db.session.get(Product, product).price


def revert(client, entry: int):
    url = f"/admin/product/revert/?entry={entry}"
    page = client.get(url)
    token = csrf_token(client, url)
    return page, client.post(url, data={"csrf_token": token})


def test_a_wrong_price_is_reverted_through_the_form_and_audited(app, staff_client):
    product = add_product(app, sku="PEN-001", price=Decimal("24.90"))
    edit_price(staff_client, product, "2490.00")  # the typo
    [typo] = updates(app, product)
    history = staff_client.get(f"/admin/product/history/?id={product}").text
    assert f"/admin/product/revert/?entry={typo}" in history
    page = staff_client.get(f"/admin/product/revert/?entry={typo}")
    assert page.status_code == 200
    assert "2490.00" in page.text
    assert "24.90" in page.text  # now → back to
    assert price(app, product) == Decimal("2490.00")  # the GET changed nothing
    _, response = revert(staff_client, typo)
    assert response.status_code == 302
    assert price(app, product) == Decimal("24.90")
    with app.app_context():
        actions = db.session.scalars(
            select(AuditLog.action)
            .where(AuditLog.model == "Product", AuditLog.object_id == str(product))
            .order_by(AuditLog.id)
        ).all()
    assert actions[-2:] == ["revert", "update"]


def test_refused_when_the_field_changed_again_since(app, staff_client):
    product = add_product(app, sku="PEN-001", price=Decimal("24.90"))
    edit_price(staff_client, product, "30.00")
    edit_price(staff_client, product, "31.00")
    first, _second = updates(app, product)
    page, response = revert(staff_client, first)
    assert "The record moved on: price changed again" in page.text
    assert response.status_code == 409
    assert price(app, product) == Decimal("31.00")


def test_refused_when_stock_moved_with_an_order(app, staff_client, users):
    from tests.admin.crud_helpers import PRODUCT, submit

    product = add_product(app, sku="PEN-001", stock=10)
    data = dict(PRODUCT, price="19.99", stock="12", stock_seen="10")
    assert submit(staff_client, f"/admin/product/edit/?id={product}", data).status_code == 302
    [entry] = updates(app, product)
    order = place(app, users["customer"], [(product, 2)])  # stock 12 → 10, not audited per product
    del order
    page, response = revert(staff_client, entry)
    assert "stock is now 10, not 12" in page.text
    assert response.status_code == 409


def test_refused_when_the_old_value_is_no_longer_valid(app, staff_client):
    from tests.admin.crud_helpers import PRODUCT, submit

    product = add_product(app, sku="PEN-001")
    data = dict(PRODUCT, sku="PEN-002", stock="10", stock_seen="10")
    assert submit(staff_client, f"/admin/product/edit/?id={product}", data).status_code == 302
    [entry] = updates(app, product)
    add_product(app, sku="PEN-001")  # the old SKU is taken since
    page, response = revert(staff_client, entry)
    assert page.status_code == 200
    assert response.status_code == 409
    with app.app_context():
        assert db.session.get(Product, product).sku == "PEN-002"


def test_revert_needs_write_rights_csrf_and_a_revertible_entry(app, client, staff_client, users):
    product = add_product(app, sku="PEN-001")
    edit_price(staff_client, product, "30.00")
    [entry] = updates(app, product)
    url = f"/admin/product/revert/?entry={entry}"
    assert staff_client.post(url, data={}).status_code == 400  # no CSRF token
    assert price(app, product) == Decimal("30.00")
    other = app.test_client()
    assert login(other, "customer@example.com").status_code == 302
    assert other.get(url).status_code == 403
    for bad in ("abc", "0", "999999"):
        assert staff_client.get(f"/admin/product/revert/?entry={bad}").status_code == 404
    # A product's entry is not a book's.
    assert staff_client.get(f"/admin/book/revert/?entry={entry}").status_code == 404


def test_a_profile_field_is_reverted(app, admin_client, catalog):
    from tests.admin.crud_helpers import submit

    profile = catalog["userprofile"]
    url = f"/admin/userprofile/edit/?id={profile}"
    assert submit(admin_client, url, {"full_name": "Cora Customer"}).status_code == 302
    assert submit(admin_client, url, {"full_name": "Typo Name"}).status_code == 302
    with app.app_context():
        entry = db.session.scalar(
            select(AuditLog.id)
            .where(AuditLog.model == "UserProfile", AuditLog.action == "update")
            .order_by(AuditLog.id.desc())
        )
    revert_url = f"/admin/userprofile/revert/?entry={entry}"
    token = csrf_token(admin_client, revert_url)
    assert admin_client.post(revert_url, data={"csrf_token": token}).status_code == 302
    page = admin_client.get(f"/admin/userprofile/details/?id={profile}").text
    assert "Cora Customer" in page
