"""What the journeys do again and again: log in, pick in a Select2 box, add a list filter."""

from __future__ import annotations

import re

import pyotp
from playwright.sync_api import Locator, Page, expect

#: Authenticator keys read off the setup page, by email: the phone app of the run.
AUTHENTICATORS: dict[str, str] = {}


def log_in(page: Page, email: str, password: str, *, second_factor: bool = True) -> None:
    """Fill and send the login form (going to /login first when elsewhere).

    Staff then give the authenticator code; the first time, they set the authenticator up
    (``set_up_authenticator``), as a new staff member does. ``second_factor=False`` stops
    after the password.
    """
    if "/login" not in page.url:
        page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    if not second_factor:
        return
    if "/tf-setup" in page.url:
        set_up_authenticator(page, email)
    elif "/tf-validate" in page.url:
        enter_code(page, email)


def set_up_authenticator(page: Page, email: str) -> str:
    """On /tf-setup: choose the authenticator, read the key the page shows, send a code."""
    page.get_by_label(re.compile("authenticator app")).check()
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.locator("img#qrcode")).to_be_visible()
    key = page.locator("img#qrcode").locator("xpath=../following-sibling::div").inner_text()
    AUTHENTICATORS[email] = key.replace("-", "").strip()
    enter_code(page, email)
    return AUTHENTICATORS[email]


def enter_code(page: Page, email: str) -> None:
    """Type the authenticator's current code and send it."""
    page.get_by_label("Authentication Code").fill(pyotp.TOTP(AUTHENTICATORS[email]).now())
    page.get_by_role("button", name="Submit Code").click()
    page.wait_for_load_state()


def choose(page: Page, box: Locator, text: str, search: str | None = None) -> None:
    """Open the Select2 ``box``, type ``search`` (AJAX lookups), pick the ``text`` result."""
    page.wait_for_load_state()  # Select2 is set up by the page's scripts
    box.locator(".select2-choice").click()
    drop = page.locator("#select2-drop")
    expect(drop).to_be_visible()
    if search is not None:
        drop.locator("input.select2-input").press_sequentially(search)
    drop.locator(".select2-result-label", has_text=text).first.click()
    expect(box.locator(".select2-chosen")).to_contain_text(text)


def add_filter(page: Page, name: str, value: str) -> None:
    """Add the list filter ``name`` with ``value`` through the Add Filter menu, and apply it."""
    page.wait_for_load_state()  # the menu and the filter rows are the page scripts' work
    page.get_by_role("link", name="Add Filter").click()
    expect(page.locator(".field-filters")).to_be_visible()
    page.locator(".field-filters a.filter").filter(has_text=re.compile(f"^{name}$")).click()
    cell = page.locator("table.filters tr").last.locator("td").nth(2)
    if cell.locator(".select2-container").count():
        choose(page, cell.locator(".select2-container"), value)
    else:
        cell.locator("input.filter-val").fill(value)
    with page.expect_navigation():
        page.locator("#filter_form").get_by_role("button", name="Apply").click()
