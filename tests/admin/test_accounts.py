"""Suspension, unlock and roles through every path: toggle, bulk actions, form, delete, CLI."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import AuditLog, User
from backoffice.services import accounts
from tests.support.factories import PASSWORD, add_user, get_user
from tests.support.http import csrf_token, login


def post(client, url: str, data: dict):
    return client.post(url, data=dict(data, csrf_token=csrf_token(client)))


def flashes(client, response) -> str:
    return client.get(response.headers["Location"]).get_data(as_text=True)


def bulk(client, action: str, ids=(), scope="selected", query="", **params):
    data = {"action": action, "scope": scope, "rowid": [str(i) for i in ids], **params}
    return post(client, f"/admin/user/bulk/apply{query}", data)


def state(app, email: str) -> tuple[bool, list[str]]:
    user = get_user(app, email)
    return user.active, user.role_names


@pytest.fixture
def second_admin(app, users):
    return add_user(app, "admin2@example.com", roles=["admin"], full_name="Second Admin")


# -- suspension ends sessions -------------------------------------------------------------


def test_suspending_ends_a_live_session_on_its_next_request(app, admin_client, users):
    victim = app.test_client()
    assert login(victim, "customer@example.com").status_code == 302
    assert victim.get("/account/").status_code == 200
    response = post(admin_client, "/admin/user/toggle-active/", {"id": users["customer"]})
    assert response.status_code == 302
    assert victim.get("/account/").status_code == 302
    assert login(app.test_client(), "customer@example.com").status_code == 200
    assert state(app, "customer@example.com")[0] is False


def test_suspending_kills_the_remember_me_cookie(app, admin_client, users):
    victim = app.test_client()
    response = post(
        victim, "/login", {"email": "customer@example.com", "password": PASSWORD, "remember": "y"}
    )
    assert response.status_code == 302
    remember = victim.get_cookie("remember_token")
    assert remember is not None
    victim.delete_cookie("session")  # the browser restarts: only the cookie is left
    assert victim.get("/account/").status_code == 200  # the cookie logs the user back in
    victim.delete_cookie("session")
    post(admin_client, "/admin/user/toggle-active/", {"id": users["customer"]})
    post(admin_client, "/admin/user/toggle-active/", {"id": users["customer"]})  # reactivated
    assert state(app, "customer@example.com")[0] is True
    assert victim.get("/account/").status_code == 302  # the old cookie no longer works


def test_toggle_audits_and_reactivates(app, admin_client, users):
    post(admin_client, "/admin/user/toggle-active/", {"id": users["customer"]})
    post(admin_client, "/admin/user/toggle-active/", {"id": users["customer"]})
    with app.app_context():
        actions = db.session.scalars(
            select(AuditLog.action).where(AuditLog.object_id == str(users["customer"]))
        ).all()
    assert actions[-2:] == ["suspend", "activate"]
    assert login(app.test_client(), "customer@example.com").status_code == 302


def test_the_list_shows_status_toggles_lock_state_and_failed_logins(app, admin_client, users):
    with app.app_context():
        user = db.session.get(User, users["customer"])
        user.failed_logins = 4
        user.locked_until = user.created_at.replace(year=2099)
        db.session.commit()
    page = admin_client.get("/admin/user/").get_data(as_text=True)
    assert page.count('action="/admin/user/toggle-active/"') == 3
    assert "Locked until 2099-" in page
    assert 'action="/admin/user/unlock/"' in page
    assert re.search(r">\s*4\s*<", page)


# -- self and last-admin protection, on every path ------------------------------------------


def test_toggle_refuses_yourself(app, admin_client, users):
    response = post(admin_client, "/admin/user/toggle-active/", {"id": users["admin"]})
    assert "cannot do that to your own account" in flashes(admin_client, response)
    assert state(app, "admin@example.com")[0] is True


def test_form_refuses_suspending_or_demoting_yourself(app, admin_client, users):
    url = f"/admin/user/edit/?id={users['admin']}"
    base = {"email": "admin@example.com", "username": "", "full_name": "Ada Admin"}
    response = post(admin_client, url, dict(base, roles=[]))
    assert response.status_code == 200
    assert "cannot do that to your own account" in response.get_data(as_text=True)
    response = post(admin_client, url, dict(base, active="", roles=[]))
    assert response.status_code == 200
    assert state(app, "admin@example.com") == (True, ["admin"])


def test_form_suspends_and_demotes_others_and_audits(app, admin_client, users, second_admin):
    url = f"/admin/user/edit/?id={second_admin}"
    data = {"email": "admin2@example.com", "username": "", "full_name": "Second Admin", "roles": []}
    assert post(admin_client, url, data).status_code == 302  # active unticked, admin removed
    assert state(app, "admin2@example.com") == (False, [])
    with app.app_context():
        actions = set(
            db.session.scalars(
                select(AuditLog.action).where(AuditLog.object_id == str(second_admin))
            )
        )
    assert {"suspend", "role_change"} <= actions


def test_row_delete_refuses_yourself(app, admin_client, users):
    response = admin_client.post(
        "/admin/user/delete/",
        data={"id": users["admin"], "csrf_token": csrf_token(admin_client)},
        follow_redirects=True,
    )
    assert "cannot do that to your own account" in response.get_data(as_text=True)
    assert get_user(app, "admin@example.com").erased_at is None


def test_bulk_actions_report_skips_by_reason(app, admin_client, users, second_admin):
    ids = [users["admin"], second_admin, users["customer"], users["staff"]]
    response = bulk(admin_client, "suspend", ids)
    page = flashes(admin_client, response)
    assert "Suspend: 3 changed, 1 skipped (1 your own account)." in page
    response = bulk(admin_client, "suspend", ids)
    assert "Suspend: 0 changed, 4 skipped (3 already suspended, 1 your own account)." in (
        flashes(admin_client, response)
    )
    response = bulk(admin_client, "activate", ids)
    assert "Activate: 3 changed, 1 skipped (1 already active)." in flashes(admin_client, response)


def test_bulk_roles_on_all_matching_a_filter(app, admin_client, users, second_admin):
    response = bulk(
        admin_client, "remove_role", scope="all", query="?flt0_role_equals=admin", role="admin"
    )
    assert "Remove role: 1 changed, 1 skipped (1 your own account)." in flashes(
        admin_client, response
    )
    assert state(app, "admin2@example.com") == (True, [])
    response = bulk(admin_client, "add_role", [users["customer"], users["staff"]], role="staff")
    assert "Add role: 1 changed, 1 skipped (1 already staff)." in flashes(admin_client, response)
    assert state(app, "customer@example.com") == (True, ["staff"])


def test_bulk_role_needs_a_valid_role(app, admin_client, users):
    response = bulk(admin_client, "add_role", [users["customer"]], role="superuser")
    assert response.status_code == 400
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert state(app, "customer@example.com") == (True, [])


def test_the_last_active_admin_survives_every_service_path(app, users):
    only = [users["admin"]]
    with app.app_context():
        for operation, args in (
            (accounts.suspend, ()),
            (accounts.revoke_role, ("admin",)),
        ):
            outcome = operation(None, accounts.ids_of(*only), *args)
            assert (outcome.changed, dict(outcome.skipped)) == (0, {"last active admin": 1})
        db.session.rollback()
    assert state(app, "admin@example.com") == (True, ["admin"])


@pytest.mark.parametrize("command", ["suspend", "revoke-role"])
def test_cli_refuses_the_last_active_admin(app, users, command):
    args = [command, "admin@example.com"] + (["admin"] if command == "revoke-role" else [])
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 1
    assert "last active admin" in result.output
    assert state(app, "admin@example.com") == (True, ["admin"])


@pytest.mark.parametrize(
    "args",
    [
        ["users", "deactivate", "admin@example.com"],
        ["roles", "remove", "admin@example.com", "admin"],
    ],
)
def test_flask_securitys_own_cli_groups_that_bypass_the_rules_are_not_offered(app, users, args):
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 2, result.output
    assert "No such command" in result.output
    assert state(app, "admin@example.com") == (True, ["admin"])


def test_cli_account_commands(app, users, second_admin):
    runner = app.test_cli_runner()
    for args, expected in (
        (["suspend", "ADMIN2@example.com"], (False, ["admin"])),
        (["activate", "admin2@example.com"], (True, ["admin"])),
        (["revoke-role", "admin2@example.com", "admin"], (True, [])),
        (["grant-role", "admin2@example.com", "staff"], (True, ["staff"])),
    ):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
        assert state(app, "admin2@example.com") == expected
    result = runner.invoke(args=["suspend", "nobody@example.com"])
    assert result.exit_code == 1
    assert "No user" in result.output


def test_cli_unlock(app, users, clock):
    with app.app_context():
        user = db.session.get(User, users["customer"])
        user.failed_logins, user.locked_until = 5, clock.now.replace(year=2099)
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["unlock", "customer@example.com"])
    assert result.exit_code == 0, result.output
    assert login(app.test_client(), "customer@example.com").status_code == 302


@pytest.mark.postgres_only
def test_two_admins_suspending_each_other_at_once_leave_one_active(app, users, second_admin):
    """The second transaction waits on the first's row locks and then sees its change."""
    first_done, results = threading.Event(), {}
    release = threading.Event()

    def run(name, actor_id, target_id, wait_before_commit):
        with app.app_context():
            actor = db.session.get(User, actor_id)
            try:
                results[name] = accounts.suspend(actor, accounts.ids_of(target_id)).changed
            except accounts.AccountError as exc:
                results[name] = str(exc)
            if wait_before_commit:
                first_done.set()
                release.wait(5)
            db.session.commit()

    a = threading.Thread(target=run, args=("a", users["admin"], second_admin, True))
    a.start()
    assert first_done.wait(5)
    b = threading.Thread(target=run, args=("b", second_admin, users["admin"], False))
    b.start()
    b.join(0.5)
    assert b.is_alive()  # blocked on the row lock held by a
    release.set()
    a.join()
    b.join()
    assert results["a"] == 1
    assert results["b"] != 1
    assert [state(app, e)[0] for e in ("admin@example.com", "admin2@example.com")] == [True, False]


