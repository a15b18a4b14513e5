"""Profiles: one set of rules and one audited save, whichever door the change comes through."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import AuditLog, User
from tests.support.factories import get_user
from tests.support.http import csrf_token, login

CHANGE = {"full_name": "Carl Customer", "bio": "Likes lamps", "zipcode": "SW1A 1AA"}
BLANK = dict.fromkeys(("full_name", "bio", "address", "zipcode", "phone", "website"), "")


def through_account(client, app, users, values: dict):
    login(client, "customer@example.com")
    data = dict(BLANK, **values, csrf_token=csrf_token(client, "/account/"))
    return client.post("/account/profile", data=data)


def through_admin(client, app, users, values: dict):
    login(client, "admin@example.com")
    with app.app_context():
        profile_id = db.session.get(User, users["customer"]).profile.id
    data = dict(BLANK, contact_email="", **values, csrf_token=csrf_token(client))
    return client.post(f"/admin/userprofile/edit/?id={profile_id}", data=data)


DOORS = {"account": through_account, "admin": through_admin}


def profile_entries(app) -> list[AuditLog]:
    with app.app_context():
        entries = db.session.scalars(
            select(AuditLog).where(AuditLog.model == "UserProfile").order_by(AuditLog.id)
        ).all()
        db.session.expunge_all()
    return entries


@pytest.mark.parametrize("door", DOORS)
def test_both_doors_record_the_same_before_and_after(app, client, users, door):
    with app.app_context():
        db.session.get(User, users["customer"]).profile.full_name = "Carl C."
        db.session.commit()
    assert DOORS[door](client, app, users, CHANGE).status_code == 302
    (entry,) = profile_entries(app)
    assert entry.action == "update"
    assert entry.actor_email == ("customer" if door == "account" else "admin") + "@example.com"
    assert entry.changes == {
        "full_name": {"before": "Carl C.", "after": "Carl Customer"},
        "bio": {"before": None, "after": "Likes lamps"},
        "zipcode": {"before": None, "after": "SW1A 1AA"},
    }
    assert entry.summary.endswith(": full_name, bio, zipcode")
    # Saving the same values again changes nothing and records nothing.
    assert DOORS[door](client, app, users, CHANGE).status_code == 302
    assert len(profile_entries(app)) == 1


BAD = [
    ("full_name", "x" * 121, "longer than 120"),
    ("bio", "x" * 2001, "longer than 2000"),
    ("address", "x" * 256, "longer than 255"),
    ("zipcode", "!", "Enter a postal code"),
    ("phone", "call me", "Enter a phone number"),
    ("website", "carl.example", "full web address"),
    ("website", "https://" + "x" * 250, "longer than 255"),
]


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize(("field", "value", "message"), BAD, ids=[f"{b[0]}-{b[2]}" for b in BAD])
def test_both_doors_refuse_the_same_values(app, client, users, door, field, value, message):
    before = getattr(get_user(app, "customer@example.com").profile, field)
    response = DOORS[door](client, app, users, {field: value})
    assert response.status_code in (200, 400)  # the form again, with its error
    assert message in response.get_data(as_text=True)
    assert getattr(get_user(app, "customer@example.com").profile, field) == before
    assert profile_entries(app) == []
