"""Staff work with orders and the catalogue but are refused what only admins may do,
whether they look for the button or forge the request."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.browser import DESKTOP, PHONE
from tests.e2e.conftest import STAFF
from tests.e2e.ui import log_in


def token(page) -> str:
    """The session's CSRF token, as any form on the page carries it."""
    return page.locator("input[name=csrf_token]").first.input_value()


def test_staff_is_refused_what_only_admins_may_do(journey, world):
    journey.allow_status(403)
    page = journey.new_page()
    log_in(page, *STAFF)
    expect(page).to_have_url(re.compile(r"/account/$"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")

    # Users: read-only. No create tab, no delete buttons, status as a plain badge.
    page.goto("/admin/user/")
    expect(page.locator("table.model-list tbody tr").first).to_be_visible()
    expect(page.get_by_role("link", name="Create", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Delete Record")).to_have_count(0)
    expect(page.get_by_role("button", name="Active")).to_have_count(0)
    expect(page.locator("td.col-active .badge").first).to_be_visible()
    journey.shot(page, "users-read-only")
    journey.phone_shot(page, "users-read-only")

    # On a phone the navbar folds behind its toggle button, and opens from it.
    page.set_viewport_size(PHONE)
    navbar = page.get_by_role("navigation", name="Main")
    expect(navbar.get_by_role("link", name="Orders")).to_be_hidden()
    navbar.get_by_role("button", name="Toggle navigation").click()
    expect(page.locator("#app-navbar")).to_have_class(re.compile(r"\bcollapse show\b"))
    expect(navbar.get_by_role("link", name="Orders")).to_be_visible()
    journey.shot(page, "menu-on-a-phone", full_page=False)
    page.set_viewport_size(DESKTOP)

    # Opening the edit form by its address: the 403 page, in the house layout.
    customer = world.customers[4]
    user_id = world.scalar("SELECT id FROM users WHERE email = :e", e=customer)
    response = page.goto(f"/admin/user/edit/?id={user_id}")
    assert response.status == 403
    expect(page).to_have_title("403 · Backoffice")
    expect(page.get_by_role("heading", level=1)).to_have_text("Forbidden")
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Dashboard")
    journey.shot(page, "user-edit-forbidden")

    # Orders: staff create and edit them, but deleting is for admins: no button...
    page.goto("/admin/order/")
    expect(page.get_by_role("link", name="Create", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Delete Record")).to_have_count(0)
    journey.shot(page, "orders-without-delete")
    order_id = world.scalar("SELECT min(id) FROM orders WHERE status IN ('delivered', 'cancelled')")

    # ... and a forged POST (valid session and CSRF token) is refused all the same.
    refused = page.request.post(
        f"{world.url}/admin/order/delete/",
        form={"id": str(order_id), "url": "/admin/order/", "csrf_token": token(page)},
        max_redirects=0,
    )
    assert refused.status == 403
    assert world.scalar("SELECT count(*) FROM orders WHERE id = :o", o=order_id) == 1
    refused = page.request.post(
        f"{world.url}/admin/user/toggle-active/",
        form={"id": str(user_id), "url": "/admin/user/", "csrf_token": token(page)},
        max_redirects=0,
    )
    assert refused.status == 403
    assert world.scalar("SELECT active FROM users WHERE id = :u", u=user_id)
