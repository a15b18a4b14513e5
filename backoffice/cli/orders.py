"""``python manage.py place-order`` and ``order-status``: the same services as the admin form."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from backoffice.cli.users import find_user
from backoffice.extensions import db
from backoffice.models import ORDER_STATUSES, Order, Product
from backoffice.services import audit
from backoffice.services.order_status import change_status
from backoffice.services.orders import OrderError, place_order


def _order_lines(items: tuple[str, ...]) -> list[tuple[int, int]]:
    """``SKU:QTY`` arguments as ``(product_id, quantity)`` lines (SKUs looked up at once)."""
    parsed = []
    for item in items:
        sku, _, qty = item.rpartition(":")
        if not sku or not qty.strip().isdigit():
            raise click.BadParameter(
                f"{item!r} is not SKU:QUANTITY (e.g. LAMP-01:2).", param_hint="'--item'"
            )
        parsed.append((sku.strip().upper(), int(qty)))
    skus = {sku for sku, _ in parsed}
    ids = dict(
        db.session.execute(select(Product.sku, Product.id).where(Product.sku.in_(skus))).all()
    )
    unknown = sorted(skus - ids.keys())
    if unknown:
        raise click.ClickException("no product with SKU " + ", ".join(unknown))
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
    user_id, _ = find_user(email)
    lines = _order_lines(items)
    try:
        order = place_order(user_id, lines, address)
    except OrderError as exc:
        db.session.rollback()  # stock taken for earlier lines goes back
        raise click.ClickException("\n".join(exc.messages())) from None
    db.session.commit()  # the command owns its transaction
    click.echo(f"{order} placed: {len(lines)} line(s), total {order.total}.")


@click.command("order-status")
@with_appcontext
@click.argument("order_id", type=click.IntRange(min=1, max=2**31 - 1))
@click.argument("status", type=click.Choice([s for s in ORDER_STATUSES if s != "pending"]))
@click.option("--reason", default=None, help="Told to the customer (cancelling).")
@click.option("--carrier", default=None, help="Shipping: the carrier, told to the customer.")
@click.option("--tracking-number", default=None, help="Shipping: the parcel's tracking number.")
def order_status_command(order_id, status, reason, carrier, tracking_number):
    """Move order ORDER_ID to STATUS through the status machine; the customer gets the mail."""
    before = db.session.scalar(select(Order.status).where(Order.id == order_id))
    try:
        change_status(
            order_id, status, reason=reason, carrier=carrier, tracking_number=tracking_number
        )
    except OrderError as exc:
        db.session.rollback()
        raise click.ClickException("\n".join(exc.messages())) from None
    audit.record(
        "update",
        model="Order",
        object_id=order_id,
        changes={"status": {"before": before, "after": status}},
        summary=f"Order #{order_id} {before} → {status} from the command line",
    )
    db.session.commit()  # the command owns its transaction; the mail leaves after it
    click.echo(f"Order #{order_id} is now {status}.")
