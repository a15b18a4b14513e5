"""Command-line tools: ``python manage.py create-admin``, ``seed-demo``, ..."""

from __future__ import annotations

import secrets

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import func, select

from backoffice.cli_accounts import COMMANDS as ACCOUNT_COMMANDS
from backoffice.cli_export import export
from backoffice.cli_storage import storage_cli
from backoffice.extensions import db
from backoffice.models import Product, Role, User
from backoffice.permissions import ADMIN, STAFF
from backoffice.services import accounts, audit, demo
from backoffice.services.orders import OrderError, place_order
from backoffice.services.users import (
    UserError,
    create_user,
    ensure_roles,
    normalise_email,
    set_password,
)


def _fail(exc: UserError) -> None:
    for field, message in exc.errors.items():
        click.echo(f"error: {field}: {message}", err=True)
    raise SystemExit(1)


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
        _fail(exc)
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


@click.command("seed-demo")
@with_appcontext
@click.option("--users", default=50, show_default=True, help="Customers to create.")
@click.option("--products", default=40, show_default=True)
@click.option("--books", default=60, show_default=True)
@click.option("--orders", default=200, show_default=True)
@click.option("--seed", default=42, show_default=True, help="Random seed, for repeatable data.")
@click.option("--if-empty", is_flag=True, help="Do nothing when products already exist.")
def seed_demo(users, products, books, orders, seed, if_empty):
    """Roles plus demo customers, profiles, products, books and orders, in bulk."""
    if (
        if_empty
        and db.session.scalar(select(func.count()).select_from(Role))
        and db.session.scalar(select(func.count(User.id))) > 1
    ):
        click.echo("Demo data already present; nothing to do.")
        return
    ensure_roles()
    db.session.commit()
    total = users + products + books + orders
    with click.progressbar(length=total, label="Seeding demo data", show_pos=True) as bar:
        demo.seed_demo(
            users=users,
            products=products,
            books=books,
            orders=orders,
            seed=seed,
            progress=lambda _what, n: bar.update(n),
        )
    db.session.commit()
    click.echo(
        f"Created {users:,} customers, {products:,} products, {books:,} books, {orders:,} orders."
    )
    click.echo(f"Demo customers share the password: {demo.DEMO_PASSWORD}")


def _order_lines(items: tuple[str, ...]) -> list[tuple[int, int]]:
    """``SKU:QTY`` arguments as ``(product_id, quantity)`` lines (SKUs looked up at once)."""
    parsed = []
    for item in items:
        sku, _, qty = item.rpartition(":")
        if not sku or not qty.strip().isdigit():
            raise click.BadParameter(f"{item!r} is not SKU:QUANTITY (e.g. LAMP-01:2).")
        parsed.append((sku.strip().upper(), int(qty)))
    skus = {sku for sku, _ in parsed}
    ids = dict(
        db.session.execute(select(Product.sku, Product.id).where(Product.sku.in_(skus))).all()
    )
    unknown = sorted(skus - ids.keys())
    if unknown:
        raise click.BadParameter("no product with SKU " + ", ".join(unknown))
    return [(ids[sku], qty) for sku, qty in parsed]


@click.command("place-order")
@with_appcontext
@click.argument("email")
@click.option(
    "--item", "items", multiple=True, required=True, metavar="SKU:QTY", help="Repeat per line."
)
@click.option("--address", required=True, help="Shipping address.")
def place_order_command(email, items, address):
    """Place a pending order for EMAIL: prices from the products, stock taken at once."""
    user_id = db.session.scalar(select(User.id).where(User.email == normalise_email(email)))
    if user_id is None:
        raise click.BadParameter(f"no user with email {email}", param_hint="EMAIL")
    lines = _order_lines(items)
    try:
        order = place_order(user_id, lines, address)
        db.session.commit()
    except OrderError as exc:
        db.session.rollback()
        for message in exc.messages():
            click.echo(f"error: {message}", err=True)
        raise SystemExit(1) from None
    click.echo(f"{order} placed: {len(lines)} line(s), total {order.total}.")


def init_cli(app: Flask) -> None:
    """Register the commands on the app's CLI."""
    commands = (create_admin, seed_demo, place_order_command, export, storage_cli)
    for command in (*commands, *ACCOUNT_COMMANDS):
        app.cli.add_command(command)
