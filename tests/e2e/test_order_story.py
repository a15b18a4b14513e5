"""Staff mark a paid order shipped with its tracking number; the customer's mail leaves
(read from the file backend), the order's timeline tells it, and the customer sees it."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_PASSWORD, STAFF
from tests.e2e.ui import log_in

TRACKING = "JD014600006281"


def paid_order(world) -> tuple[int, str]:
    """A paid order of an active, confirmed demo customer: (id, email)."""
    order_id = world.scalar(
        "SELECT o.id FROM orders o JOIN users u ON u.id = o.user_id"
        " WHERE o.status = 'paid' AND u.active AND u.erased_at IS NULL"
        " AND u.confirmed_at IS NOT NULL AND u.shipping_updates"
        " AND u.email LIKE '%@example.%' ORDER BY o.id LIMIT 1"
    )
    email = world.scalar(
        "SELECT u.email FROM orders o JOIN users u ON u.id = o.user_id WHERE o.id = :id",
        id=order_id,
    )
    return order_id, email


def test_an_order_shipped_tells_its_story(journey, world):
    order_id, customer = paid_order(world)
    staff = journey.new_page("staff")
    log_in(staff, *STAFF)
    staff.goto(f"/admin/order/edit/?id={order_id}")
    staff.get_by_label("Status").select_option("shipped")
    staff.get_by_label("Carrier").fill("DHL")
    staff.get_by_label("Tracking number").fill(TRACKING)
    journey.shot(staff, "mark-shipped")
    staff.get_by_role("button", name="Save", exact=True).click()
    expect(staff.get_by_role("alert").first).to_contain_text("saved")

    mail = world.mailbox.wait_for(customer, f"Order #{order_id} is on its way", timeout=30)
    assert TRACKING in mail.text
    assert "DHL" in mail.text

    staff.goto(f"/admin/order/details/?id={order_id}")
    timeline = staff.locator("#timeline")
    expect(timeline.locator(".timeline-event").first).to_contain_text("Mail (shipped) sent")
    expect(timeline).to_contain_text(f"DHL: {TRACKING}")
    expect(timeline).to_contain_text(STAFF[0])
    staff.get_by_label(re.compile("^Staff note")).fill("Parcel left the warehouse at 9")
    staff.get_by_role("button", name="Add note").click()
    expect(timeline.locator(".timeline-note").first).to_contain_text("Parcel left the warehouse")
    journey.shot(staff, "timeline")

    shopper = journey.new_page("customer")
    log_in(shopper, customer, DEMO_PASSWORD)
    shopper.goto(f"/account/orders/{order_id}")
    expect(shopper.locator(".order-tracking")).to_contain_text(TRACKING)
    expect(shopper.locator(".order-history li").first).to_contain_text("Shipped")
    expect(shopper.get_by_role("main")).not_to_contain_text("Parcel left the warehouse")
    journey.shot(shopper, "customer-view")
