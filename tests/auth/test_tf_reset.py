"""Resetting another user's second factor: admin button and ``manage.py tf-reset``.

Only admins, never one's own, audited; the user's sessions end and staff enrol again.
"""

from __future__ import annotations

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import AuditLog, User, UserSession
from tests.support.factories import add_user, get_user
from tests.support.http import login, post_form


def reset_button(client, user_id: int):
    return post_form(
        client,
        "/admin/user/tf-reset/",
        {"id": str(user_id), "url": "/admin/user/"},
        token_from="/admin/user/",
    )


def live_sessions(app, user_id: int) -> int:
    with app.app_context():
        rows = db.session.scalars(
            select(UserSession).where(
                UserSession.user_id == user_id, UserSession.revoked_at.is_(None)
            )
        ).all()
        return len(rows)


def resets(app) -> list[AuditLog]:
    with app.app_context():
        rows = db.session.scalars(select(AuditLog).where(AuditLog.action == "tf_reset")).all()
        db.session.expunge_all()
        return rows


def test_an_admin_resets_a_staff_members_second_factor(app, admin_client, users):
    staff = app.test_client()
    assert login(staff, "staff@example.com").status_code == 302
    assert staff.get("/admin/").status_code == 200
    listing = admin_client.get("/admin/user/").get_data(as_text=True)
    assert "Second factor" in listing
    assert "/admin/user/tf-reset/" in listing

    response = reset_button(admin_client, users["staff"])
    assert response.status_code == 302

    user = get_user(app, "staff@example.com")
    assert (user.tf_primary_method, user.tf_totp_secret) == (None, None)
    assert not user.mf_recovery_codes
    assert live_sessions(app, users["staff"]) == 0
    assert staff.get("/admin/").status_code == 302  # signed out
    assert login(staff, "staff@example.com", second_factor=False).headers["Location"] == "/tf-setup"
    (entry,) = resets(app)
    assert entry.object_id == str(users["staff"])


def test_nobody_resets_their_own_and_staff_reset_nobody(app, admin_client, users):
    reset_button(admin_client, users["admin"])
    assert get_user(app, "admin@example.com").tf_primary_method == "authenticator"
    staff = app.test_client()
    assert login(staff, "staff@example.com").status_code == 302
    assert reset_button(staff, users["customer"]).status_code == 403
    assert resets(app) == []


def test_the_command_line_resets_and_audits(app, users):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tf-reset", "Admin@Example.com"])
    assert result.exit_code == 0, result.output
    assert "admin@example.com: done." in result.output
    assert get_user(app, "admin@example.com").tf_primary_method is None
    result = runner.invoke(args=["tf-reset", "admin@example.com"])
    assert "nothing to do (no second factor)" in result.output
    result = runner.invoke(args=["tf-reset", "nobody@example.com"])
    assert result.exit_code == 1
    assert len(resets(app)) == 1


def test_a_customer_reset_turns_their_optional_second_factor_off(app, admin_client):
    uid = add_user(app, "careful@example.com", second_factor=True)
    assert reset_button(admin_client, uid).status_code == 302
    with app.app_context():
        assert db.session.get(User, uid).tf_primary_method is None
    client = app.test_client()
    assert login(client, "careful@example.com", second_factor=False).status_code == 302
    assert client.get("/account/").status_code == 200
