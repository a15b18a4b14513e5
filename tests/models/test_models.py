"""The database enforces the rules too, whichever path writes to it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from backoffice.extensions import db
from backoffice.models import Book, Order, OrderItem, Product, User, UserProfile
from tests.support.factories import add_order, add_product, add_user


def test_profile_created_with_user_on_every_path(app):
    with app.app_context():
        bare = User(email="bare@example.com")  # the ORM path: admin form, datastore
        db.session.add(bare)
        db.session.commit()
        assert bare.profile is not None
        assert bare.profile.id is not None
    uid = add_user(app, "service@example.com", full_name="Via Service")
    with app.app_context():
        assert db.session.get(User, uid).profile.full_name == "Via Service"


def test_profile_removed_with_user_by_the_database(app):
    uid = add_user(app, "gone@example.com")
    with app.app_context():
        # Even raw SQL that bypasses the ORM cascades: ON DELETE CASCADE.
        db.session.execute(text("DELETE FROM users WHERE id = :id"), {"id": uid})
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(UserProfile)) == 0


def test_one_profile_per_user(app):
    uid = add_user(app, "one@example.com")
    with app.app_context():
        db.session.add(UserProfile(user_id=uid))
        with pytest.raises(IntegrityError):
            db.session.commit()


@pytest.mark.parametrize(
    ("sql", "params"),
    [
        ("UPDATE products SET stock = -1", {}),
        ("UPDATE products SET price = 0", {}),
        ("UPDATE books SET isbn = '123'", {}),
        ("UPDATE books SET published_year = 1000", {}),
        ("UPDATE orders SET status = 'lost'", {}),
        ("UPDATE orders SET total = -1", {}),
        ("UPDATE order_items SET quantity = 0", {}),
        ("UPDATE products SET sku = NULL", {}),
    ],
)
def test_check_and_not_null_constraints(app, users, sql, params):
    pid = add_product(app)
    with app.app_context():
        db.session.add(Book(title="T", author="A", isbn="9780306406157", price=Decimal("1")))
        db.session.commit()
    add_order(app, users["customer"], [(pid, 1)])
    with app.app_context():
        with pytest.raises(IntegrityError):
            db.session.execute(text(sql), params)
        db.session.rollback()


def test_unique_sku_and_email_in_the_database(app):
    add_product(app, sku="DUP")
    with app.app_context():
        db.session.add(Product(name="x", sku="DUP", category="c", price=Decimal("1")))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        db.session.add_all([User(email="same@example.com"), User(email="same@example.com")])
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_foreign_keys_restrict_deleting_ordered_products_and_customers(app, users):
    pid = add_product(app)
    add_order(app, users["customer"], [(pid, 1)])
    with app.app_context():
        for sql in ("DELETE FROM products", "DELETE FROM users WHERE email LIKE 'customer%'"):
            with pytest.raises(IntegrityError):
                db.session.execute(text(sql))
            db.session.rollback()


def test_deleting_an_order_deletes_its_items(app, users):
    pid = add_product(app)
    oid = add_order(app, users["customer"], [(pid, 3)])
    with app.app_context():
        db.session.execute(text("DELETE FROM orders WHERE id = :id"), {"id": oid})
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(OrderItem)) == 0


def test_money_is_decimal_and_exact(app, users):
    pid = add_product(app, price=Decimal("0.10"))
    oid = add_order(app, users["customer"], [(pid, 3)])
    with app.app_context():
        order = db.session.get(Order, oid)
        assert isinstance(order.total, Decimal)
        assert order.total == Decimal("0.30")
        total = db.session.scalar(select(func.sum(OrderItem.unit_price * OrderItem.quantity)))
        assert Decimal(str(total)).quantize(Decimal("0.01")) == Decimal("0.30")


def test_timestamps_are_aware_utc(app):
    pid = add_product(app)
    with app.app_context():
        created = db.session.get(Product, pid).created_at
        assert created.tzinfo is not None
        assert created.utcoffset().total_seconds() == 0
