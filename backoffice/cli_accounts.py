"""Account commands: ``suspend``, ``activate``, ``unlock``, ``grant-role``, ``revoke-role``.

They run the same service functions as the admin, so the same rules hold: the last
active admin can never be suspended or demoted, whoever asks.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import User
from backoffice.permissions import ROLE_PERMISSIONS
from backoffice.services import accounts, audit
from backoffice.services.users import UserError, normalise_email

_ROLE = click.Choice(sorted(ROLE_PERMISSIONS))


def _run(action: str, operation, email: str, *args, changes: dict | None = None) -> None:
    """Apply ``operation`` to the user EMAIL, audit it, commit, and say what happened."""
    try:
        address = normalise_email(email)
    except UserError as exc:
        raise click.ClickException(exc.errors["email"]) from None
    user_id = db.session.scalar(select(User.id).where(User.email == address))
    if user_id is None:
        raise click.ClickException(f"No user with the address {address}.")
    try:
        outcome = accounts.for_one(operation, None, user_id, *args)
    except accounts.AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    if outcome.changed:
        audit.record(action, model="User", object_id=user_id, changes=changes, summary="via CLI")
    db.session.commit()
    if outcome.changed:
        click.echo(f"{address}: done.")
    else:
        click.echo(f"{address}: nothing to do ({', '.join(outcome.skipped)}).")


@click.command("suspend")
@with_appcontext
@click.argument("email")
def suspend(email):
    """Suspend the user EMAIL and end their sessions."""
    _run("suspend", accounts.suspend, email)


@click.command("activate")
@with_appcontext
@click.argument("email")
def activate(email):
    """Reactivate the suspended user EMAIL."""
    _run("activate", accounts.activate, email)


@click.command("unlock")
@with_appcontext
@click.argument("email")
def unlock(email):
    """Clear the failed logins and lock of the user EMAIL."""
    _run("unlock", accounts.unlock, email)


@click.command("grant-role")
@with_appcontext
@click.argument("email")
@click.argument("role", type=_ROLE)
def grant_role(email, role):
    """Give ROLE to the user EMAIL."""
    _run("role_change", accounts.grant_role, email, role, changes={"added": role})


@click.command("revoke-role")
@with_appcontext
@click.argument("email")
@click.argument("role", type=_ROLE)
def revoke_role(email, role):
    """Take ROLE away from the user EMAIL."""
    _run("role_change", accounts.revoke_role, email, role, changes={"removed": role})


COMMANDS = (suspend, activate, unlock, grant_role, revoke_role)
