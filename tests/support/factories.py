"""Rows for tests: users through the service, catalogue items and orders inserted directly."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import joinedload, selectinload

from backoffice.extensions import db
from backoffice.models import Book, Order, OrderItem, Product, User
from backoffice.permissions import ROLE_PERMISSIONS
from backoffice.services.api_keys import create_key
from backoffice.services.second_factor import enrol_authenticator
from backoffice.services.users import create_user, ensure_roles

PASSWORD = "correct horse battery staple 42"


def add_user(app, email: str, *, roles=(), password: str = PASSWORD, second_factor=None, **kwargs):
    """Create a user through the service (with profile) and return its id.

    Staff and admins get an authenticator second factor, as they would have after their
    first sign-in (``second_factor=False``: not enrolled yet; True: a customer enrolled).
    ``tests.support.http.login`` answers its code.
    """
    if second_factor is None:
        second_factor = any(r in ROLE_PERMISSIONS for r in roles)
    with app.app_context():
        ensure_roles()
        user = create_user(email, password, roles=list(roles), **kwargs)
        if second_factor:
            enrol_authenticator(user)
        db.session.commit()
        return user.id


def get_user(app, email: str) -> User | None:
    """The user with its profile and roles loaded, detached from any session."""
    with app.app_context():
        user = db.session.scalar(
            db.select(User)
            .where(User.email == email)
            .options(joinedload(User.profile), selectinload(User.roles))
        )
        if user is not None:
            db.session.expunge(user)
        return user


def add_product(app, sku="SKU-1", **fields) -> int:
    """Insert a product and return its id."""
    values = {"name": "Desk Lamp", "category": "home", "price": Decimal("19.99"), "stock": 10}
    values.update(fields)
    with app.app_context():
        product = Product(sku=sku, **values)
        db.session.add(product)
        db.session.commit()
        return product.id


def add_book(app, isbn="9780306406157", **fields) -> int:
    """Insert a book and return its id."""
    values = {"title": "Dune", "author": "Frank Herbert", "price": Decimal("9.50"), "stock": 3}
    values.update(fields)
    with app.app_context():
        book = Book(isbn=isbn, **values)
        db.session.add(book)
        db.session.commit()
        return book.id


def add_order(app, user_id: int, lines: list[tuple[int, int]], status="pending") -> int:
    """Insert an order with (product_id, quantity) lines priced from the products."""
    with app.app_context():
        order = Order(user_id=user_id, status=status, shipping_address="1 High Street")
        for product_id, quantity in lines:
            product = db.session.get(Product, product_id)
            order.items.append(
                OrderItem(product=product, quantity=quantity, unit_price=product.price)
            )
        order.total = sum((i.unit_price * i.quantity for i in order.items), Decimal("0.00"))
        db.session.add(order)
        db.session.commit()
        return order.id


def add_api_key(app, name="integration", scopes=("catalog:read",), **kwargs) -> str:
    """Create an API key through the service and return its clear text."""
    with app.app_context():
        _key, raw = create_key(name, list(scopes), **kwargs)
        db.session.commit()
        return raw
