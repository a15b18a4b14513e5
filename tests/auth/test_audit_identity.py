"""What was typed into an identity field never reaches the audit log: only a keyed digest."""

from __future__ import annotations

import re

from sqlalchemy import select

from backoffice.auth.refusals import identity_digest
from backoffice.extensions import db
from backoffice.models import AuditLog
from tests.support.http import login, post_form

DIGEST = re.compile(r"^[0-9a-f]{16}$")


def audit_rows(app) -> list[tuple[str, dict | None, str | None]]:
    with app.app_context():
        entries = db.session.scalars(select(AuditLog).order_by(AuditLog.id)).all()
        return [(e.action, e.changes, e.summary) for e in entries]


def refused(app, action: str) -> list[dict]:
    return [changes for a, changes, _ in audit_rows(app) if a == action]


def test_unknown_identities_are_stored_as_digests_that_match_across_tries(app, users):
    login(app.test_client(), "MySecretPassw0rd", field="username")
    login(app.test_client(), "Nobody@Example.com")
    login(app.test_client(), "NOBODY@example.com")
    login(app.test_client(), "someone.else@example.com")
    identities = [c["identity"] for c in refused(app, "login_failed")]
    assert all(DIGEST.match(i) for i in identities)
    # The same address however typed is one digest; another address is another.
    assert identities[1] == identities[2] != identities[3]
    with app.app_context():
        assert identities[0] == identity_digest("mysecretpassw0rd")
        assert identities[1] == identity_digest("nobody@example.com")
    stored = repr(audit_rows(app)).lower()
    for typed in ("mysecretpassw0rd", "nobody", "someone.else"):
        assert typed not in stored


def test_reset_and_confirm_store_the_digest_not_the_address(app, users):
    post_form(app.test_client(), "/reset", {"email": "ghost@example.com"}, token_from="/reset")
    post_form(app.test_client(), "/confirm", {"email": "ghost@example.com"}, token_from="/confirm")
    with app.app_context():
        digest = identity_digest("ghost@example.com")
    for action in ("password_reset_refused", "confirmation_refused"):
        assert refused(app, action) == [
            {"reason": "unknown_user", "field": "email", "identity": digest}
        ]
    assert "ghost" not in repr(audit_rows(app))


def test_the_digest_is_keyed_by_the_secret_key(app):
    with app.app_context():
        first = identity_digest("nobody@example.com")
        app.config["SECRET_KEY"] = "another secret key entirely"
        assert identity_digest("nobody@example.com") != first


def test_a_lone_surrogate_sent_to_reset_cannot_break_the_audit_log(app, admin_client, users):
    # Once stored as typed, "\ud800" made /admin/auditlog/ answer 500 (UnicodeEncodeError).
    anonymous = app.test_client()
    token = anonymous.get("/reset", headers={"Accept": "application/json"}).json["response"]
    response = anonymous.post(
        "/reset",
        json={"email": "\ud800@example.com"},
        headers={"X-CSRF-Token": token["csrf_token"]},
    )
    assert response.status_code < 500
    assert "\ud800" not in repr(audit_rows(app))
    assert admin_client.get("/admin/auditlog/").status_code == 200
    export = admin_client.get("/admin/auditlog/export/csv/")
    assert export.status_code == 200
    # Whether the edge refused it (400) or it was audited, the export runs to its end.
    assert len(export.data.decode().splitlines()) == len(audit_rows(app)) + 1
    with app.app_context():
        assert DIGEST.match(identity_digest("\ud800@example.com"))