# -- staff versus admin -----------------------------------------------------------------------


def test_staff_only_unlock_and_never_an_admin(app, staff_client, users, clock):
    with app.app_context():
        for uid in (users["customer"], users["admin"]):
            user = db.session.get(User, uid)
            user.failed_logins, user.locked_until = 5, clock.now.replace(year=2099)
        db.session.commit()
    page = staff_client.get("/admin/user/").get_data(as_text=True)
    assert "toggle-active" not in page
    assert page.count('action="/admin/user/unlock/"') == 1  # the customer's, not the admin's
    actions = re.search(r'<select[^>]*name="action".*?</select>', page, re.S).group(0)
    offered = re.findall(r'<option value="(\w+)">', actions)
    # Staff may read users, so they may also export them (read-only actions).
    assert offered == ["unlock", "export_csv", "export_csv_bom"]
    response = bulk(staff_client, "unlock", [users["customer"], users["admin"]])
    assert "Unlock: 1 changed, 1 skipped (1 admin account)." in flashes(staff_client, response)
    assert get_user(app, "admin@example.com").failed_logins == 5
    response = post(staff_client, "/admin/user/unlock/", {"id": users["admin"]})
    assert "Only admins can change an admin" in flashes(staff_client, response)


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/admin/user/toggle-active/", {"id": "customer"}),
        ("/admin/user/bulk/apply", {"action": "suspend", "scope": "all"}),
        ("/admin/user/bulk/apply", {"action": "add_role", "scope": "all", "role": "admin"}),
        ("/admin/user/bulk/apply", {"action": "remove_role", "scope": "all", "role": "staff"}),
        ("/admin/user/delete/", {"id": "customer"}),
    ],
)
def test_staff_cannot_suspend_change_roles_or_delete(app, staff_client, users, url, data):
    data = {k: users.get(v, v) for k, v in data.items()}
    assert post(staff_client, url, data).status_code == 403
    assert state(app, "customer@example.com") == (True, [])
    assert state(app, "staff@example.com") == (True, ["staff"])


def test_customers_reach_none_of_it(app, customer_client, users):
    for url in ("/admin/user/toggle-active/", "/admin/user/unlock/"):
        assert post(customer_client, url, {"id": users["customer"]}).status_code == 403
