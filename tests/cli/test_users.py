"""``python manage.py create-admin``, through Flask's CLI runner."""

from __future__ import annotations

from tests.support.factories import get_user
from tests.support.http import login


def test_create_admin_with_password(app, client):
    result = app.test_cli_runner().invoke(
        args=["create-admin", "Boss@Example.com", "--password", "a long admin passphrase"]
    )
    assert result.exit_code == 0, result.output
    assert "Admin login: boss@example.com" in result.output
    user = get_user(app, "boss@example.com")
    assert [r.name for r in user.roles] == ["admin"]
    assert user.profile is not None
    assert login(client, "boss@example.com", "a long admin passphrase").status_code == 302
    assert client.get("/admin/").status_code == 200


def test_create_admin_prompts_for_the_password(app):
    result = app.test_cli_runner().invoke(
        args=["create-admin", "p@example.com"], input="typed passphrase ok\ntyped passphrase ok\n"
    )
    assert result.exit_code == 0, result.output
    assert "typed passphrase ok" not in result.output
    assert get_user(app, "p@example.com") is not None


def test_create_admin_refuses_weak_password_and_duplicates(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-admin", "w@example.com", "--password", "short"])
    assert result.exit_code == 1
    assert "at least 12 characters" in result.output
    assert get_user(app, "w@example.com") is None
    runner.invoke(args=["create-admin", "w@example.com", "--generate-password"])
    result = runner.invoke(args=["create-admin", "w@example.com", "--generate-password"])
    assert result.exit_code == 1
    assert "--reset" in result.output


def test_create_admin_reset_prints_new_password(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["create-admin", "r@example.com", "--generate-password"])
    result = runner.invoke(args=["create-admin", "r@example.com", "--generate-password", "--reset"])
    assert result.exit_code == 0
    password = result.output.split("Password: ")[1].strip()
    assert login(app.test_client(), "r@example.com", password).status_code == 302
