"""``python manage.py`` commands, through Flask's CLI runner."""

from __future__ import annotations

from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import Book, Order, OrderItem, Product, User
from tests.conftest import get_user, login


def test_create_admin_with_password(app, client):
    result = app.test_cli_runner().invoke(
        args=["create-admin", "Boss@Example.com", "--password", "a long admin passphrase"]
    )
    assert result.exit_code == 0, result.output
    assert "Admin login: boss@example.com" in result.output
    user = get_user(app, "boss@example.com")
    assert [r.name for r in user.roles] == ["admin"]
    assert user.profile is not None
    assert login(client, "boss@example.com", "a long admin passphrase").status_code == 302
    assert client.get("/admin/").status_code == 200


def test_create_admin_prompts_for_the_password(app):
    result = app.test_cli_runner().invoke(
        args=["create-admin", "p@example.com"], input="typed passphrase ok\ntyped passphrase ok\n"
    )
    assert result.exit_code == 0, result.output
    assert "typed passphrase ok" not in result.output
    assert get_user(app, "p@example.com") is not None


def test_create_admin_refuses_weak_password_and_duplicates(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-admin", "w@example.com", "--password", "short"])
    assert result.exit_code == 1
    assert "at least 12 characters" in result.output
    assert get_user(app, "w@example.com") is None
    runner.invoke(args=["create-admin", "w@example.com", "--generate-password"])
    result = runner.invoke(args=["create-admin", "w@example.com", "--generate-password"])
    assert result.exit_code == 1
    assert "--reset" in result.output


def test_create_admin_reset_prints_new_password(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["create-admin", "r@example.com", "--generate-password"])
    result = runner.invoke(args=["create-admin", "r@example.com", "--generate-password", "--reset"])
    assert result.exit_code == 0
    password = result.output.split("Password: ")[1].strip()
    assert login(app.test_client(), "r@example.com", password).status_code == 302


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
