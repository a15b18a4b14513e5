"""``python manage.py seed-demo``: roles plus demo customers, products, books and orders."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import Role, User
from backoffice.services import demo
from backoffice.services.users import ensure_roles


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
