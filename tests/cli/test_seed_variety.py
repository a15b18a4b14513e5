"""seed-demo at scale: varied data (two years, every status, several items), fresh statistics."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, text

from backoffice.extensions import db
from backoffice.models import Book, Order, OrderItem, Product, User


def test_seed_demo_data_is_varied_and_analysed(app):
    args = ["seed-demo", "--users", "200", "--products", "30", "--books", "5", "--orders", "600"]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "Seeding demo data" in result.output  # the progress bar
    with app.app_context():
        first, last = db.session.execute(
            select(func.min(Order.created_at), func.max(Order.created_at))
        ).one()
        assert last - first > dt.timedelta(days=600)  # spread over about two years
        statuses = set(db.session.scalars(select(Order.status).distinct()))
        assert statuses == {"pending", "paid", "shipped", "delivered", "cancelled"}
        per_order = (
            select(func.count().label("n")).select_from(OrderItem).group_by(OrderItem.order_id)
        ).subquery()
        low, high, mean = db.session.execute(
            select(func.min(per_order.c.n), func.max(per_order.c.n), func.avg(per_order.c.n))
        ).one()
        assert (low, high) == (1, 4)
        assert mean > 2
        customers = db.session.scalar(select(func.count(func.distinct(Order.user_id))))
        assert customers > 150
        assert db.session.scalar(select(func.count()).where(User.last_login_at.is_not(None)))
        # the lookup key of every product is its lower-cased name
        keys = db.session.execute(select(Product.name, Product.name_key)).all()
        assert all(key == name.lower() for name, key in keys)
        # the planners know the new sizes (ANALYZE ran at the end)
        if db.engine.dialect.name == "postgresql":
            rows = db.session.scalar(text("SELECT reltuples FROM pg_class WHERE relname='orders'"))
            assert rows == 600
        else:
            stat = db.session.scalar(text("SELECT stat FROM sqlite_stat1 WHERE tbl = 'orders'"))
            assert stat.split()[0] == "600"


def test_seed_demo_spreads_data_over_the_two_years_before_the_app_clock(app, clock):
    args = ["seed-demo", "--users", "20", "--products", "5", "--books", "5", "--orders", "40"]
    assert app.test_cli_runner().invoke(args=args).exit_code == 0
    two_years_before = clock.now - dt.timedelta(days=731)
    with app.app_context():
        for model in (User, Product, Book, Order):
            first, last = db.session.execute(
                select(func.min(model.created_at), func.max(model.created_at))
            ).one()
            assert two_years_before <= first <= last <= clock.now, model.__name__
