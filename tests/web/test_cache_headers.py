"""Cache-Control: no-store on sign-in pages and on everything a signed-in user is sent."""

from __future__ import annotations

import pytest

from tests.support.factories import PASSWORD
from tests.support.http import post_form

NO_STORE = "no-store"
JSON = {"Accept": "application/json"}

# One of each kind: Flask-Security pages, the account area, the admin (index, list, form,
# details), the public home page, an error page and a JSON error, signed in.
SIGNED_IN_PAGES = [
    ("/change", {}),
    ("/account/", {}),
    ("/account/profile", {}),
    ("/account/orders", {}),
    ("/admin/", {}),
    ("/admin/user/", {}),
    ("/admin/user/new/", {}),
    ("/", {}),
    ("/no-such-page", {}),
    ("/no-such-page", JSON),
]
AUTH_PAGES = ["/login", "/register", "/reset", "/confirm"]


def assert_no_store(response) -> None:
    assert response.headers["Cache-Control"] == NO_STORE
    assert response.headers["Pragma"] == "no-cache"


@pytest.mark.parametrize(("path", "headers"), SIGNED_IN_PAGES)
def test_every_page_for_a_signed_in_user_is_no_store(admin_client, path, headers):
    response = admin_client.get(path, headers=headers)
    assert response.status_code in (200, 404)
    assert_no_store(response)


@pytest.mark.parametrize("path", AUTH_PAGES)
def test_sign_in_pages_are_no_store_and_well_formed(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert_no_store(response)  # Flask-Security's own said "private=True, no-store=True"


def test_the_login_answer_and_json_answers_are_no_store(client, users):
    response = post_form(client, "/login", {"email": "admin@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert_no_store(response)
    assert_no_store(client.get("/change", headers=JSON))


def test_public_pages_and_static_files_keep_their_caching(app, admin_client):
    anonymous = app.test_client()
    assert "Cache-Control" not in anonymous.get("/").headers  # nothing personal
    with admin_client.get("/static/css/app.css") as response:
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-cache"  # revalidated with its ETag
        assert "Pragma" not in response.headers
