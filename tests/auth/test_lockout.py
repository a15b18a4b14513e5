"""Failed logins, lockout and generic answers, through the real login page and database."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from backoffice.auth.refusals import identity_digest
from backoffice.extensions import db
from backoffice.models import AuditLog, User
from tests.support.apps import make_app
from tests.support.factories import PASSWORD, add_user, get_user
from tests.support.http import csrf_token, login, post_form

WRONG = "not the password at all"
GENERIC = "Authentication failed - identity or password/passcode invalid"
LOCK = dict(LOCKOUT_THRESHOLD=3, LOCKOUT_MINUTES=15)


def fail(client, times: int, email: str = "customer@example.com") -> None:
    for _ in range(times):
        assert login(client, email, WRONG).status_code == 200


def audit_entries(app, action: str) -> list[AuditLog]:
    with app.app_context():
        entries = db.session.scalars(
            select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)
        ).all()
        db.session.expunge_all()
        return entries


@pytest.mark.config(**LOCK)
def test_threshold_locks_the_account_even_for_the_right_password(app, client, users, clock):
    fail(client, 2)
    user = get_user(app, "customer@example.com")
    assert (user.failed_logins, user.locked_until) == (2, None)
    fail(client, 1)
    user = get_user(app, "customer@example.com")
    assert user.failed_logins == 3
    assert user.locked_until == clock.now.replace(minute=15)
    response = login(client, "customer@example.com")
    assert response.status_code == 200
    assert GENERIC in response.get_data(as_text=True)
    assert client.get("/account/").status_code == 302
    assert [e.object_id for e in audit_entries(app, "lockout")] == [str(users["customer"])]
    reasons = [e.changes["reason"] for e in audit_entries(app, "login_failed")]
    assert reasons == ["bad_password"] * 3 + ["locked"]


@pytest.mark.config(**LOCK)
def test_lock_expires_and_a_login_then_resets_the_counter(app, client, users, clock):
    fail(client, 3)
    clock.advance(minutes=14, seconds=59)
    assert login(client, "customer@example.com").status_code == 200
    clock.advance(seconds=2)
    assert login(client, "customer@example.com").status_code == 302
    user = get_user(app, "customer@example.com")
    assert (user.failed_logins, user.locked_until) == (0, None)


@pytest.mark.config(**LOCK)
def test_a_successful_login_resets_the_count_so_failures_must_be_consecutive(
    app, client, users, clock
):
    fail(client, 2)
    assert login(client, "customer@example.com").status_code == 302
    client.post("/logout", data={"csrf_token": _token(client)})
    fail(client, 2)
    user = get_user(app, "customer@example.com")
    assert (user.failed_logins, user.locked_until) == (2, None)


@pytest.mark.config(**LOCK)
def test_failures_during_a_lock_do_not_extend_it_and_after_expiry_counting_restarts(
    app, client, users, clock
):
    fail(client, 3)
    until = get_user(app, "customer@example.com").locked_until
    clock.advance(minutes=5)
    fail(client, 2)
    assert get_user(app, "customer@example.com").locked_until == until
    clock.advance(minutes=11)
    fail(client, 1)
    user = get_user(app, "customer@example.com")
    assert (user.failed_logins, user.locked_until) == (1, None)
    assert len(audit_entries(app, "lockout")) == 1


@pytest.mark.config(**LOCK)
def test_the_lock_holds_in_a_second_app_instance_on_the_same_database(
    app, client, users, clock, migrated
):
    fail(client, 3)
    # A second worker: its own app object and connections, the same settings and secrets.
    secrets = {k: app.config[k] for k in ("SECRET_KEY", "SECURITY_PASSWORD_SALT")}
    other = make_app(migrated, CLOCK=clock, **secrets, **LOCK)
    try:
        assert login(other.test_client(), "customer@example.com").status_code == 200
        clock.advance(minutes=16)
        assert login(other.test_client(), "customer@example.com").status_code == 302
    finally:
        with other.app_context():
            db.engine.dispose()


@pytest.mark.postgres_only
@pytest.mark.config(LOCKOUT_THRESHOLD=5, LOCKOUT_MINUTES=15)
def test_concurrent_failures_are_all_counted_and_lock_exactly_once(app, users, clock):
    threads, start = 12, threading.Barrier(12)
    statuses: list[int] = []

    def attempt():
        client = app.test_client()
        token = _token(client)
        start.wait()
        response = client.post(
            "/login", data={"email": "customer@example.com", "password": WRONG, "csrf_token": token}
        )
        statuses.append(response.status_code)

    workers = [threading.Thread(target=attempt) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert statuses == [200] * threads
    user = get_user(app, "customer@example.com")
    assert user.failed_logins == threads
    assert user.locked_until == clock.now.replace(minute=15)
    assert len(audit_entries(app, "lockout")) == 1


def _token(client) -> str:
    return csrf_token(client, "/login")


# -- generic answers, real reasons for staff ---------------------------------------------


@pytest.fixture
def refusals(app, users, clock):
    """One account per reason a login can be refused."""
    add_user(app, "locked@example.com")
    add_user(app, "suspended@example.com", active=False)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "locked@example.com"))
        user.locked_until = clock.now.replace(hour=13)
        db.session.commit()
    return {
        "unknown_user": ("nobody@example.com", PASSWORD),
        "bad_password": ("customer@example.com", WRONG),
        "locked": ("locked@example.com", PASSWORD),
        "suspended": ("suspended@example.com", PASSWORD),
    }


def test_login_refusals_look_identical_and_staff_see_the_reason(app, refusals):
    pages = {}
    for reason, (email, password) in refusals.items():
        response = login(app.test_client(), email, password)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert GENERIC in page
        pages[reason] = page.count("fs-error-msg"), page.count("is-invalid")
    assert len(set(pages.values())) == 1, pages
    recorded = {e.changes["reason"] for e in audit_entries(app, "login_failed")}
    assert recorded == set(refusals)


def test_json_login_refusals_look_identical(app, refusals):
    bodies = set()
    for email, password in refusals.values():
        client = app.test_client()
        token = client.get("/login", headers={"Accept": "application/json"}).json["response"]
        response = client.post(
            "/login",
            json={"email": email, "password": password},
            headers={"X-CSRF-Token": token["csrf_token"]},
        )
        assert response.status_code == 400
        bodies.add(repr(response.json["response"]["errors"]))
    assert bodies == {repr([GENERIC])}


def test_reset_requests_look_identical_and_only_real_accounts_get_mail(app, refusals, outbox):
    for email in ("customer@example.com", "nobody@example.com", "suspended@example.com"):
        client = app.test_client()
        response = post_form(client, "/reset", {"email": email}, token_from="/reset")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert f"Instructions to reset your password have been sent to {email}" in page
    assert [m.to for m in outbox] == [["customer@example.com"]]
    reasons = {e.changes["reason"] for e in audit_entries(app, "password_reset_refused")}
    assert reasons == {"unknown_user", "suspended"}


def test_an_unknown_identity_is_written_to_the_audit_log_only_as_a_digest(app, users):
    # People type their password into the username box; it must not be stored.
    login(app.test_client(), "MySecretPassw0rd", field="username")
    login(app.test_client(), "nobody@example.com")
    entries = audit_entries(app, "login_failed")
    with app.app_context():
        expected = [identity_digest("MySecretPassw0rd"), identity_digest("nobody@example.com")]
    assert [e.changes["identity"] for e in entries] == expected
    assert [e.changes["field"] for e in entries] == ["username", "email"]
    assert "MySecretPassw0rd" not in repr([(e.changes, e.summary) for e in entries])
