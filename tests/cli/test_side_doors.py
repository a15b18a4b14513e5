"""No command-line side door around the account rules.

Every command that changes an account must go through ``services.accounts`` (rules:
the last active admin stays, erased accounts stay closed; every change audited).
Flask-Security's own ``users`` and ``roles`` groups do not, so they are switched off,
and a new command has to be classified here before the suite passes.
"""

from __future__ import annotations

import pytest
from flask.cli import FlaskGroup, ScriptInfo
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import AuditLog, User
from backoffice.services.erasure import erase_user
from tests.support.factories import PASSWORD, add_user, get_user
from tests.support.http import login, post_form

#: Commands that change accounts, each through services.accounts / services.users.
ACCOUNT_COMMANDS = {"create-admin", "suspend", "activate", "unlock", "grant-role", "revoke-role"}
ACCOUNT_COMMANDS |= {"tf-reset"}  # through services.second_factor, on the account rules
#: Commands that do not touch accounts (or, like seed-demo, only create demo customers).
OTHER_COMMANDS = {"db", "run", "shell", "routes", "seed-demo", "place-order", "export", "storage"}
OTHER_COMMANDS |= {"limiter"}  # Flask-Limiter's: shows and clears rate-limit counters
OTHER_COMMANDS |= {"worker"}  # runs background jobs (backoffice/cli/jobs.py)
OTHER_COMMANDS |= {"api-key"}  # REST API keys, not accounts (backoffice/cli/api_keys.py)
OTHER_COMMANDS |= {"openapi"}  # flask-smorest's: prints or writes the OpenAPI document
OTHER_COMMANDS |= {"order-status"}  # moves an order through services.order_status
OTHER_COMMANDS |= {"import"}  # products, books and stock from a file (backoffice/cli/imports.py)


def cli_commands(app) -> set[str]:
    """Every top-level command ``python manage.py`` offers for this app (plugins included)."""
    group = FlaskGroup(create_app=lambda: app)
    with group.make_context(
        "manage.py", [], obj=ScriptInfo(create_app=lambda: app), resilient_parsing=True
    ) as ctx:
        return set(group.list_commands(ctx))


def test_every_command_is_classified(app, monkeypatch):
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "")  # FlaskGroup sets it; restored afterwards
    commands = cli_commands(app)
    assert "users" not in commands
    assert "roles" not in commands
    unknown = commands - ACCOUNT_COMMANDS - OTHER_COMMANDS
    assert not unknown, f"classify these commands in {__name__}: {sorted(unknown)}"


@pytest.mark.parametrize(
    "args",
    [
        ["roles", "remove", "admin@example.com", "admin"],
        ["users", "deactivate", "admin@example.com"],
    ],
)
def test_flask_security_groups_are_gone(app, users, args):
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code != 0
    assert "No such command" in result.output
    assert [r.name for r in get_user(app, "admin@example.com").roles] == ["admin"]


@pytest.mark.parametrize(
    "args",
    [
        ["revoke-role", "admin@example.com", "admin"],
        ["suspend", "admin@example.com"],
    ],
)
def test_account_commands_keep_the_last_admin(app, users, args):
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 1
    assert "last active admin" in result.output
    admin = get_user(app, "admin@example.com")
    assert admin.active
    assert [r.name for r in admin.roles] == ["admin"]


def test_create_admin_reset_ends_open_sessions(app, users):
    device = app.test_client()
    assert login(device, "admin@example.com").status_code == 302
    assert device.get("/admin/").status_code == 200
    remembered = app.test_client()
    form = {"email": "admin@example.com", "password": PASSWORD, "remember": "y"}
    assert post_form(remembered, "/login", form).status_code == 302

    new_password = "another quite long admin passphrase"
    result = app.test_cli_runner().invoke(
        args=["create-admin", "admin@example.com", "--password", new_password, "--reset"]
    )
    assert result.exit_code == 0, result.output

    assert device.get("/admin/").status_code == 302  # the copy of the session is dead
    remembered.delete_cookie("session")
    assert remembered.get("/admin/").status_code == 302  # and so is remember-me
    fresh = app.test_client()
    assert login(fresh, "admin@example.com", PASSWORD).status_code == 200  # old one refused
    assert login(fresh, "admin@example.com", new_password).status_code == 302


def test_create_admin_reset_goes_through_the_account_service(app, users):
    customer = users["customer"]
    runner = app.test_cli_runner()
    assert runner.invoke(args=["suspend", "customer@example.com"]).exit_code == 0
    result = runner.invoke(
        args=["create-admin", "customer@example.com", "--generate-password", "--reset"]
    )
    assert result.exit_code == 0, result.output
    user = get_user(app, "customer@example.com")
    assert user.active
    assert [r.name for r in user.roles] == ["admin"]
    with app.app_context():
        actions = db.session.scalars(
            select(AuditLog.action).where(AuditLog.object_id == str(customer)).order_by(AuditLog.id)
        ).all()
    assert actions[-3:] == ["password_change", "activate", "role_change"]


def test_create_admin_reset_refuses_an_erased_account(app, users):
    add_user(app, "gone@example.com")
    runner = app.test_cli_runner()
    with app.app_context():
        erase_user(None, db.session.scalar(select(User).where(User.email == "gone@example.com")))
        db.session.commit()
        email = db.session.scalar(select(User.email).where(User.email.like("deleted-%")))
    result = runner.invoke(args=["create-admin", email, "--generate-password", "--reset"])
    assert result.exit_code == 1  # its placeholder address is not one anybody can use
    assert not get_user(app, email).active
