"""The admin user form's as-you-type email check: staff only, rate-limited, no public twin."""

from __future__ import annotations

import pytest

from tests.support.http import login

URL = "/admin/user/check-email/"


def check(client, email: str, **params):
    return client.get(URL, query_string={"email": email, **params})


@pytest.mark.parametrize("who", ["admin", "staff"])
def test_staff_learn_valid_and_taken(client, users, who):
    login(client, f"{who}@example.com")
    answer = check(client, " CUSTOMER@Example.com ").json
    assert answer == {
        "valid": True,
        "taken": True,
        "email": "customer@example.com",
        "message": "Already used by another account.",
    }
    assert check(client, "new@example.com").json["taken"] is False
    invalid = check(client, "not an email").json
    assert (invalid["valid"], invalid["taken"]) == (False, False)
    assert invalid["message"]


def test_the_account_being_edited_may_keep_its_own_address(admin_client, users):
    answer = check(admin_client, "customer@example.com", id=users["customer"]).json
    assert answer["taken"] is False


def test_customers_and_visitors_get_no_answer(app, client, customer_client, users):
    assert check(customer_client, "admin@example.com").status_code == 403
    anonymous = app.test_client()
    response = check(anonymous, "admin@example.com")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.config(RATELIMIT_ENABLED=True, EMAIL_CHECK_RATE_LIMIT="3/minute")
def test_the_check_is_rate_limited_per_staff_member(staff_client, users):
    codes = [check(staff_client, f"x{i}@example.com").status_code for i in range(4)]
    assert codes == [200, 200, 200, 429]


def test_the_form_loads_the_checker(admin_client, users):
    page = admin_client.get("/admin/user/new/").get_data(as_text=True)
    assert 'src="/static/js/email-check.js"' in page
    assert f'data-url="{URL}"' in page
