"""Two factors in a real browser: a new staff member sets up the authenticator, then a passkey.

The authenticator is pyotp, fed the key the setup page shows. The passkey lives in
Chromium's virtual authenticator (DevTools protocol, ``WebAuthn.*``). WebAuthn ties a
credential to the site's host name, so that part of the journey runs on ``localhost``.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.ui import enter_code, log_in, set_up_authenticator

NEW_STAFF = ("newcomer@e2e.example.com", "newcomer e2e password 3 Eliot")


def virtual_authenticator(page) -> None:
    """A platform authenticator (like a phone's or laptop's) that always verifies the user."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


def test_new_staff_sets_up_the_authenticator_then_signs_in_with_a_passkey(journey, world):
    world.manage("create-admin", NEW_STAFF[0], "--password", NEW_STAFF[1], "--role", "staff")
    journey.base_url = world.url.replace("127.0.0.1", "localhost")
    page = journey.new_page()

    # The password alone leads to the setup page, and to nothing of the admin.
    log_in(page, *NEW_STAFF, second_factor=False)
    expect(page).to_have_url(re.compile(r"/tf-setup$"))
    journey.shot(page, "setup-choose")
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/login\?next=/admin/"))
    log_in(page, *NEW_STAFF, second_factor=False)  # the login page started over
    expect(page).to_have_url(re.compile(r"/tf-setup$"))

    # Scan (read) the key, type the code: signed in, the dashboard opens.
    set_up_authenticator(page, NEW_STAFF[0])
    page.goto("/admin/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    assert (
        world.scalar("SELECT tf_primary_method FROM users WHERE email = :e", e=NEW_STAFF[0])
        == "authenticator"
    )

    # Register a passkey from the account page.
    virtual_authenticator(page)
    page.goto("/account/")
    page.get_by_role("link", name="Add a passkey").click()
    page.locator("#wan-register-form").get_by_label("Nickname").fill("laptop")
    page.locator("#wan_register").click()  # the browser creates the key, the page posts it
    expect(page.get_by_text(re.compile('Nickname: "laptop"'))).to_be_visible()
    journey.shot(page, "passkey-registered")
    assert (
        world.scalar(
            "SELECT count(*) FROM webauthn JOIN users ON users.id = webauthn.user_id"
            " WHERE email = :e",
            e=NEW_STAFF[0],
        )
        == 1
    )

    # Sign out, sign in again: password, then the passkey as the second factor.
    page.goto("/account/")
    page.get_by_role("button", name="Log out").click()
    log_in(page, *NEW_STAFF, second_factor=False)
    expect(page).to_have_url(re.compile(r"/tf-select"))
    page.get_by_label(re.compile("passkey", re.I)).check()
    page.get_by_role("button", name="Select").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Use a Passkey as a Second Factor")
    journey.shot(page, "passkey-as-second-factor")
    page.locator("#wan-signin-form").get_by_role("button").click()  # the key answers
    expect(page).to_have_url(re.compile(r"/account/$"))
    page.goto("/admin/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    journey.shot(page, "signed-in-with-passkey")

    # The authenticator still works too.
    page.goto("/account/")
    page.get_by_role("button", name="Log out").click()
    log_in(page, *NEW_STAFF, second_factor=False)
    page.get_by_label(re.compile("authenticator", re.I)).check()
    page.get_by_role("button", name="Select").click()
    enter_code(page, NEW_STAFF[0])
    page.goto("/admin/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
