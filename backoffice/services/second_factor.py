"""Second factors: enrol an authenticator for a user, and reset one (admin or CLI).

Sign-in, setup pages and code checks are Flask-Security's (see ``backoffice.auth``);
these are the operations other doors need. Nothing here commits.

A reset follows the account rules (``services.accounts``): only admins, never one's own
second factor (an admin who lost theirs asks another admin, or uses the command line),
and staff never touch an admin's account. It removes the authenticator, the recovery
codes and every passkey, and ends every session and remember-me cookie of the user
(new uniquifier): they sign in again and, if staff, set up a new second factor.
"""

from __future__ import annotations

from sqlalchemy import Select, delete, exists, or_, select, update

from backoffice import clock
from backoffice.extensions import current_security, db
from backoffice.models import User, WebAuthn
from backoffice.models.users import rotated_uniquifier_sql
from backoffice.services import accounts, sessions
from backoffice.services.counts import count_rows
from backoffice.services.outcome import Outcome

AUTHENTICATOR = "authenticator"
NOTHING_SET_UP = "no second factor"


def new_authenticator_secret() -> str:
    """A fresh TOTP secret, encrypted with SECURITY_TOTP_SECRETS as Flask-Security stores it."""
    return current_security().totp_factory.generate_totp_secret()


def enrol_authenticator(user: User, totp_secret: str | None = None) -> str:
    """Give ``user`` an authenticator second factor (seeding, tests); return its secret."""
    secret = totp_secret or new_authenticator_secret()
    current_security().datastore.tf_set(user, AUTHENTICATOR, totp_secret=secret)
    return secret


def has_second_factor():
    """SQL condition: the user has an authenticator, recovery codes or a passkey."""
    return or_(
        User.tf_totp_secret.is_not(None),
        User.mf_recovery_codes.is_not(None),
        exists().where(WebAuthn.user_id == User.id),
    )


def reset(actor, targets: Select) -> Outcome:
    """Remove the second factor of the targets and end all their sessions (admins only)."""
    accounts.require(actor, "users.write")
    outcome = Outcome()
    rows = accounts.eligible(targets, accounts.blocked(actor, targets, drops_admin=False), outcome)
    outcome.skip(NOTHING_SET_UP, count_rows(select(User.id).where(rows, ~has_second_factor())))
    ids = list(db.session.scalars(select(User.id).where(rows, has_second_factor())))
    if not ids:
        return outcome
    now = clock.now()
    sessions.revoke_users(select(User.id).where(User.id.in_(ids)), now)
    db.session.execute(delete(WebAuthn).where(WebAuthn.user_id.in_(ids)))
    outcome.changed = db.session.execute(
        update(User)
        .where(User.id.in_(ids))
        .values(
            tf_primary_method=None,
            tf_totp_secret=None,
            mf_recovery_codes=None,
            fs_webauthn_user_handle=None,
            fs_uniquifier=rotated_uniquifier_sql(),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    return outcome
