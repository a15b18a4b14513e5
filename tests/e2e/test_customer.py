"""A new customer: registers, confirms by mail, fills the profile, adds a picture,
finds their orders and logs out."""

from __future__ import annotations

import re
from decimal import Decimal

from PIL import Image, ImageDraw
from playwright.sync_api import expect

from tests.e2e.ui import log_in

EMAIL = "nora.newcomer@example.com"
WEAK = "password1234"
STRONG = "tangerine orbit velvet 42 canal"
DANGER_RED = "rgb(220, 53, 69)"  # Bootstrap 4's .bg-danger
SUCCESS_GREEN = "rgb(40, 167, 69)"  # Bootstrap 4's .bg-success


def picture(path):
    """A real PNG: a gradient square with a circle, as a phone camera would not make it."""
    image = Image.new("RGB", (320, 240), "#2c5d8f")
    draw = ImageDraw.Draw(image)
    for x in range(0, 320, 8):
        draw.line([(x, 0), (x, 240)], fill=(x % 256, 120, 200 - x % 200), width=4)
    draw.ellipse((100, 60, 220, 180), fill="#ffc107")
    image.save(path, "PNG")
    return path


def type_password(page, password: str, css_class: str, colour: str) -> None:
    """Type the password (and its confirmation); the strength bar takes this class and colour."""
    page.get_by_label("Password", exact=True).fill(password)
    bar = page.locator(".password-strength .progress-bar")
    expect(bar).to_have_class(re.compile(rf"\b{css_class}\b"))
    assert bar.evaluate("bar => getComputedStyle(bar).backgroundColor") == colour
    page.get_by_label("Confirm password").fill(password)


def test_customer_registers_confirms_and_manages_the_account(journey, world, tmp_path):
    page = journey.new_page()
    page.goto("/")
    expect(page).to_have_title("Backoffice")
    journey.shot(page, "home")
    page.get_by_role("main").get_by_role("link", name="Create an account").click()

    # Registration: the strength bar judges as you type, the server has the last word.
    expect(page).to_have_title(re.compile(r"^Create an account"))
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Full name").fill("Nora Newcomer")
    type_password(page, WEAK, "bg-danger", DANGER_RED)
    expect(page.locator(".password-strength-text")).to_contain_text("not accepted yet")
    journey.shot(page, "register-weak-password")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".invalid-feedback")).to_contain_text("too easy to guess")
    journey.shot(page, "register-refused")

    type_password(page, STRONG, "bg-success", SUCCESS_GREEN)
    expect(page.locator(".password-strength-text")).not_to_contain_text("not accepted")
    journey.shot(page, "register-strong-password")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("alert")).to_contain_text("please click on the link in the email")
    journey.shot(page, "registered")

    # Not confirmed yet: the login is refused (with the same answer as a wrong password).
    log_in(page, EMAIL, STRONG)
    expect(page.locator("#fs-form-errors, .invalid-feedback").first).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login"))

    # The mailed link confirms the address.
    mail = world.mailbox.wait_for(EMAIL)
    page.goto(mail.link_path("/confirm/"))
    expect(page.get_by_role("alert")).to_contain_text("Your email has been confirmed")
    journey.shot(page, "confirmed")

    log_in(page, EMAIL, STRONG)
    expect(page).to_have_url(re.compile(r"/account/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(page.get_by_role("heading", name="Nora Newcomer")).to_be_visible()
    journey.shot(page, "account")

    # Profile.
    page.get_by_role("navigation", name="Your account").get_by_role("link", name="Profile").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your profile")
    page.get_by_label("Full name").fill("Nora N. Newcomer")
    page.get_by_label("About you").fill("Reads crime novels on the train.")
    page.get_by_label("Address").fill("12 Rue de la Paix, Paris")
    page.get_by_label("Postal code").fill("75002")
    page.get_by_label("Phone").fill("+33 6 12 34 56 78")
    journey.shot(page, "profile-form")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("alert")).to_contain_text("Your profile was saved.")
    expect(page.get_by_role("heading", name="Nora N. Newcomer")).to_be_visible()

    # Picture: a real image, re-encoded by the server and served back from /media.
    page.get_by_role("link", name="Add a picture").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your picture")
    page.get_by_label("New picture").set_input_files(picture(tmp_path / "me.png"))
    page.get_by_role("button", name="Upload picture").click()
    expect(page.get_by_role("alert")).to_contain_text("Your picture was updated.")
    current = page.get_by_role("img", name="Your current picture")
    expect(current).to_have_attribute("src", re.compile(r"^/media/avatars/[0-9a-f]{32}\.webp$"))
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=current.element_handle()
    )
    assert current.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [320, 240]
    journey.shot(page, "picture")

    # Orders: none yet; then one placed for her (through the CLI, as staff would).
    page.get_by_role("link", name="Orders", exact=True).click()
    expect(page.locator(".empty-state")).to_have_text("You have no orders yet.")
    first, second = world.products[0], world.products[1]
    world.manage("place-order", EMAIL, "--item", f"{first['SKU']}:2",
                 "--item", f"{second['SKU']}:1", "--address", "12 Rue de la Paix")  # fmt: skip
    page.reload()
    card = page.locator(".account-order")
    expect(card).to_have_count(1)
    expect(card.locator("tbody tr")).to_have_count(2)
    expect(card.locator(".badge")).to_have_text("Pending")
    total = Decimal(first["Price"]) * 2 + Decimal(second["Price"])
    expect(card.locator(".order-total")).to_have_text(str(total))
    journey.shot(page, "orders")
    journey.phone_shot(page, "orders")
    card.get_by_role("link", name=re.compile(r"Order #\d+")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Order #\d+"))
    expect(page.get_by_text("12 Rue de la Paix")).to_be_visible()

    # Log out: back to the public home page; the account is behind the login again.
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in")
    ).to_be_visible()
    page.goto("/account/")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    journey.shot(page, "logged-out")
