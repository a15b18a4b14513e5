"""Staff notes and the order's timeline (staff side in the admin, customer side under /account)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import AuditLog, OrderNote
from backoffice.services.order_status import change_status
from tests.support.http import csrf_token, login

pytestmark = pytest.mark.config(MAIL_RATE_LIMIT=0)


def add(client, order_id, text: str):
    token = csrf_token(client, f"/admin/order/details/?id={order_id}")
    data = {"order_id": str(order_id), "text": text, "csrf_token": token}
    return client.post("/admin/order/notes/", data=data)


def note_ids(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(OrderNote.id).order_by(OrderNote.id)))


def events(page: str) -> list[str]:
    """The timeline's titles, top to bottom."""
    timeline = page.split('id="timeline"', 1)[1]
    return re.findall(
        r'<li class="timeline-event[^"]*"[^>]*>\s*<div>\s*<strong>([^<]+)</strong>', timeline
    )


def test_the_timeline_tells_the_story_newest_first(app, catalog, staff_client, clock, outbox):
    oid = catalog["order"]
    with app.app_context():
        change_status(oid, "paid")
        db.session.commit()
    outbox.sent()
    clock.advance(minutes=1)
    assert add(staff_client, oid, "Customer asked for gift wrap").status_code == 302
    clock.advance(minutes=1)
    with app.app_context():
        change_status(oid, "shipped", carrier="DHL", tracking_number="JD014600003")
        db.session.commit()
    outbox.sent()
    page = staff_client.get(f"/admin/order/details/?id={oid}").text
    assert events(page) == [
        "Mail (shipped) sent",
        "Shipped",
        "Note",
        "Mail (paid) sent",
        "Paid",
        "Placed",
    ]
    assert "Customer asked for gift wrap" in page
    assert "DHL: JD014600003" in page


def test_notes_are_audited_and_only_their_author_edits_them_for_15_minutes(
    app, catalog, client, clock, users
):
    oid = catalog["order"]
    assert login(client, "staff@example.com").status_code == 302
    assert add(client, oid, "  ").status_code == 302  # refused: empty
    assert note_ids(app) == []
    assert add(client, oid, "Called the customer").status_code == 302
    [note] = note_ids(app)
    url = f"/admin/order/notes/edit/?id={note}"
    token = csrf_token(client, url)
    assert client.post(url, data={"text": "Called twice", "csrf_token": token}).status_code == 302
    assert client.post(url, data={"text": "x"}).status_code == 400  # no CSRF token
    with app.app_context():
        assert db.session.get(OrderNote, note).text == "Called twice"
        actions = db.session.scalars(
            select(AuditLog.action).where(AuditLog.model == "OrderNote").order_by(AuditLog.id)
        ).all()
        assert actions == ["create", "update"]

    clock.advance(minutes=16)
    assert client.post(url, data={"text": "late", "csrf_token": token}).status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/admin/")})

    other = app.test_client()
    assert login(other, "admin@example.com").status_code == 302
    clock.now = clock.now.replace(year=2000)  # back inside the window: still not the author
    token = csrf_token(other, "/admin/")
    assert other.post(url, data={"text": "mine now", "csrf_token": token}).status_code == 403
    with app.app_context():
        assert db.session.get(OrderNote, note).text == "Called twice"


def test_customers_never_reach_notes(app, catalog, customer_client):
    token = csrf_token(customer_client, "/account/")
    data = {"order_id": str(catalog["order"]), "text": "hi", "csrf_token": token}
    assert customer_client.post("/admin/order/notes/", data=data).status_code == 403
    assert note_ids(app) == []


def test_the_customer_sees_their_side(app, catalog, staff_client, outbox):
    oid = catalog["order"]
    customer_client = app.test_client()
    assert login(customer_client, "customer@example.com").status_code == 302
    assert add(staff_client, oid, "Secret staff remark").status_code == 302
    with app.app_context():
        change_status(oid, "paid")
        change_status(oid, "shipped", carrier="Royal Mail", tracking_number="RM123GB")
        db.session.commit()
    page = customer_client.get(f"/account/orders/{oid}").text
    assert "Secret staff remark" not in page
    assert "staff@example.com" not in page
    assert "RM123GB" in page
    history = page.split("What happened", 1)[1]
    titles = re.findall(r"<li class=\"mb-2\"><strong>([^<]+)</strong>", history)
    assert titles == ["Shipped", "Paid", "Placed"]
