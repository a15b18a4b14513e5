"""Sign out everywhere: every session and remember-me cookie of the account ends."""

from __future__ import annotations

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import AuditLog, UserSession
from tests.support.http import csrf_token, login


def test_sign_out_everywhere_ends_every_session_and_remember_cookie(app, users):
    here, laptop = app.test_client(), app.test_client()
    assert login(here, "staff@example.com").status_code == 302
    assert login(laptop, "staff@example.com", data={"remember": "y"}).status_code == 302
    remembered = app.test_client()
    remembered.set_cookie("remember_token", laptop.get_cookie("remember_token").value)
    assert remembered.get("/account/").status_code == 200
    page = here.get("/account/").get_data(as_text=True)
    assert "Sign out everywhere" in page

    token = csrf_token(here, "/account/")
    data = {"csrf_token": token, "confirm": "everywhere"}
    response = here.post("/account/sign-out-everywhere", data=data)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    for client in (here, laptop, remembered):
        assert client.get("/account/").status_code == 302
        assert client.get("/admin/").status_code == 302
    with app.app_context():
        live = db.session.scalars(
            select(UserSession).where(
                UserSession.user_id == users["staff"], UserSession.revoked_at.is_(None)
            )
        ).all()
        assert live == []
        actions = db.session.scalars(
            select(AuditLog.action).where(AuditLog.object_id == str(users["staff"]))
        ).all()
        assert "sign_out_everywhere" in actions
    assert login(here, "staff@example.com").status_code == 302  # signing in again works


def test_sign_out_everywhere_needs_the_csrf_token_and_the_button(app, customer_client):
    response = customer_client.post("/account/sign-out-everywhere", data={"confirm": "everywhere"})
    assert response.status_code == 400
    token = csrf_token(customer_client, "/account/")
    response = customer_client.post("/account/sign-out-everywhere", data={"csrf_token": token})
    assert response.status_code == 400
    assert customer_client.get("/account/").status_code == 200
