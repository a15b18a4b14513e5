"""Relation lookups: prefix search, only usable customers, staff only."""

from __future__ import annotations

from backoffice.extensions import db
from backoffice.models import User
from tests.conftest import add_user, login

LOOKUP = "/admin/order/ajax/lookup/?name=user&query="


def names(response) -> list[str]:
    return [label for _id, label in response.json]


def test_lookup_matches_email_or_username_prefix_case_insensitively(app, staff_client, users):
    add_user(app, "zoe@example.com", username="zedd")
    add_user(app, "zack@example.com", username="other")
    assert names(staff_client.get(LOOKUP + "ZO")) == ["zoe@example.com"]
    assert names(staff_client.get(LOOKUP + "zed")) == ["zoe@example.com"]
    assert names(staff_client.get(LOOKUP + "za")) == ["zack@example.com"]
    # a prefix, not a substring: "example" is in every address but starts none
    assert names(staff_client.get(LOOKUP + "example")) == []


def test_lookup_skips_suspended_and_erased_accounts(app, staff_client, users):
    add_user(app, "zed.gone@example.com")
    add_user(app, "zed.away@example.com")
    add_user(app, "zed.here@example.com")
    with app.app_context():
        away = db.session.scalar(db.select(User).where(User.email == "zed.away@example.com"))
        away.active = False
        gone = db.session.scalar(db.select(User).where(User.email == "zed.gone@example.com"))
        gone.erased_at = gone.created_at
        db.session.commit()
    assert names(staff_client.get(LOOKUP + "zed")) == ["zed.here@example.com"]


def test_lookup_pages_results_and_caps_the_page_size(app, staff_client, users):
    for n in range(60):
        add_user(app, f"bulk{n:02d}@example.com")
    first = names(staff_client.get(LOOKUP + "bulk"))
    assert first == [f"bulk{n:02d}@example.com" for n in range(10)]
    second = names(staff_client.get(LOOKUP + "bulk&offset=10&limit=5"))
    assert second == [f"bulk{n:02d}@example.com" for n in range(10, 15)]
    assert len(names(staff_client.get(LOOKUP + "bulk&limit=100000"))) == 50


def test_lookup_is_for_staff_only(app, client, users):
    assert client.get(LOOKUP + "a").status_code == 302
    login(client, "customer@example.com")
    assert client.get(LOOKUP + "a").status_code == 403
