"""Two factors through the real pages: enrolment forced for staff, codes from pyotp, lockout.

Codes are computed with pyotp from the secret the setup page shows, as a phone app would.
"""

from __future__ import annotations

import pyotp
import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import AuditLog, User
from tests.support.factories import PASSWORD, add_user, get_user
from tests.support.http import (
    SETUP_KEY_RE,
    csrf_token,
    current_code,
    json_login,
    login,
    post_form,
)

INVALID_CODE = "Invalid code"


def audit_actions(app, user_id: int) -> list[tuple[str, dict | None]]:
    with app.app_context():
        rows = db.session.scalars(
            select(AuditLog).where(AuditLog.object_id == str(user_id)).order_by(AuditLog.id)
        ).all()
        return [(row.action, row.changes) for row in rows]


def start_setup(client) -> str:
    """Choose the authenticator on /tf-setup; return the base32 key the page shows."""
    response = post_form(client, "/tf-setup", {"setup": "authenticator"}, token_from="/tf-setup")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="qrcode" src="data:image/svg+xml;base64,' in html  # drawn by the app, inline
    return SETUP_KEY_RE.search(html).group(1).replace("-", "")


def send_code(client, code: str, url: str = "/tf-validate"):
    return post_form(client, url, {"code": code}, token_from=url)


def test_new_staff_must_set_up_the_authenticator_before_reaching_the_admin(app, client):
    uid = add_user(app, "new@example.com", roles=["staff"], second_factor=False)
    response = login(client, "new@example.com", second_factor=False)
    assert response.headers["Location"] == "/tf-setup"
    # Between the password and the code nobody is signed in: nothing of /admin.
    for path in ("/admin/", "/admin/product/", "/account/"):
        assert client.get(path).headers["Location"].startswith("/login")
    key = start_setup(client)
    assert client.get("/admin/").status_code == 302
    response = send_code(client, pyotp.TOTP(key).now())
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    user = get_user(app, "new@example.com")
    assert user.tf_primary_method == "authenticator"
    assert key not in (user.tf_totp_secret or "")  # stored encrypted
    actions = [a for a, _ in audit_actions(app, uid)]
    assert "tf_enrolled" in actions
    assert "login" in actions


def test_staff_cannot_switch_the_second_factor_off(app, client, users):
    assert login(client, "staff@example.com").status_code == 302
    page = client.get("/tf-setup").get_data(as_text=True)
    assert 'value="disable"' not in page
    response = post_form(client, "/tf-setup", {"setup": "disable"}, token_from="/tf-setup")
    assert get_user(app, "staff@example.com").tf_primary_method == "authenticator"
    assert response.status_code in (200, 400)


def test_enrolled_staff_sign_in_with_password_then_code(app, client, users):
    response = login(client, "admin@example.com", second_factor=False)
    assert response.headers["Location"].startswith("/tf-validate")
    assert client.get("/admin/").status_code == 302
    response = send_code(client, current_code(app, "admin@example.com"))
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_json_login_of_staff_stops_at_the_second_factor(app, client, users):
    token = client.get("/login", headers={"Accept": "application/json"}).json["response"]
    headers = {"X-CSRF-Token": token["csrf_token"]}
    body = {"email": "staff@example.com", "password": PASSWORD}
    response = client.post("/login", json=body, headers=headers)
    assert response.status_code == 200
    assert response.json["response"]["tf_required"] is True
    assert "user" not in response.json["response"]
    assert client.get("/admin/").status_code == 302
    assert client.get("/account/", headers={"Accept": "application/json"}).status_code == 401
    wrong = client.post("/tf-validate", json={"code": "000000"}, headers=headers)
    assert wrong.status_code == 400
    assert json_login(app.test_client(), "staff@example.com").status_code == 200


