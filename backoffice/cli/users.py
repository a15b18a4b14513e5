"""Account commands: ``create-admin``, ``suspend``, ``activate``, ``unlock``, ``grant-role``,
``revoke-role``, ``tf-reset``.

They run the same service functions as the admin, so the same rules hold: the last
active admin can never be suspended or demoted, whoever asks.
"""

from __future__ import annotations

import secrets

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import User
from backoffice.permissions import ADMIN, ROLE_PERMISSIONS, STAFF
from backoffice.services import accounts, audit, second_factor
from backoffice.services.users import (
    UserError,
    create_user,
    ensure_roles,
    normalise_email,
    set_password,
)

_ROLE = click.Choice(sorted(ROLE_PERMISSIONS))


def refused(exc: UserError) -> click.ClickException:
    """``exc`` as the commands' error: a ``field: message`` line per field, exit status 1."""
    return click.ClickException("\n".join(f"{f}: {m}" for f, m in exc.errors.items()))


def find_user(email: str) -> tuple[int, str]:
    """The id and normalised address of the user EMAIL (ClickException if there is none)."""
    try:
        address = normalise_email(email)
    except UserError as exc:
        raise refused(exc) from None
    user_id = db.session.scalar(select(User.id).where(User.email == address))
    if user_id is None:
        raise click.ClickException(f"No user with the address {address}.")
    return user_id, address


def _run(action: str, operation, email: str, *args, changes: dict | None = None) -> None:
    """Apply ``operation`` to the user EMAIL, audit it, commit, and say what happened."""
    user_id, address = find_user(email)
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


@click.command("create-admin")
@with_appcontext
@click.argument("email")
@click.option("--password", help="Password; prompted for (hidden) when omitted.")
@click.option("--generate-password", is_flag=True, help="Generate a strong password and print it.")
@click.option("--role", type=click.Choice([ADMIN, STAFF]), default=ADMIN, show_default=True)
@click.option(
    "--reset", is_flag=True, help="If the user exists, grant the role and set the password."
)
def create_admin(email, password, generate_password, role, reset):
    """Create an admin (or staff) user EMAIL, or with --reset update an existing one."""
    if generate_password:
        password = secrets.token_urlsafe(15)
    elif not password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        ensure_roles()
        existing = db.session.scalar(select(User).where(User.email == normalise_email(email)))
        if existing is not None:
            if not reset:
                raise UserError({"email": f"{existing.email} exists; use --reset to update it."})
            _reset_account(existing, password, role)
            user = existing
        else:
            user = create_user(email, password, roles=[role], full_name=role.capitalize())
        db.session.commit()
    except UserError as exc:
        db.session.rollback()
        raise refused(exc) from None
    click.echo(f"{role.capitalize()} login: {user.email}")
    if generate_password:
        click.echo(f"Password: {password}")


def _reset_account(user: User, password: str, role: str) -> None:
    """``create-admin --reset``: new password (ending every session), active, with ``role``.

    Activation and the role go through the account service, like every other change
    to an account, so its rules (an erased account stays closed) and audit hold here too.
    """
    set_password(user, password, via="cli")
    for operation, args, action in (
        (accounts.activate, (), "activate"),
        (accounts.grant_role, (role,), "role_change"),
    ):
        try:
            outcome = accounts.for_one(operation, None, user.id, *args)
        except accounts.AccountError as exc:
            raise UserError({"email": str(exc)}) from None
        if outcome.changed:
            changes = {"added": role} if args else None
            audit.record(
                action, model="User", object_id=user.id, changes=changes, summary="via CLI"
            )


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


@click.command("tf-reset")
@with_appcontext
@click.argument("email")
def tf_reset(email):
    """Remove the second factor of the user EMAIL (authenticator, recovery codes, passkeys)
    and end their sessions; staff set up a new one at their next sign-in."""
    _run("tf_reset", second_factor.reset, email)


COMMANDS = (create_admin, suspend, activate, unlock, grant_role, revoke_role, tf_reset)
