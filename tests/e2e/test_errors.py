"""Error pages as people meet them: a wrong address, a forbidden page, an upload too
large, too many login attempts. Each in the house layout, none a framework default."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_PASSWORD
from tests.e2e.ui import log_in

LOGIN_LIMIT = 10  # LOGIN_RATE_LIMIT in tests/e2e/server.py: 10/minute per address


def assert_error_page(page, code: int, heading: str) -> None:
    """The error page: its code in the title, its heading, the site's navbar and a way home."""
    expect(page).to_have_title(f"{code} · Backoffice")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Backoffice")
    ).to_be_visible()
    expect(page.get_by_role("link", name="Go to the home page")).to_be_visible()


def test_error_pages_share_the_layout(journey, world):
    journey.allow_status(403, 404, 413, 429)
    page = journey.new_page("visitor")
    response = page.goto("/no/such/page")
    assert response.status == 404
    assert_error_page(page, 404, "Page not found")
    journey.shot(page, "not-found")
    journey.phone_shot(page, "not-found")
    page.get_by_role("link", name="Go to the home page").click()
    expect(page).to_have_url(re.compile(r"/$"))

    # A customer who tries the admin.
    log_in(page, world.customers[2], DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/account/$"))
    response = page.goto("/admin/")
    assert response.status == 403
    assert_error_page(page, 403, "Forbidden")
    journey.shot(page, "forbidden")

    # A picture over MAX_CONTENT_LENGTH (5 MB): the browser gets our page, not a reset.
    page.goto("/account/avatar/")
    page.get_by_label("New picture").set_input_files(
        {"name": "huge.png", "mimeType": "image/png", "buffer": b"\x89PNG" + b"\0" * 6_000_000}
    )
    page.get_by_role("button", name="Upload picture").click()
    assert_error_page(page, 413, "Upload too large")
    expect(page.get_by_role("main")).to_contain_text("the limit is 5 MB")
    journey.shot(page, "upload-too-large")

    # The login rate limit, counted for this client address only.
    guesser = journey.new_page("guesser")
    guesser.goto("/login")
    for attempt in range(LOGIN_LIMIT):
        log_in(guesser, "nobody@example.com", f"wrong password {attempt}")
        expect(guesser.locator("#fs-form-errors, .invalid-feedback").first).to_be_visible()
    log_in(guesser, "nobody@example.com", "one guess too many")
    assert_error_page(guesser, 429, "Too many requests")
    expect(guesser.get_by_role("main")).to_contain_text("Please wait a moment")
    journey.shot(guesser, "too-many-requests")