def test_customers_sign_in_without_and_may_turn_it_on_and_off(app, client, users):
    assert login(client, "customer@example.com", second_factor=False).status_code == 302
    assert client.get("/account/").status_code == 200
    assert "/tf-setup" in client.get("/account/").get_data(as_text=True)
    key = start_setup(client)
    response = send_code(client, pyotp.TOTP(key).now())
    assert response.status_code == 302
    assert get_user(app, "customer@example.com").tf_primary_method == "authenticator"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account/")})
    response = login(client, "customer@example.com", second_factor=False)
    assert response.headers["Location"].startswith("/tf-validate")
    assert send_code(client, pyotp.TOTP(key).now()).status_code == 302
    page = client.get("/tf-setup").get_data(as_text=True)
    assert 'value="disable"' in page
    post_form(client, "/tf-setup", {"setup": "disable"}, token_from="/tf-setup")
    assert get_user(app, "customer@example.com").tf_primary_method is None
    actions = [a for a, _ in audit_actions(app, users["customer"])]
    assert "tf_changed" in actions
    assert "tf_disabled" in actions


@pytest.mark.config(LOCKOUT_THRESHOLD=3, LOCKOUT_MINUTES=15)
def test_wrong_codes_lock_the_account_and_the_answer_stays_generic(app, client, users, clock):
    login(client, "staff@example.com", second_factor=False)
    for _ in range(3):
        response = send_code(client, "000000")
        assert response.status_code == 200
        assert INVALID_CODE in response.get_data(as_text=True)
    user = get_user(app, "staff@example.com")
    assert user.failed_logins == 3
    assert user.lock_active(clock.now)
    # The right code is refused with the same words while the lock runs.
    response = send_code(client, current_code(app, "staff@example.com"))
    assert response.status_code == 200
    assert INVALID_CODE in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302
    reasons = [c["reason"] for a, c in audit_actions(app, users["staff"]) if a == "login_failed"]
    assert reasons == ["bad_code"] * 3 + ["locked"]
    assert "lockout" in [a for a, _ in audit_actions(app, users["staff"])]
    # A fresh password sign-in is refused too, with the generic answer.
    other = app.test_client()
    assert login(other, "staff@example.com", second_factor=False).status_code == 200


@pytest.mark.config(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3/minute")
def test_codes_are_rate_limited_per_address(app, client, users):
    login(client, "staff@example.com", second_factor=False)
    codes = [send_code(client, "000000").status_code for _ in range(3)]
    assert 429 not in codes
    assert send_code(client, "000000").status_code == 429


def test_a_customer_made_staff_while_signed_in_must_set_up_first(app, client, users):
    assert login(client, "customer@example.com").status_code == 302
    with app.app_context():
        from backoffice.services import accounts

        accounts.grant_role(None, accounts.ids_of(users["customer"]), "staff")
        db.session.commit()
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/tf-setup"
    assert client.get("/admin/product/").headers["Location"] == "/tf-setup"
    key = start_setup(client)
    response = send_code(client, pyotp.TOTP(key).now())
    assert client.get("/admin/").status_code == 200
    assert get_user(app, "customer@example.com").has_second_factor


def test_security_payload_and_user_rows_never_expose_the_secret(app, client, users):
    response = json_login(client, "admin@example.com")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    with app.app_context():
        user = db.session.get(User, users["admin"])
        assert user.tf_totp_secret not in text


def test_passkeys_are_a_second_factor_only(app, client, users):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert "security.wan_register" in endpoints
    assert "security.wan_verify" not in endpoints  # never alone for a fresh sign-in
    # Without a password first, /wan-signin refuses to start a sign-in.
    token = client.get("/login", headers={"Accept": "application/json"}).json["response"]
    response = client.post(
        "/wan-signin",
        json={"identity": "staff@example.com"},
        headers={"X-CSRF-Token": token["csrf_token"]},
    )
    assert response.status_code >= 400
    assert client.get("/admin/").status_code == 302
    assert login(client, "staff@example.com").status_code == 302
    page = client.get("/wan-register").get_data(as_text=True)
    assert 'value="first"' not in page
