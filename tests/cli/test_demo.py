"""``python manage.py seed-demo``: consistent demo data, once."""

from __future__ import annotations

from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import Book, Order, OrderItem, Product, User
from backoffice.services.orders import place_order
from tests.support.factories import add_user


def test_seed_demo_creates_consistent_data(app):
    result = app.test_cli_runner().invoke(
        args=["seed-demo", "--users", "30", "--products", "12", "--books", "15", "--orders", "80"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        count = lambda m: db.session.scalar(select(func.count()).select_from(m))  # noqa: E731
        assert (count(User), count(Product), count(Book), count(Order)) == (30, 12, 15, 80)
        assert count(OrderItem) >= 80
        # every total equals the sum of its items (rounded: SQLite sums in floating point)
        line_sum = (
            select(func.round(func.sum(OrderItem.unit_price * OrderItem.quantity), 2))
            .where(OrderItem.order_id == Order.id)
            .scalar_subquery()
        )
        mismatched = db.session.scalar(
            select(func.count()).select_from(Order).where(func.round(Order.total, 2) != line_sum)
        )
        assert mismatched == 0
        assert all(u.profile for u in db.session.scalars(select(User)))
        statuses = set(db.session.scalars(select(Order.status).distinct()))
        assert len(statuses) >= 4


def test_seed_demo_if_empty_is_idempotent(app):
    runner = app.test_cli_runner()
    args = ["seed-demo", "--users", "5", "--products", "3", "--books", "2", "--orders", "4"]
    runner.invoke(args=args)
    result = runner.invoke(args=[*args, "--if-empty"])
    assert "already present" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Product)) == 3


def test_orders_and_signups_work_after_seeding_demo_data(app):
    # seed-demo inserts explicit ids; PostgreSQL's sequences must follow them.
    runner = app.test_cli_runner()
    args = ["seed-demo", "--users", "5", "--products", "3", "--books", "2", "--orders", "4"]
    assert runner.invoke(args=args).exit_code == 0
    customer = add_user(app, "after-seed@example.com")
    with app.app_context():
        product = db.session.scalar(select(Product.id).where(Product.stock > 0).limit(1))
        order = place_order(customer, [(product, 1)], "1 High St")
        assert order.id == 5
