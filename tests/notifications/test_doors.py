"""Every door that moves an order writes its mail row in the same transaction; the worker sends it.

Form, inline bulk action, bulk job and API reach ``services.order_status``; each order
moved gets exactly one outbox row and one mail (sent by the real worker to Flask-Mailman's
in-memory backend), a rolled-back change none.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import Order, OrderNotification, User
from backoffice.services.order_status import change_status
from tests.admin.bulk_helpers import bulk, flashed
from tests.admin.crud_helpers import errors_in, submit
from tests.support.orders import place

pytestmark = pytest.mark.config(MAIL_RATE_LIMIT=0)


def rows(app) -> list[tuple[int, str, str]]:
    """(order, status, state) of every outbox row."""
    with app.app_context():
        found = db.session.execute(
            select(
                OrderNotification.order_id, OrderNotification.status, OrderNotification.state
            ).order_by(OrderNotification.id)
        )
        return [tuple(r) for r in found]


def test_the_form_marks_one_order_shipped_with_its_tracking(app, staff_client, catalog, outbox):
    oid = place(app, _customer(app), [(catalog["product"], 1)], "paid")
    outbox.sent()  # the paid mail
    data = {
        "status": "shipped",
        "shipping_address": "1 High Street",
        "carrier": "Parcelforce",
        "tracking_number": "PF123456789GB",
    }
    response = submit(staff_client, f"/admin/order/edit/?id={oid}", data)
    assert response.status_code == 302, errors_in(response)
    shipped = [m for m in outbox if "on its way" in m.subject]
    assert len(shipped) == 1
    mail = shipped[0]
    assert mail.to == ["customer@example.com"]
    assert "PF123456789GB" in mail.body
    assert "Parcelforce" in mail.body
    html = mail.alternatives[0][0]
    assert "PF123456789GB" in html
    assert "1 High Street" in html
    assert mail.extra_headers["Message-ID"].startswith(f"<order-{oid}-shipped-")
    assert rows(app)[-1] == (oid, "shipped", "sent")
    with app.app_context():
        order = db.session.get(Order, oid)
        assert (order.carrier, order.tracking_number) == ("Parcelforce", "PF123456789GB")
        row = db.session.scalars(select(OrderNotification).order_by(OrderNotification.id)).all()
        assert row[-1].changed_by == "staff@example.com"
        assert row[-1].sent_at is not None


def test_cancel_tells_the_reason(app, staff_client, catalog, outbox):
    oid = catalog["order"]
    data = {"status": "cancelled", "shipping_address": "1 High Street", "reason": "Out of stock"}
    assert submit(staff_client, f"/admin/order/edit/?id={oid}", data).status_code == 302
    [mail] = outbox.sent()
    assert mail.subject == f"Order #{oid} was cancelled"
    assert "Reason: Out of stock" in mail.body


def test_a_rolled_back_change_sends_nothing(app, catalog, outbox):
    with app.app_context():
        change_status(catalog["order"], "paid")
        db.session.rollback()
    assert outbox.sent() == []
    assert rows(app) == []


def test_erased_customers_and_opted_out_shipping_get_no_mail(app, catalog, outbox):
    customer = _customer(app)
    oid = place(app, customer, [(catalog["product"], 1)], "paid")
    assert len(outbox.sent()) == 1
    with app.app_context():
        db.session.get(User, customer).shipping_updates = False
        change_status(oid, "shipped")
        db.session.commit()
    assert len(outbox.sent()) == 1  # no shipped mail
    assert rows(app)[-1] == (oid, "shipped", "skipped")
    with app.app_context():
        db.session.get(User, customer).erased_at = db.func.now()
        other = db.session.get(Order, catalog["order"]).id
        change_status(other, "paid")
        db.session.commit()
    assert len(outbox.sent()) == 1
    assert rows(app)[-1] == (other, "paid", "skipped")


def test_a_bulk_action_sends_one_mail_per_order_moved(app, staff_client, catalog, outbox):
    customer = _customer(app)
    ids = [place(app, customer, [(catalog["product"], 1)]) for _ in range(3)]
    paid = place(app, customer, [(catalog["product"], 1)], "paid")
    outbox.sent()
    response = bulk(staff_client, "order", "mark_paid", rows=[*ids, paid])
    assert response.status_code == 302
    subjects = sorted(m.subject for m in outbox)
    assert subjects == sorted(f"Order #{i}: payment received" for i in [*ids, paid])  # not twice
    assert sorted(r for r in rows(app) if r[1] == "paid") == [
        (i, "paid", "sent") for i in sorted([paid, *ids])
    ]


@pytest.mark.config(BULK_INLINE_LIMIT=2, JOB_BATCH_SIZE=2)
def test_a_bulk_job_sends_one_mail_per_order_moved(app, staff_client, catalog, outbox):
    customer = _customer(app)
    ids = [place(app, customer, [(catalog["product"], 1)]) for _ in range(5)]
    response = bulk(staff_client, "order", "mark_paid", query="?flt0_status_equals=pending")
    assert "Started in the background" in flashed(staff_client, response)
    mails = outbox.sent()
    expected = {f"Order #{i}: payment received" for i in [*ids, catalog["order"]]}
    assert sorted(m.subject for m in mails) == sorted(expected)
    with app.app_context():
        by = set(db.session.scalars(select(OrderNotification.changed_by)))
    assert by == {"staff@example.com"}  # the job's starter


def test_a_bulk_cancel_tells_each_customer_its_reason(app, staff_client, catalog, outbox):
    customer = _customer(app)
    ids = [place(app, customer, [(catalog["product"], 1)]) for _ in range(2)]
    too_long = bulk(staff_client, "order", "cancel", rows=ids, reason="x" * 501)
    assert too_long.status_code == 400  # the confirmation page again, with the field's error
    assert "Keep the reason under 500 characters." in too_long.get_data(as_text=True)
    assert outbox.sent() == []
    with app.app_context():
        statuses = set(db.session.scalars(select(Order.status).where(Order.id.in_(ids))))
    assert statuses == {"pending"}

    response = bulk(staff_client, "order", "cancel", rows=ids, reason="  Supplier went bust  ")
    assert response.status_code == 302
    mails = outbox.sent()
    assert sorted(m.subject for m in mails) == sorted(f"Order #{i} was cancelled" for i in ids)
    assert all("Supplier went bust" in m.body for m in mails)


@pytest.mark.config(BULK_INLINE_LIMIT=1, JOB_BATCH_SIZE=1)
def test_a_bulk_cancel_job_tells_the_reason_too(app, staff_client, catalog, outbox):
    customer = _customer(app)
    ids = [place(app, customer, [(catalog["product"], 1)]) for _ in range(2)]
    response = bulk(
        staff_client, "order", "cancel", query="?flt0_status_equals=pending", reason="Recall"
    )
    assert "Started in the background" in flashed(staff_client, response)
    mails = outbox.sent()
    expected = {f"Order #{i} was cancelled" for i in [*ids, catalog["order"]]}
    assert {m.subject for m in mails} == expected
    assert all("Recall" in m.body for m in mails)


def test_an_api_transition_sends_the_mail(app, catalog, full_key, outbox):
    response = app.test_client().post(
        f"/api/v1/orders/{catalog['order']}/transitions",
        json={"to": "paid", "reason": "paid by bank transfer"},
        headers=full_key,
    )
    assert response.status_code == 200, response.get_json()
    [mail] = outbox.sent()
    assert mail.subject == f"Order #{catalog['order']}: payment received"
    assert rows(app) == [(catalog["order"], "paid", "sent")]
    with app.app_context():
        assert db.session.scalar(select(OrderNotification.changed_by)) == "API key everything"


def test_an_api_shipment_carries_its_parcel_and_a_cancellation_its_reason(
    app, catalog, full_key, outbox
):
    client = app.test_client()
    oid = place(app, _customer(app), [(catalog["product"], 1)], "paid")
    url = f"/api/v1/orders/{oid}/transitions"
    early = client.post(url, json={"to": "delivered", "carrier": "DHL"}, headers=full_key)
    assert early.status_code == 422
    assert set(early.get_json()["errors"]["json"]) == {"carrier"}
    body = {"to": "shipped", "carrier": "Parcelforce", "tracking_number": "PF123456789GB"}
    shipped = client.post(url, json=body, headers=full_key)
    assert shipped.status_code == 200, shipped.get_json()
    assert shipped.get_json()["carrier"] == "Parcelforce"
    assert shipped.get_json()["tracking_number"] == "PF123456789GB"
    [mail] = [m for m in outbox.sent() if "on its way" in m.subject]
    assert "PF123456789GB" in mail.body
    assert "Parcelforce" in mail.body
    listed = client.get("/api/v1/orders?status=shipped", headers=full_key).get_json()["items"]
    assert [(o["id"], o["tracking_number"]) for o in listed] == [(oid, "PF123456789GB")]

    other = catalog["order"]
    reason = {"to": "cancelled", "reason": "Out of stock at the supplier"}
    cancel = client.post(f"/api/v1/orders/{other}/transitions", json=reason, headers=full_key)
    assert cancel.status_code == 200, cancel.get_json()
    [mail] = [m for m in outbox.sent() if m.subject == f"Order #{other} was cancelled"]
    assert "Out of stock at the supplier" in mail.body


def _customer(app) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == "customer@example.com"))


def test_the_cli_moves_an_order_and_the_customer_gets_the_mail(app, catalog, outbox):
    oid = catalog["order"]
    runner = app.test_cli_runner()
    assert runner.invoke(args=["order-status", str(oid), "paid"]).exit_code == 0
    result = runner.invoke(
        args=["order-status", str(oid), "shipped", "--carrier", "DHL", "--tracking-number", "JD01"]
    )
    assert result.exit_code == 0, result.output
    refused = runner.invoke(args=["order-status", str(oid), "paid"])
    assert refused.exit_code == 1
    assert "already" in refused.output or "cannot go back" in refused.output
    subjects = [m.subject for m in outbox]
    assert subjects == [f"Order #{oid}: payment received", f"Order #{oid} is on its way"]
    assert "JD01" in outbox[1].body


def test_a_customer_turns_shipping_updates_off_under_account(app, customer_client, catalog, outbox):
    from tests.support.http import csrf_token

    page = customer_client.get("/account/").text
    assert "Shipping updates are up to you" in page
    token = csrf_token(customer_client, "/account/")
    data = {"csrf_token": token, "shipping_updates": "off"}
    response = customer_client.post("/account/notifications", data=data)
    assert response.status_code == 302
    assert customer_client.post("/account/notifications", data={}).status_code == 400
    missing = customer_client.post("/account/notifications", data={"csrf_token": token})
    assert missing.status_code == 400  # no choice is no change
    oid = catalog["order"]
    with app.app_context():
        assert db.session.get(User, _customer(app)).shipping_updates is False
        for step in ("paid", "shipped", "delivered"):
            change_status(oid, step)
        db.session.commit()
    assert [m.subject for m in outbox] == [f"Order #{oid}: payment received"]  # paid only
    assert [r[2] for r in rows(app)] == ["sent", "skipped", "skipped"]


@pytest.mark.config(BULK_INLINE_LIMIT=1000)
def test_a_big_bulk_move_only_writes_rows_and_queues_one_task(app, staff_client, catalog):
    # No worker: the request's whole cost is one INSERT ... SELECT and one queued task.
    with app.app_context():
        customer = _customer(app)
        orders = [Order(user_id=customer, shipping_address="1 High Street") for _ in range(500)]
        db.session.add_all(orders)
        db.session.commit()
    huey = app.extensions["huey"]
    before = huey.pending_count()
    response = bulk(staff_client, "order", "mark_paid", query="?flt0_status_equals=pending")
    assert "501 changed" in flashed(staff_client, response)
    assert huey.pending_count() == before + 1
    assert {r[2] for r in rows(app)} == {"pending"}
    assert len(rows(app)) == 501


@pytest.mark.config(MAIL_RATE_LIMIT=3)
def test_the_rate_limit_is_shared_by_every_delivering_task(app, catalog, clock, outbox):
    # Three mails claimed within the minute (by any task) leave no room for a fourth.
    customer = _customer(app)
    ids = [place(app, customer, [(catalog["product"], 1)]) for _ in range(3)]
    with app.app_context():
        for oid in ids:
            change_status(oid, "paid")
        db.session.commit()
    assert len(outbox.sent()) == 3
    with app.app_context():
        change_status(catalog["order"], "paid")
        db.session.commit()
    time.sleep(1)
    assert len(outbox.state.outbox) == 3  # waits: the minute's share is taken
    clock.advance(seconds=61)  # the task looks again FULL_WAIT seconds later
    assert len(outbox.sent()) == 4
