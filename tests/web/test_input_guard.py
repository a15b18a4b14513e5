"""Hostile text is refused at the edge: query strings, urlencoded and multipart forms.

Every refusal is a 400 naming the field, before any view, form or CSRF check runs, so
nothing is stored and no mail goes out. JSON bodies: test_input_guard_json.py.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import AuditLog, User, UserProfile
from tests.support.factories import PASSWORD, get_user
from tests.support.http import csrf_token

JSON = {"Accept": "application/json"}

REGISTRATION = {
    "email": "new@example.com",
    "username": "newbie",
    "full_name": "New Person",
    "password": PASSWORD,
    "password_confirm": PASSWORD,
}
PROFILE = {"full_name": "Carl Customer", "address": "1 High Street", "bio": "Likes lamps"}


def counts(app) -> tuple[int, int]:
    """Users and audit entries: what a refused request must leave as it was."""
    with app.app_context():
        users = db.session.scalar(select(func.count()).select_from(User))
        entries = db.session.scalar(select(func.count()).select_from(AuditLog))
        return users, entries


def profile_of(app, user_id: int) -> dict:
    with app.app_context():
        profile = db.session.scalar(select(UserProfile).filter_by(user_id=user_id))
        return {"full_name": profile.full_name, "address": profile.address, "bio": profile.bio}


def assert_refused(response, field: str, reason: str) -> None:
    """A 400 naming ``field`` and ``reason``, as JSON or as the house error page."""
    assert response.status_code == 400, response.get_data(as_text=True)[:500]
    if response.is_json:
        assert any(reason in r for r in response.json["errors"][field]), response.json
        assert field in response.json["error"]
    else:
        page = response.get_data(as_text=True)
        assert f"“{field}”" in page
        assert reason in page
        assert 'class="error-page' in page  # the house layout, not a bare framework page


# -- query strings ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field", "reason"),
    [
        ("search=%00", "search", "NUL character (U+0000)"),
        ("search=a%09b", "search", "tab (U+0009)"),
        ("search=a%0Ab", "search", "line break (U+000A)"),
        ("search=%1B[31m", "search", "control character (U+001B)"),
        ("search=%7F", "search", "control character (U+007F)"),
        ("search=caf%C3", "search", "is not valid UTF-8"),
        ("search=%ED%A0%80", "search", "is not valid UTF-8"),  # an encoded surrogate
        ("page=1&fl%00t=1", r"fl\x00t", "the field name contains a NUL"),
        ("%FF=1", "\ufffd", "the field name is not valid UTF-8"),
    ],
)
def test_admin_list_query_strings_are_refused(app, admin_client, query, field, reason):
    before = counts(app)
    assert_refused(admin_client.get(f"/admin/user/?{query}"), field, reason)
    assert_refused(admin_client.get(f"/admin/user/?{query}", headers=JSON), field, reason)
    assert counts(app) == before


def test_refusal_needs_no_login_and_comes_before_routing(client):
    assert_refused(client.get("/?next=%00"), "next", "NUL character")
    assert_refused(client.get("/no/such/page?x=%C0%80"), "x", "is not valid UTF-8")
    assert_refused(client.get("/reset/abc%00def"), "path", "NUL character")
    assert_refused(client.get("/media/avatars/%00.webp"), "path", "NUL character")


def test_ordinary_query_strings_pass(admin_client):
    response = admin_client.get("/admin/user/?search=caf%C3%A9+na%C3%AFve&sort=1&page=0")
    assert response.status_code == 200


# -- urlencoded forms --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("Ann\x00", "NUL character"),
        ("Ann\x08", "control character (U+0008)"),
        ("Ann\x7f", "control character (U+007F)"),
    ],
)
def test_registration_with_control_characters_creates_nobody_and_sends_nothing(
    app, client, outbox, value, reason
):
    data = dict(REGISTRATION, full_name=value, csrf_token=csrf_token(client, "/register"))
    before = counts(app)
    assert_refused(client.post("/register", data=data), "full_name", reason)
    assert counts(app) == before
    assert get_user(app, "new@example.com") is None
    assert outbox == []


def test_invalid_utf8_in_a_form_body_is_refused(app, client, outbox):
    token = csrf_token(client, "/register")
    body = b"email=new%40example.com&full_name=Jos%E9&password=x&csrf_token=" + token.encode()
    response = client.post("/register", data=body, content_type="application/x-www-form-urlencoded")
    assert_refused(response, "full_name", "is not valid UTF-8")
    assert get_user(app, "new@example.com") is None
    assert outbox == []


def test_the_guard_runs_before_the_csrf_check(client):
    response = client.post("/login", data={"email": "a\x00@example.com", "password": "x"})
    assert_refused(response, "email", "NUL character")


def test_profile_form_refuses_nul_and_keeps_the_profile(app, customer_client, users):
    before = profile_of(app, users["customer"])
    data = dict(PROFILE, address="\x00", csrf_token=csrf_token(customer_client, "/account/"))
    assert_refused(customer_client.post("/account/profile", data=data), "address", "NUL")
    assert profile_of(app, users["customer"]) == before


def test_profile_text_area_keeps_tabs_and_line_breaks(app, customer_client, users):
    bio = "First line\r\nSecond line\twith a tab"
    data = dict(PROFILE, bio=bio, csrf_token=csrf_token(customer_client, "/account/"))
    response = customer_client.post("/account/profile", data=data)
    assert response.status_code == 302
    assert profile_of(app, users["customer"])["bio"] == bio


def test_field_names_may_not_hold_line_breaks(customer_client):
    data = {"bio\n": "x", "csrf_token": csrf_token(customer_client, "/account/")}
    response = customer_client.post("/account/profile", data=data)
    assert_refused(response, r"bio\n", "the field name contains a line break")


# -- multipart forms ---------------------------------------------------------------------


def multipart(fields: list[tuple[bytes, bytes]], boundary=b"guardboundary") -> dict:
    """A hand-written multipart body, so it can carry bytes no client library would send."""
    body = b"".join(
        b"--%s\r\nContent-Disposition: form-data; %s\r\n\r\n%s\r\n" % (boundary, head, value)
        for head, value in fields
    )
    return {
        "data": body + b"--%s--\r\n" % boundary,
        "content_type": f"multipart/form-data; boundary={boundary.decode()}",
    }


def test_multipart_values_follow_the_same_rules(app, customer_client, users):
    before = profile_of(app, users["customer"])
    token = csrf_token(customer_client, "/account/")
    form = dict(PROFILE, full_name="Carl\x00", csrf_token=token)
    response = customer_client.post(
        "/account/profile", data=form, content_type="multipart/form-data"
    )
    assert_refused(response, "full_name", "NUL character")
    raw = [(b'name="csrf_token"', token.encode()), (b'name="full_name"', b"Jos\xe9")]
    response = customer_client.post("/account/profile", **multipart(raw))
    assert_refused(response, "full_name", "is not valid UTF-8")
    assert profile_of(app, users["customer"]) == before


def test_upload_file_names_are_checked_but_not_file_contents(app, customer_client):
    token = csrf_token(customer_client, "/account/")
    form = {"avatar": (io.BytesIO(b"\x00\xff\x00"), "me\x00.jpg"), "csrf_token": token}
    response = customer_client.post(
        "/account/avatar/", data=form, content_type="multipart/form-data"
    )
    assert_refused(response, "avatar", "the file name contains a NUL character")
    # The same bytes under a plain name reach the view, which judges them as an image.
    form = {"avatar": (io.BytesIO(b"\x00\xff\x00"), "me.jpg"), "csrf_token": token}
    response = customer_client.post(
        "/account/avatar/", data=form, content_type="multipart/form-data"
    )
    assert response.status_code in (200, 400)
    assert "file name" not in response.get_data(as_text=True)


def test_multipart_text_area_keeps_line_breaks(app, customer_client, users):
    token = csrf_token(customer_client, "/account/")
    form = dict(PROFILE, bio="one\r\ntwo\tthree", csrf_token=token)
    response = customer_client.post(
        "/account/profile", data=form, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    assert profile_of(app, users["customer"])["bio"] == "one\r\ntwo\tthree"


def test_unreadable_multipart_bodies_are_refused(customer_client):
    token = csrf_token(customer_client, "/account/")
    raw = [(b'name="csrf_token"', token.encode()), (b'name="full\xff"', b"Carl")]
    response = customer_client.post("/account/profile", **multipart(raw))
    assert_refused(response, "form", "is not a well-formed multipart body")


def test_multipart_part_limit_still_answers_413(customer_client):
    raw = [(b'name="f%d"' % i, b"x") for i in range(1001)]  # Werkzeug's max_form_parts: 1000
    assert customer_client.post("/account/profile", **multipart(raw)).status_code == 413
