"""Placing orders: prices from the products, stock taken atomically, all or nothing.

``place_order`` is the only way an order comes into being (admin form, CLI, tests).
Stock is taken with one conditional UPDATE per line::

    UPDATE products SET stock = stock - :q
    WHERE id = :id AND stock >= :q AND is_available
    RETURNING price

so two buyers can never both take the last unit: the database checks and decrements
in one step, and a line that finds too little stock refuses the whole order. Lines
are updated in product-id order, so two orders touching the same products lock them
in the same order and cannot deadlock.

Duplicate lines (the same product twice) are refused rather than merged: on a form
it is almost always a slip, and merging would hide it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import select, update

from backoffice.extensions import db
from backoffice.models import Order, OrderItem, OrderStatus, Product, User, utcnow
from backoffice.models.base import ZERO

CENT = Decimal("0.01")
MAX_QUANTITY = 10_000
MAX_LINES = 100
MAX_ADDRESS = 1000
# orders.total is NUMERIC(12, 2).
MAX_TOTAL = Decimal("9999999999.99")


class OrderError(Exception):
    """An order, or a change to one, was refused; nothing was changed.

    ``errors`` maps a field (``user``, ``shipping_address``, ``items``, ``status``) to
    a message; ``line_errors`` maps a line's position in the request (0-based) to
    ``{"product" | "quantity": message}``.
    """

    def __init__(
        self,
        errors: dict[str, str] | None = None,
        line_errors: dict[int, dict[str, str]] | None = None,
    ) -> None:
        self.errors = dict(errors or {})
        self.line_errors = dict(line_errors or {})
        super().__init__(" ".join(self.messages()))

    def messages(self) -> list[str]:
        """Every message as a sentence, lines numbered from 1."""
        out = list(self.errors.values())
        for index in sorted(self.line_errors):
            out.extend(f"Line {index + 1}: {m}" for m in self.line_errors[index].values())
        return out


def compute_total(order: Order) -> Decimal:
    """Sum of quantity × unit price over the order's items, to the cent."""
    total = sum((item.line_total for item in order.items), ZERO)
    return total.quantize(CENT)


def place_order(
    user_id: int,
    lines: Iterable[tuple[int, int]],
    shipping_address: str,
    *,
    created_at: dt.datetime | None = None,
) -> Order:
    """Place a pending order of ``(product_id, quantity)`` lines for ``user_id``; caller commits.

    Unit prices come from the products; the stock of every line is taken in the same
    transaction. Raises OrderError for an unknown customer, a blank address, no lines,
    too many lines, duplicate products, quantities outside 1..10,000, unknown or
    unavailable products, or too little stock: the caller then rolls back, which puts
    back any stock already taken. ``created_at`` backdates the order (demo data, tests).
    """
    return _place(user_id, list(lines), (shipping_address or "").strip(), created_at)


def _place(user_id, lines, address, created_at) -> Order:
    errors = _check_order(user_id, lines, address)
    wanted, line_errors = _check_lines(lines)
    line_errors.update(_check_products(wanted))
    if errors or line_errors:
        raise OrderError(errors, line_errors)

    prices: dict[int, Decimal] = {}
    for product_id, (index, quantity) in sorted(wanted.items()):
        price = _take_stock(product_id, quantity)
        if price is None:  # someone else took the stock since the check above
            line_errors[index] = _product_problem(product_id, quantity) or {
                "quantity": "Not enough stock."
            }
        else:
            prices[product_id] = price
    if line_errors:
        raise OrderError(line_errors=line_errors)

    order = Order(user_id=user_id, status=OrderStatus.PENDING.value, shipping_address=address)
    if created_at is not None:
        order.created_at = order.updated_at = created_at
    for product_id, (_index, quantity) in wanted.items():
        order.items.append(
            OrderItem(product_id=product_id, quantity=quantity, unit_price=prices[product_id])
        )
    order.total = compute_total(order)
    if order.total > MAX_TOTAL:
        raise OrderError({"items": "The order total is too large; split it into several orders."})
    db.session.add(order)
    db.session.flush()
    return order


def _check_order(user_id, lines, address) -> dict[str, str]:
    errors = {}
    if not _is_int(user_id) or db.session.scalar(select(User.id).where(User.id == user_id)) is None:
        errors["user"] = "Choose an existing customer."
    if not address:
        errors["shipping_address"] = "Enter the shipping address."
    elif len(address) > MAX_ADDRESS:
        errors["shipping_address"] = f"Keep the address under {MAX_ADDRESS:,} characters."
    if not lines:
        errors["items"] = "Add at least one item."
    elif len(lines) > MAX_LINES:
        errors["items"] = f"An order can have at most {MAX_LINES} lines."
    return errors


def _check_lines(lines) -> tuple[dict[int, tuple[int, int]], dict[int, dict[str, str]]]:
    """Well-formed lines as ``{product_id: (position, quantity)}``, and per-line errors."""
    wanted: dict[int, tuple[int, int]] = {}
    errors: dict[int, dict[str, str]] = {}
    for index, line in enumerate(lines[:MAX_LINES]):
        product_id, quantity = line
        problems = {}
        if not _is_int(product_id):
            problems["product"] = "Choose a product."
        elif product_id in wanted:
            first = wanted[product_id][0] + 1
            problems["product"] = (
                f"This product is already on line {first}; change that line's quantity instead."
            )
        if not _is_int(quantity) or not 1 <= quantity <= MAX_QUANTITY:
            problems["quantity"] = f"Quantity must be between 1 and {MAX_QUANTITY:,}."
        if problems:
            errors[index] = problems
        else:
            wanted[product_id] = (index, quantity)
    return wanted, errors


def _check_products(wanted: dict[int, tuple[int, int]]) -> dict[int, dict[str, str]]:
    """Per-line messages for unknown, unavailable or short products (one query)."""
    if not wanted:
        return {}
    rows = db.session.execute(
        select(Product.id, Product.name, Product.stock, Product.is_available).where(
            Product.id.in_(wanted)
        )
    ).all()
    found = {row.id: row for row in rows}
    errors = {}
    for product_id, (index, quantity) in wanted.items():
        problem = _describe(found.get(product_id), quantity)
        if problem:
            errors[index] = problem
    return errors


def _product_problem(product_id: int, quantity: int) -> dict[str, str] | None:
    row = db.session.execute(
        select(Product.name, Product.stock, Product.is_available).where(Product.id == product_id)
    ).first()
    return _describe(row, quantity)


def _describe(row, quantity: int) -> dict[str, str] | None:
    """Why a product cannot supply ``quantity`` units, or None if it can."""
    if row is None:
        return {"product": "This product does not exist."}
    if not row.is_available:
        return {"product": f"{row.name} is not available for sale."}
    if row.stock < quantity:
        if row.stock == 0:
            return {"quantity": f"{row.name} is out of stock."}
        return {"quantity": f"Only {row.stock:,} of {row.name} left in stock."}
    return None


def _take_stock(product_id: int, quantity: int) -> Decimal | None:
    """Decrement stock if enough is there and the product is on sale; its price, or None."""
    return db.session.execute(
        update(Product)
        .where(Product.id == product_id, Product.stock >= quantity, Product.is_available)
        .values(stock=Product.stock - quantity, updated_at=utcnow())
        .returning(Product.price)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
