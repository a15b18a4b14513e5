"""Keyboard only, no mouse: forgotten password → mailed link → new password → log in →
edit the profile → log out. Every element the Tab key stops on shows where focus is."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

NEW_PASSWORD = "lantern quarry meadow 58 violin"
MAX_TABS = 40
ZIPCODE = """
    SELECT p.zipcode FROM user_profiles p JOIN users u ON u.id = p.user_id WHERE u.email = :e
"""

# What has focus, and whether the browser draws something to show it.
FOCUS = """
() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow && style.boxShadow !== "none";
  const name = (el.labels && el.labels[0] && el.labels[0].textContent)
    || el.getAttribute("aria-label") || el.value || el.textContent || "";
  return {tag: el.tagName.toLowerCase(), id: el.id, name: name.trim(), visible: outline || shadow};
}
"""


def tab_to(page: Page, name: str | re.Pattern, journey) -> None:
    """Press Tab until the focused element's label, text or id is ``name``.

    Every stop on the way must show a focus indicator (outline or box-shadow).
    """
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS)
        if not focus["visible"]:
            journey.problems.append(f"no visible focus on {focus} at {page.url}")
        matches = (
            name.search(focus["name"])
            if isinstance(name, re.Pattern)
            else name in (focus["name"], focus["id"])
        )
        if matches:
            return
    raise AssertionError(f"{name!r} not reached with {MAX_TABS} Tab presses on {page.url}")


def test_keyboard_only_password_reset_and_profile(journey, world):
    customer = world.customers[3]
    page = journey.new_page()
    page.goto("/login")

    # The skip link comes first and takes focus to the main content.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    journey.shot(page, "skip-link")
    page.keyboard.press("Enter")
    tab_to(page, "Email address", journey)
    expect(page.get_by_label("Email address")).to_be_focused()

    # Forgot password? → the reset request form.
    tab_to(page, "Forgot password?", journey)
    page.keyboard.press("Enter")
    expect(page).to_have_title(re.compile(r"^Forgot your password\?"))
    tab_to(page, "Email address", journey)
    page.keyboard.type(customer)
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Instructions to reset your password")

    # The mailed link (typed into the address bar), then the new password twice.
    mail = world.mailbox.wait_for(customer, "reset")
    page.goto(mail.link_path("/reset/"))
    expect(page).to_have_title(re.compile(r"^Choose a new password"))
    tab_to(page, "New password", journey)
    page.keyboard.type(NEW_PASSWORD)
    expect(page.locator(".password-strength .progress-bar")).to_have_class(re.compile("bg-success"))
    tab_to(page, "Confirm new password", journey)
    page.keyboard.type(NEW_PASSWORD)
    journey.shot(page, "new-password")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("You successfully reset your password")

    # Log in with the new password.
    if "/login" not in page.url:
        page.goto("/login")
    tab_to(page, "Email address", journey)
    page.keyboard.type(customer)
    tab_to(page, "Password", journey)
    page.keyboard.type(NEW_PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/account/$"))
    journey.shot(page, "account")

    # Profile, through the account menu; Enter in a text field sends the form.
    tab_to(page, "Profile", journey)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your profile")
    tab_to(page, "Address", journey)
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("3 Calle Mayor, Madrid")
    tab_to(page, "Postal code", journey)
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("28013")
    journey.shot(page, "profile-by-keyboard")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Your profile was saved.")
    assert world.scalar(ZIPCODE, e=customer) == "28013"

    # Log out from the navbar, by keyboard too.
    tab_to(page, "Log out", journey)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/$"))
    journey.phone_shot(page, "logged-out")
