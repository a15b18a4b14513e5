"""Order bulk actions: Mark paid / shipped / delivered and Cancel, with skips by reason."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import AuditLog, Order, Product
from tests.admin.bulk_helpers import bulk, flashed
from tests.support.factories import add_product
from tests.support.http import login
from tests.support.orders import PATH, place


@pytest.fixture
def orders(app, users):
    """Two orders per status, each of 1 lamp and 2 mugs, placed through the service."""
    lamp = add_product(app, sku="LAMP", price=Decimal("10.00"), stock=100)
    mug = add_product(app, sku="MUG", price=Decimal("3.00"), stock=100)
    return {
        status: [place(app, users["customer"], [(lamp, 1), (mug, 2)], status) for _ in range(2)]
        for status in PATH
    }


def statuses(app) -> dict[int, str]:
    with app.app_context():
        return dict(db.session.execute(select(Order.id, Order.status)).all())


def stock(app) -> dict[str, int]:
    with app.app_context():
        return dict(db.session.execute(select(Product.sku, Product.stock)).all())


@pytest.mark.parametrize(
    ("action", "target", "message"),
    [
        (
            "mark_paid",
            "paid",
            "Mark paid: 2 changed, 8 skipped (2 already paid, 2 shipped orders cannot go back "
            "to paid, 2 delivered orders cannot go back to paid, 2 cancelled orders cannot be "
            "paid).",
        ),
        (
            "mark_shipped",
            "shipped",
            "Mark shipped: 2 changed, 8 skipped (2 pending orders must be paid first, "
            "2 already shipped, 2 delivered orders cannot go back to shipped, "
            "2 cancelled orders cannot be shipped).",
        ),
        (
            "mark_delivered",
            "delivered",
            "Mark delivered: 2 changed, 8 skipped (2 pending orders must be paid first, "
            "2 paid orders must be shipped first, 2 already delivered, "
            "2 cancelled orders cannot be delivered).",
        ),
        (
            "cancel",
            "cancelled",
            "Cancel: 4 changed, 6 skipped (2 shipped orders cannot be cancelled, "
            "2 delivered orders cannot be cancelled, 2 already cancelled).",
        ),
    ],
)
def test_each_action_on_all_orders(app, staff_client, orders, action, target, message):
    before = statuses(app)
    page = flashed(staff_client, bulk(staff_client, "order", action))
    assert message in page
    after = statuses(app)
    moved = {oid for oid in before if before[oid] != after[oid]}
    source = {"paid": "pending", "shipped": "paid", "delivered": "shipped"}.get(target)
    expected = set(orders[source]) if source else set(orders["pending"] + orders["paid"])
    assert moved == expected
    assert all(after[oid] == target for oid in moved)


def test_cancel_restocks_every_item_of_the_cancelled_orders(app, staff_client, orders):
    # 10 orders × (1 lamp + 2 mugs) taken; the 2 cancelled ones gave theirs back already.
    assert stock(app) == {"LAMP": 92, "MUG": 84}
    flashed(staff_client, bulk(staff_client, "order", "cancel"))
    # The 2 pending and 2 paid orders return 4 lamps and 8 mugs; shipped/delivered keep theirs.
    assert stock(app) == {"LAMP": 96, "MUG": 92}


def test_ticked_rows_only(app, staff_client, orders):
    ticked = [orders["pending"][0], orders["shipped"][0]]
    page = flashed(staff_client, bulk(staff_client, "order", "mark_paid", rows=ticked))
    assert "Mark paid: 1 changed, 1 skipped (1 shipped orders cannot go back to paid)." in page
    after = statuses(app)
    assert after[orders["pending"][0]] == "paid"
    assert after[orders["pending"][1]] == "pending"


def test_all_matching_a_filter(app, staff_client, orders):
    response = bulk(staff_client, "order", "cancel", query="?flt0_status_equals=paid")
    assert "flt0_status_equals=paid" in response.headers["Location"]
    assert "Cancel: 2 changed, 0 skipped." in flashed(staff_client, response)
    after = statuses(app)
    assert {after[o] for o in orders["paid"]} == {"cancelled"}
    assert {after[o] for o in orders["pending"]} == {"pending"}
    assert stock(app) == {"LAMP": 94, "MUG": 88}


def test_confirmation_shows_the_count_and_changes_nothing(app, staff_client, orders):
    before = statuses(app)
    response = bulk(
        staff_client, "order", "cancel", query="?flt0_status_equals=pending", step="confirm"
    )
    page = response.get_data(as_text=True)
    assert "Apply to all 2 matching orders" in page
    assert "their items go back into stock" in page
    assert statuses(app) == before


def test_customer_anonymous_and_missing_csrf_are_refused(app, client, users, orders):
    before = statuses(app)
    anonymous = app.test_client()
    response = bulk(anonymous, "order", "cancel")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    login(client, "customer@example.com")
    assert bulk(client, "order", "cancel").status_code == 403
    staff = app.test_client()
    login(staff, "staff@example.com")
    no_token = staff.post("/admin/order/bulk/apply", data={"action": "cancel", "scope": "all"})
    assert no_token.status_code == 400
    assert statuses(app) == before


def test_audit_entry_names_the_action(app, staff_client, orders):
    flashed(staff_client, bulk(staff_client, "order", "mark_shipped"))
    with app.app_context():
        entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "bulk:mark_shipped"))
        assert entry.changes["changed"] == 2
        assert entry.changes["skipped"]["pending orders must be paid first"] == 2
        assert entry.changes["set"] == {"status": "shipped"}
