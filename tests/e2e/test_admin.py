"""An admin's day: dashboard, users (search, filter, suspend), a bulk action on every
matching order, an order placed through the Select2 lookups, a filtered CSV export.
And the suspended customer is shown the door."""

from __future__ import annotations

import csv
import re
from decimal import Decimal

from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN, DEMO_PASSWORD
from tests.e2e.ui import add_filter, choose, log_in

PENDING = "SELECT count(*) FROM orders WHERE status = 'pending'"


def figure(page, name: str) -> int:
    """A dashboard number by its data-figure name."""
    return int(page.locator(f"[data-figure='{name}']").inner_text().replace(",", ""))


def test_admin_runs_the_back_office(journey, world, tmp_path):
    victim = world.customers[0]
    victim_page = journey.new_page("victim")
    log_in(victim_page, victim, DEMO_PASSWORD)
    expect(victim_page).to_have_url(re.compile(r"/account/$"))

    page = journey.new_page("admin")
    log_in(page, *ADMIN)
    expect(page).to_have_url(re.compile(r"/account/$"))
    main_menu = page.get_by_role("navigation", name="Main")
    expect(main_menu.locator(".admin-menu li.active")).to_have_count(0)  # no admin page is current

    # Dashboard: the figures are the database's.
    main_menu.get_by_role("link", name="Dashboard").click()
    expect(page).to_have_title("Dashboard · Backoffice")
    assert figure(page, "users-total") == world.scalar("SELECT count(*) FROM users")
    assert figure(page, "orders-total") == world.scalar("SELECT count(*) FROM orders")
    assert figure(page, "orders-pending") == world.scalar(PENDING)
    journey.shot(page, "dashboard")
    journey.phone_shot(page, "dashboard")

    # Users: search, then filter, then suspend the victim with the status toggle.
    main_menu.get_by_role("link", name="Accounts").click()
    main_menu.get_by_role("link", name="Users").click()
    first_name = victim.split(".")[0]
    search = page.get_by_role("searchbox", name="Search by email, username")
    search.fill(first_name)
    search.press("Enter")
    rows = page.locator("table.model-list tbody tr")
    expected = world.scalar(
        "SELECT count(*) FROM users WHERE email LIKE :term OR username LIKE :term",
        term=f"%{first_name}%",
    )
    expect(rows).to_have_count(expected)
    for email in rows.locator("td.col-email").all_inner_texts():
        assert first_name in email
    add_filter(page, "Status", "Yes")
    expect(page).to_have_url(re.compile(r"flt\d+_status_equals=1"))
    expect(page.get_by_role("searchbox", name="Search by email, username")).to_have_value(
        first_name
    )
    journey.shot(page, "users-searched-and-filtered")
    row = rows.filter(has_text=victim)
    row.get_by_role("button", name="Active").click()
    expect(page.get_by_role("alert")).to_contain_text(f"{victim} is suspended.")
    expect(rows.filter(has_text=victim)).to_have_count(0)  # the list shows active users only
    assert not world.scalar("SELECT active FROM users WHERE email = :e", e=victim)
    journey.shot(page, "user-suspended")

    # Her open session ends with the suspension, and she cannot log in again.
    victim_page.reload()
    expect(victim_page).to_have_url(re.compile(r"/login\?next="))
    log_in(victim_page, victim, DEMO_PASSWORD)
    expect(victim_page.locator("#fs-form-errors, .invalid-feedback").first).to_be_visible()
    expect(victim_page).to_have_url(re.compile(r"/login"))
    journey.shot(victim_page, "suspended-user-refused")

    # Orders: Mark paid on every pending order, after a confirmation with the count.
    main_menu.get_by_role("link", name="Orders").click()
    add_filter(page, "Status", "Pending")
    pending = world.scalar(PENDING)
    assert pending > 0
    expect(page.locator("table.model-list tbody tr")).to_have_count(min(pending, 25))
    page.get_by_label("Bulk action").select_option(label="Mark paid")
    page.get_by_label("Apply to").select_option("all")
    page.get_by_role("button", name="Continue…").click()
    expect(page.locator(".bulk-confirm")).to_contain_text(
        f"Apply to all {pending} matching orders?"
    )
    journey.shot(page, "bulk-confirmation")
    journey.phone_shot(page, "bulk-confirmation")
    page.get_by_role("button", name=f"Apply to all {pending} matching orders").click()
    expect(page.get_by_role("alert")).to_contain_text(f"Mark paid: {pending} changed, 0 skipped.")
    expect(page.locator("table.model-list")).to_contain_text("No orders match")
    assert world.scalar(PENDING) == 0
    journey.shot(page, "bulk-applied")

    # A new order with two items, customer and products found by typing.
    page.get_by_role("link", name="Create", exact=True).click()
    customer = world.customers[1]
    choose(page, page.locator("#s2id_user"), customer, search=customer[:6])
    page.get_by_label("Shipping address").fill("7 Baker Street, London")
    first, second = world.products[2], world.products[3]
    for index, (product, quantity) in enumerate([(first, 2), (second, 3)]):
        page.get_by_role("button", name="Add item").click()
        line = page.locator(".inline-field-list > .inline-field").nth(index)
        choose(page, line.locator(".select2-container"), product["SKU"], search=product["SKU"])
        line.get_by_label("Quantity").fill(str(quantity))
    journey.shot(page, "order-form")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Record was successfully created.")
    order_id = world.scalar(
        "SELECT max(o.id) FROM orders o JOIN users u ON u.id = o.user_id WHERE u.email = :e",
        e=customer,
    )
    assert world.scalar("SELECT count(*) FROM order_items WHERE order_id = :o", o=order_id) == 2
    total = Decimal(first["Price"]) * 2 + Decimal(second["Price"]) * 3
    assert Decimal(str(world.scalar("SELECT total FROM orders WHERE id = :o", o=order_id))) == total
    journey.shot(page, "order-created")

    # Export what the list shows (paid orders): the file holds exactly those rows.
    page.goto("/admin/order/")
    add_filter(page, "Status", "Paid")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    target = journey.path("orders-export", ".csv")
    download.value.save_as(target)
    assert re.fullmatch(r"orders-\d{8}T\d{6}Z\.csv", download.value.suggested_filename)
    with target.open(newline="", encoding="utf-8") as handle:
        exported = list(csv.DictReader(handle))
    paid = world.column("SELECT id FROM orders WHERE status = 'paid'")
    assert sorted(int(row["Order"]) for row in exported) == sorted(paid)
    assert {row["Status"] for row in exported} == {"paid"}
    journey.shot(page, "orders-paid")

    # The audit log has the bulk action: who, on what, and what came of it.
    main_menu.get_by_role("link", name="Audit log").click()
    search = page.get_by_role("searchbox", name=re.compile(r"^Search by"))
    search.fill("bulk:mark_paid")
    search.press("Enter")
    entry = page.locator("table.model-list tbody tr")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text(ADMIN[0])
    expect(entry).to_contain_text(f"Mark paid on all {pending} matching orders: {pending} changed")
    journey.shot(page, "audit-log")
