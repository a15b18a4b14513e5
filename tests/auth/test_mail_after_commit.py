"""Mail leaves only after its transaction commits, and only after the response has gone.

The ``outbox`` fixture runs the app's real worker, which sends what the request queued.
"""

from __future__ import annotations

import re

import pytest
from flask_security.recoverable import send_reset_password_instructions
from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import AuditLog, User
from tests.support.databases import temporary_ddl
from tests.support.factories import PASSWORD, add_user
from tests.support.http import post_form

DOOMED = "doomed@example.com"


def register(client, email: str, **kw):
    data = {
        "email": email,
        "full_name": "New Person",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
    }
    return post_form(client, "/register", data, token_from="/register", **kw)


@pytest.fixture
def refusing_database(app, is_postgres):
    """The database itself refuses to store a user with the DOOMED address, at commit."""
    if is_postgres:
        create = [
            "CREATE FUNCTION refuse_doomed() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$",
            "CREATE TRIGGER refuse_doomed BEFORE INSERT ON users FOR EACH ROW "
            f"WHEN (NEW.email = '{DOOMED}') EXECUTE FUNCTION refuse_doomed()",
        ]
        drop = ["DROP TRIGGER refuse_doomed ON users", "DROP FUNCTION refuse_doomed()"]
    else:
        create = [
            f"CREATE TRIGGER refuse_doomed BEFORE INSERT ON users WHEN NEW.email = '{DOOMED}' "
            "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
        ]
        drop = ["DROP TRIGGER refuse_doomed"]
    with temporary_ddl(app, create, drop):
        yield


@pytest.mark.config(PROPAGATE_EXCEPTIONS=False)
def test_a_registration_rolled_back_at_commit_sends_nothing(app, client, outbox, refusing_database):
    response = register(client, DOOMED)
    assert response.status_code == 500
    assert outbox == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(User.email == DOOMED)) == 0
    # The next registration's mail is its own: nothing held over from the failed one.
    assert register(app.test_client(), "fine@example.com").status_code == 302
    assert [m.to for m in outbox] == [["fine@example.com"]]


def test_the_response_is_handed_over_before_the_mail_is_sent(app, client, outbox):
    # Unbuffered, the test client leaves the response open as a server does while the
    # client reads it: the registration is committed, the mail not yet sent.
    response = register(client, "new@example.com", buffered=False)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(User.email == "new@example.com"))
    assert outbox == []
    response.close()  # what the WSGI server does once the body has been written
    assert [m.to for m in outbox] == [["new@example.com"]]


@pytest.mark.config(SERVER_NAME="shop.example")  # the mailed link is built outside a request
def test_outside_a_request_mail_leaves_at_commit_and_not_after_a_rollback(app, outbox):
    user_id = add_user(app, "customer@example.com")
    with app.app_context():
        send_reset_password_instructions(db.session.get(User, user_id))
        assert outbox == []
        db.session.rollback()
        assert outbox == []
        db.session.commit()  # a later commit does not resurrect the dropped message
        assert outbox == []
        send_reset_password_instructions(db.session.get(User, user_id))
        db.session.commit()
        assert [m.to for m in outbox] == [["customer@example.com"]]
        assert "/reset/" in outbox[0].body


def test_known_and_unknown_addresses_on_confirm_do_the_same_work(app, outbox):
    add_user(app, "pending@example.com")
    with app.app_context():
        db.session.execute(
            User.__table__.update()
            .where(User.email == "pending@example.com")
            .values(confirmed_at=None)
        )
        db.session.commit()
    pages = set()
    for email in ("pending@example.com", "nobody@example.com"):
        response = post_form(app.test_client(), "/confirm", {"email": email}, token_from="/confirm")
        assert response.status_code == 200
        page = response.get_data(as_text=True).replace(email, "EMAIL")
        pages.add(re.sub(r'(nonce|value)="[^"]*"', "", page))  # per-request tokens
    assert len(pages) == 1
    assert [m.to for m in outbox] == [["pending@example.com"]]
    assert "/confirm/" in outbox[0].body
    with app.app_context():
        actions = db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions == ["confirmation_requested", "confirmation_refused"]


def test_a_reset_request_is_audited_and_its_mail_sent(app, users, outbox):
    post_form(app.test_client(), "/reset", {"email": "customer@example.com"}, token_from="/reset")
    assert [m.to for m in outbox] == [["customer@example.com"]]
    with app.app_context():
        entry = db.session.scalars(select(AuditLog)).one()
    assert (entry.action, entry.object_id) == ("password_reset_requested", str(users["customer"]))


# A mail server that is down, slow, or back again: tests/jobs/test_mail.py (the worker sends).
