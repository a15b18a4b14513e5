"""The audit trail of admin changes, and the read-only Audit log view."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import AuditLog, Product, User
from backoffice.models.audit import AuditLogIsAppendOnly
from backoffice.services import audit
from tests.support.factories import PASSWORD, add_product
from tests.support.http import csrf_token, login

PRODUCT = {
    "name": "Fountain Pen",
    "sku": "PEN-1",
    "category": "stationery",
    "description": "Blue ink",
    "price": "24.90",
    "stock": "12",
    "is_available": "y",
}


def submit(client, url, data):
    return client.post(url, data=dict(data, csrf_token=csrf_token(client)))


def entries(app, **where) -> list[AuditLog]:
    with app.app_context():
        query = select(AuditLog).filter_by(**where).order_by(AuditLog.id)
        found = db.session.scalars(query).all()
        db.session.expunge_all()
        return found


def only_entry(app, **where) -> AuditLog:
    found = entries(app, **where)
    assert len(found) == 1, [(e.action, e.model, e.changes) for e in found]
    return found[0]


# -- create / update / delete ----------------------------------------------------------


def test_create_is_recorded_with_the_new_values(app, staff_client, users):
    assert submit(staff_client, "/admin/product/new/", PRODUCT).status_code == 302
    entry = only_entry(app, action="create")
    with app.app_context():
        product_id = db.session.scalar(select(Product.id))
    assert (entry.model, entry.object_id) == ("Product", str(product_id))
    assert (entry.actor_id, entry.actor_email, entry.ip) == (
        users["staff"],
        "staff@example.com",
        "127.0.0.1",
    )
    assert entry.created_at is not None
    assert entry.changes["price"] == {"before": None, "after": "24.90"}
    assert entry.changes["sku"] == {"before": None, "after": "PEN-1"}
    assert entry.changes["is_available"] == {"before": None, "after": True}
    assert entry.summary == "Created Product Fountain Pen (PEN-1)"


def test_update_records_exactly_what_changed_before_and_after(app, staff_client, users):
    pid = add_product(app, sku="PEN-1", name="Fountain Pen", price=Decimal("24.90"), stock=12)
    data = dict(PRODUCT, price="30.00", stock="11", stock_seen="12")
    assert submit(staff_client, f"/admin/product/edit/?id={pid}", data).status_code == 302
    entry = only_entry(app, action="update")
    assert entry.object_id == str(pid)
    assert entry.changes == {
        "description": {"before": None, "after": "Blue ink"},
        "category": {"before": "home", "after": "stationery"},
        "price": {"before": "24.90", "after": "30.00"},
        "stock": {"before": 12, "after": 11},
    }
    assert entry.summary.startswith("Updated Product Fountain Pen (PEN-1): ")


def test_saving_without_changes_records_nothing(app, staff_client, users):
    pid = add_product(app, sku="PEN-1", name="Fountain Pen", category="stationery")
    data = dict(PRODUCT, price="19.99", stock="10", stock_seen="10", description="")
    assert submit(staff_client, f"/admin/product/edit/?id={pid}", data).status_code == 302
    assert entries(app, action="update") == []


def test_refused_input_records_nothing(app, staff_client, users):
    response = submit(staff_client, "/admin/product/new/", dict(PRODUCT, price="-1"))
    assert response.status_code == 200
    assert entries(app, model="Product") == []


def test_delete_records_the_last_values(app, admin_client, users):
    pid = add_product(app, sku="GONE", name="Old Lamp", price=Decimal("5.00"))
    response = admin_client.post(
        "/admin/product/delete/", data={"id": pid, "csrf_token": csrf_token(admin_client)}
    )
    assert response.status_code == 302
    entry = only_entry(app, action="delete")
    assert (entry.model, entry.object_id, entry.actor_id) == ("Product", str(pid), users["admin"])
    assert entry.changes["sku"] == {"before": "GONE", "after": None}
    assert entry.changes["price"] == {"before": "5.00", "after": None}


def test_a_refused_delete_leaves_no_entry(app, admin_client, catalog):
    # The product is in an order: the database refuses, the entry rolls back with it.
    response = admin_client.post(
        "/admin/product/delete/",
        data={"id": catalog["product"], "csrf_token": csrf_token(admin_client)},
    )
    assert response.status_code == 302
    assert entries(app, action="delete") == []


# -- users: secrets are redacted ---------------------------------------------------------


def test_user_create_and_password_change_never_log_secrets(app, admin_client, users):
    with app.app_context():
        staff_role = db.session.get(User, users["staff"]).roles[0].id
    new_user = {
        "email": "newbie@example.com",
        "username": "newbie",
        "full_name": "New Bie",
        "new_password": PASSWORD,
        "active": "y",
        "roles": str(staff_role),
    }
    assert submit(admin_client, "/admin/user/new/", new_user).status_code == 302
    created = only_entry(app, action="create", model="User")
    assert created.changes["password"] == audit.REDACTED
    assert created.changes["fs_uniquifier"] == audit.REDACTED
    assert created.changes["roles"] == {"before": None, "after": ["staff"]}
    assert created.changes["profile"]["after"]["full_name"] == "New Bie"

    uid = int(created.object_id)
    new_password = "another long passphrase 7"
    edit = dict(new_user, new_password=new_password, full_name="Newton Bie", roles=[])
    assert submit(admin_client, f"/admin/user/edit/?id={uid}", edit).status_code == 302
    updated = only_entry(app, action="update", model="User")
    assert updated.changes == {
        "password": audit.REDACTED,
        "fs_uniquifier": audit.REDACTED,
        "roles": {"before": ["staff"], "after": None},
        "profile.full_name": {"before": "New Bie", "after": "Newton Bie"},
    }
    with app.app_context():
        user = db.session.get(User, uid)
        secrets = [PASSWORD, new_password, user.password, user.fs_uniquifier]
        stored = json.dumps([e.changes for e in db.session.scalars(select(AuditLog))])
    for secret in secrets:
        assert secret not in stored
    assert "new_password" not in stored


# -- orders: items placed with the order, then status and address ------------------------


def test_order_placement_and_status_change_are_recorded(app, staff_client, users):
    lamp = add_product(app, sku="LAMP", name="Lamp", price=Decimal("10.00"), stock=5)
    order = {
        "user": str(users["customer"]),
        "shipping_address": "1 High Street",
        "items-0-product": str(lamp),
        "items-0-quantity": "2",
    }
    assert submit(staff_client, "/admin/order/new/", order).status_code == 302
    created = only_entry(app, action="create", model="Order")
    (item,) = created.changes["items"]["after"].values()
    assert item == {"product": "Lamp (LAMP)", "quantity": 2, "unit_price": "10.00"}
    assert created.changes["user"] == {"before": None, "after": "customer@example.com"}
    assert created.changes["total"] == {"before": None, "after": "20.00"}
    assert created.changes["status"] == {"before": None, "after": "pending"}

    oid = int(created.object_id)
    edit = {"status": "paid", "shipping_address": "2 Low Street"}
    assert submit(staff_client, f"/admin/order/edit/?id={oid}", edit).status_code == 302
    updated = only_entry(app, action="update", model="Order")
    assert updated.object_id == str(oid)
    assert updated.changes == {
        "status": {"before": "pending", "after": "paid"},
        "shipping_address": {"before": "1 High Street", "after": "2 Low Street"},
    }


def test_a_refused_status_move_records_nothing(app, staff_client, users, catalog):
    edit = {"status": "delivered", "shipping_address": "1 High Street"}
    response = submit(staff_client, f"/admin/order/edit/?id={catalog['order']}", edit)
    assert response.status_code == 200
    assert entries(app, model="Order") == []


# -- bulk actions keep their summary entry -------------------------------------------------


def test_bulk_action_entry_says_which_rows(app, staff_client, users):
    first = add_product(app, sku="A", is_available=False)
    add_product(app, sku="B", is_available=False)
    data = {"action": "make_available", "scope": "selected", "rowid": [first]}
    assert submit(staff_client, "/admin/product/bulk/apply", data).status_code == 302
    entry = only_entry(app, action="bulk:make_available")
    assert entry.changes["ids"] == [first]
    assert entry.changes["changed"] == 1
    assert entry.summary == "Make available on 1 selected product: 1 changed, 0 skipped"


# -- the Audit log view --------------------------------------------------------------------


@pytest.fixture
def trail(app, staff_client, users):
    """A create and an update by staff, and an entry by the admin."""
    submit(staff_client, "/admin/product/new/", PRODUCT)
    with app.app_context():
        pid = db.session.scalar(select(Product.id))
    edit = dict(PRODUCT, name="<b>Quill</b>", stock_seen="12")
    submit(staff_client, f"/admin/product/edit/?id={pid}", edit)
    with app.app_context():
        admin = db.session.get(User, users["admin"])
        audit.record("login", model="User", object_id=admin.id, actor=admin, summary="Logged in")
        db.session.commit()
    return pid


@pytest.mark.parametrize(("who", "status"), [("staff", 200), ("admin", 200), ("customer", 403)])
def test_who_may_read_the_audit_log(app, trail, who, status):
    client = app.test_client()
    login(client, f"{who}@example.com")
    assert client.get("/admin/auditlog/").status_code == status


def test_anonymous_is_sent_to_login(app, trail):
    response = app.test_client().get("/admin/auditlog/")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


def test_changes_are_shown_before_and_after_and_escaped(app, staff_client, trail):
    entry = only_entry(app, action="update")
    page = staff_client.get(f"/admin/auditlog/details/?id={entry.id}").get_data(as_text=True)
    assert '<code>name</code>: <span class="audit-before">Fountain Pen</span> → ' in page
    assert '<span class="audit-after">&lt;b&gt;Quill&lt;/b&gt;</span>' in page
    assert "<b>Quill</b>" not in page


def test_filters_and_search(app, staff_client, trail):
    def shown(query):
        page = staff_client.get(f"/admin/auditlog/{query}").get_data(as_text=True)
        return set(re.findall(r'<td class="col-action">\s*(\S+)\s*</td>', page))

    assert shown("") == {"create", "update", "login"}
    assert shown("?flt0_action_equals=update") == {"update"}
    assert shown("?flt0_actor_equals=admin@example.com") == {"login"}
    assert shown("?flt0_model_equals=Product") == {"create", "update"}
    assert shown("?flt0_date_between=2000-01-01+00:00:00+to+2000-12-31+00:00:00") == set()
    assert shown("?search=logged") == {"login"}


def test_audit_log_exports_as_csv(app, staff_client, trail):
    response = staff_client.get("/admin/auditlog/export/csv/?flt0_model_equals=Product")
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "ID,When,Actor,API key,Address,Action,Model,Object,Summary,Changes"
    assert len(lines) == 3
    assert '""before"": ""Fountain Pen""' in response.get_data(as_text=True)
    assert only_entry(app, action="export").model == "AuditLog"


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/admin/auditlog/new/"),
        ("post", "/admin/auditlog/new/"),
        ("get", "/admin/auditlog/edit/?id={id}"),
        ("post", "/admin/auditlog/edit/?id={id}"),
        ("post", "/admin/auditlog/delete/"),
        ("post", "/admin/auditlog/action/"),
        ("post", "/admin/auditlog/bulk/apply"),
    ],
)
def test_nobody_can_change_the_audit_log(app, admin_client, trail, method, url):
    with app.app_context():
        before = [
            (e.id, e.action, e.changes, e.summary) for e in db.session.scalars(select(AuditLog))
        ]
    target = before[0][0]
    data = {
        "id": target,
        "rowid": target,
        "action": "delete",
        "scope": "all",
        "summary": "tampered",
        "csrf_token": csrf_token(admin_client),
    }
    url = url.format(id=target)
    response = admin_client.post(url, data=data) if method == "post" else admin_client.get(url)
    assert response.status_code == 403
    with app.app_context():
        after = [
            (e.id, e.action, e.changes, e.summary) for e in db.session.scalars(select(AuditLog))
        ]
    assert after == before


def test_list_offers_no_create_edit_or_delete(admin_client, trail):
    page = admin_client.get("/admin/auditlog/").get_data(as_text=True)
    assert "/admin/auditlog/new/" not in page
    assert "/admin/auditlog/edit/" not in page
    assert "/admin/auditlog/delete/" not in page
    assert "Audit log" in admin_client.get("/admin/").get_data(as_text=True)


def test_entries_cannot_be_changed_through_the_orm_either(app, trail):
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(AuditLog))
        entry = db.session.scalar(select(AuditLog))
        entry.summary = "rewritten"
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.scalar(select(AuditLog)))
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(AuditLog)) == count
