"""``python manage.py api-key create|list|revoke``: keys for the REST API's integrations."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from backoffice.extensions import db
from backoffice.services.api_keys import (
    MAX_EXPIRY_DAYS,
    SCOPES,
    ApiKeyError,
    create_key,
    key_state,
    list_keys,
    revoke_key,
)


@click.group("api-key")
def api_key_cli() -> None:
    """Create, list and revoke REST API keys."""


@api_key_cli.command("create")
@with_appcontext
@click.argument("name")
@click.option(
    "--scope", "scopes", multiple=True, required=True, type=click.Choice(SCOPES),
    help="Repeat for several scopes.",
)  # fmt: skip
@click.option(
    "--expires", "days", type=click.IntRange(1, MAX_EXPIRY_DAYS), default=None,
    help="Days until the key expires (default: never).",
)  # fmt: skip
def create(name: str, scopes: tuple[str, ...], days: int | None) -> None:
    """Create the key NAME and print it once: it is stored only as a hash."""
    try:
        key, raw = create_key(name, scopes, expires_in_days=days)
    except ApiKeyError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()  # the command owns its transaction
    expiry = key.expires_at.strftime("%Y-%m-%d %H:%M UTC") if key.expires_at else "never"
    click.echo(f"API key {key.name} created (scopes: {' '.join(key.scopes)}; expires: {expiry}).")
    click.echo("Copy it now, it will not be shown again:")
    click.echo(raw)


@api_key_cli.command("list")
@with_appcontext
def list_command() -> None:
    """Every key: name, prefix, state, scopes, expiry and last use (never the key)."""
    keys = list_keys()
    if not keys:
        click.echo("No API keys.")
        return
    for key in keys:
        used = (
            f"{key.last_used_at:%Y-%m-%d %H:%M} from {key.last_used_ip}"
            if key.last_used_at
            else "never"
        )
        expires = f"{key.expires_at:%Y-%m-%d}" if key.expires_at else "never"
        click.echo(
            f"{key.name}\tbo_{key.prefix}_…\t{key_state(key)}\t{' '.join(key.scopes)}"
            f"\texpires {expires}\tlast used {used}"
        )


@api_key_cli.command("revoke")
@with_appcontext
@click.argument("name")
def revoke(name: str) -> None:
    """Revoke the key NAME: refused from its next request on."""
    try:
        key = revoke_key(name)
    except ApiKeyError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"API key {key.name} revoked.")
