"""/change: wrong current passwords count towards the lockout, are audited and rate-limited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import AuditLog
from tests.support.factories import PASSWORD, get_user
from tests.support.http import login, post_form

NEW = "another long passphrase 77"
WRONG = "not the password at all"
LOCKED = "temporarily locked"


def change(client, current: str, new: str = NEW):
    data = {"password": current, "new_password": new, "new_password_confirm": new}
    return post_form(client, "/change", data, token_from="/change")


def reasons(app) -> list[str]:
    with app.app_context():
        entries = db.session.scalars(
            select(AuditLog)
            .where(AuditLog.action == "password_change_failed")
            .order_by(AuditLog.id)
        ).all()
        return [entry.changes["reason"] for entry in entries]


@pytest.mark.config(LOCKOUT_THRESHOLD=3, LOCKOUT_MINUTES=15)
def test_wrong_current_passwords_lock_the_account_and_end_the_guessing_session(
    app, client, users, clock
):
    other = app.test_client()  # the owner's other device, signed in before the guessing
    assert login(other, "customer@example.com").status_code == 302
    assert login(client, "customer@example.com").status_code == 302
    before = get_user(app, "customer@example.com").password
    for _ in range(2):
        assert LOCKED not in change(client, WRONG).get_data(as_text=True)
    assert get_user(app, "customer@example.com").failed_logins == 2
    assert LOCKED in change(client, WRONG).get_data(as_text=True)
    assert get_user(app, "customer@example.com").lock_active(clock.now)
    assert client.get("/account/").status_code == 302  # the guessing session is over
    # The right password no longer helps, from any device, until the lock runs out.
    assert LOCKED in change(other, PASSWORD).get_data(as_text=True)
    assert get_user(app, "customer@example.com").password == before
    assert reasons(app) == ["bad_password"] * 3 + ["locked"]
    clock.advance(minutes=16)
    assert change(other, PASSWORD).status_code == 302
    assert login(app.test_client(), "customer@example.com", NEW).status_code == 302


def test_a_refused_new_password_is_not_a_guess(app, customer_client):
    response = change(customer_client, PASSWORD, new="short")
    assert "at least" in response.get_data(as_text=True)
    assert get_user(app, "customer@example.com").failed_logins == 0
    assert reasons(app) == []


@pytest.mark.config(RATELIMIT_ENABLED=True, CHANGE_PASSWORD_RATE_LIMIT="2/minute")
def test_change_is_rate_limited_per_account(app, client, users):
    assert login(client, "customer@example.com").status_code == 302
    assert [change(client, WRONG).status_code for _ in range(2)] == [200, 200]
    assert change(client, PASSWORD).status_code == 429
    assert client.get("/change").status_code == 200  # showing the form is free
    staff = app.test_client()  # same address, another account: its own allowance
    assert login(staff, "staff@example.com").status_code == 302
    assert change(staff, WRONG).status_code == 200


@pytest.mark.config(LOCKOUT_THRESHOLD=2)
def test_guessing_on_the_delete_page_also_ends_the_session_at_the_lock(app, customer_client):
    for _ in range(2):
        data = {"password": WRONG}
        response = post_form(customer_client, "/account/delete", data, token_from="/account/")
        assert response.status_code == 400
    assert get_user(app, "customer@example.com").locked_until is not None
    assert customer_client.get("/account/").status_code == 302
