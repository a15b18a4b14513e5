"""Two admins removing each other at the same moment always leave one active admin.

Each round makes a fresh pair of admins (the only ones), signs each in on an app of its
own (its own engine and connections, like two workers) and releases both requests at
once through a barrier. Whatever the interleaving, exactly one request wins and the
other gets a clear refusal: a rule message, a 403, or a sign-in page for a suspended
account. Never a 500, and never zero active admins.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import delete, func, select

from backoffice.extensions import db
from backoffice.models import Role, User
from backoffice.models.users import roles_users
from backoffice.services.accounts import has_role
from backoffice.services.locks import BUSY
from tests.support.apps import make_app
from tests.support.databases import sqlite_only, sqlite_write_lock
from tests.support.factories import add_user
from tests.support.http import csrf_token, login

ROUNDS = 10
BUDGET = 45  # seconds per race: a lock that never comes shows up as a hang, not a slow suite
REFUSALS = ("last active admin", "no longer an active admin")


def form_demote(other: dict) -> tuple[str, dict]:
    """The user edit form with the admin role unticked (account left active)."""
    data = {"email": other["email"], "username": "", "full_name": "Admin", "active": "y"}
    return f"/admin/user/edit/?id={other['id']}", dict(data, roles=[])


def bulk_demote(other: dict) -> tuple[str, dict]:
    """Bulk "Remove role: admin" on the other admin's row."""
    data = {"action": "remove_role", "scope": "selected", "rowid": [other["id"]], "role": "admin"}
    return "/admin/user/bulk/apply", data


def toggle_suspend(other: dict) -> tuple[str, dict]:
    """The status column's one-click suspend."""
    return "/admin/user/toggle-active/", {"id": other["id"]}


def form_suspend(other: dict) -> tuple[str, dict]:
    """The user edit form with "active" unticked (roles kept)."""
    data = {"email": other["email"], "username": "", "full_name": "Admin"}
    return f"/admin/user/edit/?id={other['id']}", dict(data, roles=[other["admin_role"]])


def erase(other: dict) -> tuple[str, dict]:
    """The list's row delete, which erases the account."""
    return "/admin/user/delete/", {"id": other["id"]}


RACES = [form_demote, bulk_demote, toggle_suspend, form_suspend, erase]


@pytest.fixture
def second_app(app, migrated, app_config):
    """Another app on the same database: its own engine, like a second worker process."""
    secrets = {k: app.config[k] for k in ("SECRET_KEY", "SECURITY_PASSWORD_SALT")}
    other = make_app(migrated, **app_config, **secrets)
    yield other
    with other.app_context():
        db.engine.dispose()


def fresh_pair(app, round_no: int, race: str) -> list[dict]:
    """Two new admins who are the only admins left."""
    pair = []
    for side in ("a", "b"):
        email = f"{race}-{round_no}-{side}@example.com".replace("_", "-")
        pair.append(
            {"id": add_user(app, email, roles=["admin"], full_name="Admin"), "email": email}
        )
    with app.app_context():
        admin_role = db.session.scalar(select(Role.id).where(Role.name == "admin"))
        db.session.execute(
            delete(roles_users).where(
                roles_users.c.role_id == admin_role,
                roles_users.c.user_id.not_in([p["id"] for p in pair]),
            )
        )
        db.session.commit()
    for person in pair:
        person["admin_role"] = str(admin_role)
    return pair


def active_admins(app, ids: list[int]) -> set[int]:
    """Which of ``ids`` are active admins now, read fresh."""
    with app.app_context():
        return set(
            db.session.scalars(
                select(User.id).where(User.id.in_(ids), User.active.is_(True), has_role("admin"))
            )
        )


def all_active_admins(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count(User.id)).where(User.active.is_(True), has_role("admin"))
        )


def taken_flashes(client) -> str:
    """The flash messages waiting in the client's session cookie."""
    with client.session_transaction() as session:
        return " ".join(message for _, message in session.pop("_flashes", []))


def run_round(apps, pair, race) -> list[dict]:
    """Both admins act on each other at once; what each got back."""
    clients = []
    for app, me in zip(apps, pair, strict=True):
        client = app.test_client()
        assert login(client, me["email"]).status_code == 302
        clients.append(client)
    payloads = []
    for client, other in zip(clients, reversed(pair), strict=True):
        url, data = race(other)
        payloads.append((url, dict(data, csrf_token=csrf_token(client))))
    start = threading.Barrier(2)
    results: list[dict] = [{}, {}]

    def act(i):
        url, data = payloads[i]
        start.wait()
        try:
            response = clients[i].post(url, data=data)
        except Exception as exc:  # the test client re-raises what would be a 500
            results[i] = {"status": 500, "text": repr(exc)}
            return
        results[i] = {
            "status": response.status_code,
            "location": response.headers.get("Location", ""),
            "text": response.get_data(as_text=True) + " " + taken_flashes(clients[i]),
        }

    threads = [threading.Thread(target=act, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a request hung (deadlock?)"
    return results


def refused(result: dict) -> bool:
    """A clear refusal: a rule message, forbidden, or signed out (own account suspended)."""
    if result["status"] == 403:
        return True
    if result["status"] == 302 and "/login" in result["location"]:
        return True
    return result["status"] in (200, 302) and any(r in result["text"] for r in REFUSALS)


@pytest.mark.parametrize("race", RACES, ids=lambda r: r.__name__)
def test_two_admins_removing_each_other_leave_exactly_one(app, second_app, race):
    deadline = time.monotonic() + BUDGET
    bad = []
    for round_no in range(ROUNDS):
        if time.monotonic() > deadline:
            break
        pair = fresh_pair(app, round_no, race.__name__)
        results = run_round([app, second_app], pair, race)
        ids = [p["id"] for p in pair]
        left = active_admins(app, ids)
        # Request i targets the other admin (reversed pair): it won if that one is gone.
        won = [ids[1 - i] not in left for i in range(2)]
        problems = [
            r
            for r, w in zip(results, won, strict=True)
            if r["status"] >= 500 or (not w and not refused(r))
        ]
        if len(left) != 1 or problems or all_active_admins(app) < 1:
            got = [(r["status"], r.get("location"), r["text"][-200:]) for r in problems]
            bad.append({"round": round_no, "admins left": len(left), "won": won, "bad": got})
    assert not bad, f"{len(bad)}/{round_no + 1} rounds went wrong: {bad[:2]}"


@sqlite_only
@pytest.mark.config(SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"timeout": 0.2}})
def test_a_busy_sqlite_database_is_a_refusal_not_a_500(app, migrated, users):
    second = add_user(app, "admin2@example.com", roles=["admin"], full_name="Admin")
    client = app.test_client()
    assert login(client, "admin@example.com").status_code == 302
    token = csrf_token(client)
    demote = {"email": "admin2@example.com", "username": "", "full_name": "Admin", "active": "y"}
    with sqlite_write_lock(migrated):
        response = client.post(
            f"/admin/user/edit/?id={second}", data=dict(demote, roles=[], csrf_token=token)
        )
        assert response.status_code == 200
        assert BUSY in response.get_data(as_text=True)
        response = client.post(
            "/admin/user/toggle-active/", data={"id": second, "csrf_token": token}
        )
        assert response.status_code == 302
        assert BUSY in taken_flashes(client)
        response = client.post("/admin/user/delete/", data={"id": second, "csrf_token": token})
        assert response.status_code == 302
        assert BUSY in taken_flashes(client)
    assert active_admins(app, [users["admin"], second]) == {users["admin"], second}
