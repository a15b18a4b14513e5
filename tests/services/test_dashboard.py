"""Dashboard figures against hand-computed values, the page itself, and who may see it."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from sqlalchemy import event, update

from backoffice.extensions import db
from backoffice.models import User
from backoffice.services import dashboard
from backoffice.services.orders import place_order
from tests.support.factories import add_book, add_product, add_user
from tests.support.orders import place

UTC = dt.UTC
NOW = dt.datetime(2025, 6, 30, 15, 0, tzinfo=UTC)
OLD = dt.datetime(2025, 1, 1, tzinfo=UTC)


def at(month, day, hour=12, minute=0) -> dt.datetime:
    return dt.datetime(2025, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def dataset(app, users):
    """Users, orders and stock at known dates around NOW (2025-06-30 15:00 UTC)."""
    people = {
        # email: (created_at, active, locked_until)
        "new1@example.com": (at(6, 28), True, None),
        "new2@example.com": (at(6, 24), False, None),  # 6 days 15 h ago, suspended
        "edge@example.com": (at(6, 23, 15), True, None),  # exactly 7 days: not new
        "locked@example.com": (at(6, 20), True, at(6, 30, 16)),  # locked for another hour
        "unlocked@example.com": (at(3, 1), True, at(6, 30, 14)),  # lock ran out
    }
    ids = dict(users)
    for email, (_created, active, _locked) in people.items():
        ids[email] = add_user(app, email, active=active)
    with app.app_context():
        db.session.execute(update(User).values(created_at=OLD))
        for email, (created, _active, locked_until) in people.items():
            db.session.execute(
                update(User)
                .where(User.id == ids[email])
                .values(created_at=created, locked_until=locked_until)
            )
        db.session.commit()

    lamp = add_product(app, sku="LAMP", price=Decimal("10.00"), stock=1000)
    mug = add_product(app, sku="MUG", price=Decimal("2.50"), stock=1000)
    add_product(app, sku="LOW0", name="Zero Lamp", stock=0)
    add_product(app, sku="LOW5", name="Five Lamp", stock=5)
    add_product(app, sku="OFF1", name="Off Lamp", stock=1, is_available=False)
    add_product(app, sku="OK6", name="Six Lamp", stock=6)
    add_book(app, isbn="9780306406157", title="Low Book", stock=2)
    add_book(app, isbn="9780441478125", title="Full Book", stock=9)

    orders = [  # (placed at, lines, status)
        (at(6, 30, 9), [(lamp, 2)], "paid"),  # 20.00, current
        (at(6, 30, 14, 59), [(lamp, 1)], "delivered"),  # 10.00, current
        (at(6, 15), [(mug, 3)], "shipped"),  # 7.50, current
        (at(6, 1, 0), [(lamp, 1)], "paid"),  # 10.00, first instant of the window
        (at(5, 31, 23, 59), [(lamp, 4)], "paid"),  # 40.00, previous
        (at(5, 2, 0), [(mug, 1)], "delivered"),  # 2.50, first instant of the previous window
        (at(5, 1, 23, 59), [(lamp, 10)], "paid"),  # 100.00, too old for either
        (at(6, 10), [(lamp, 1)], "pending"),  # not revenue
        (at(6, 11), [(lamp, 5)], "cancelled"),  # not revenue
    ]
    return [place(app, ids["customer"], lines, status, placed) for placed, lines, status in orders]


def test_figures_match_the_hand_computed_values(app, dataset):
    with app.app_context():
        data = dashboard.snapshot(NOW, low_stock_threshold=5)
    assert data.users == {"total": 8, "active": 7, "suspended": 1, "locked": 1, "new": 2}
    assert data.orders_by_status == {
        "pending": 1,
        "paid": 4,
        "shipped": 1,
        "delivered": 2,
        "cancelled": 1,
    }
    assert data.revenue.current == Decimal("47.50")
    assert data.revenue.previous == Decimal("42.50")
    assert data.revenue.change_percent == Decimal("11.8")
    by_day = dict(data.revenue_by_day)
    assert len(by_day) == 30
    assert min(by_day) == dt.date(2025, 6, 1)
    assert max(by_day) == dt.date(2025, 6, 30)
    assert {d: v for d, v in by_day.items() if v} == {
        dt.date(2025, 6, 1): Decimal("10.00"),
        dt.date(2025, 6, 15): Decimal("7.50"),
        dt.date(2025, 6, 30): Decimal("30.00"),
    }
    assert sum(by_day.values()) == data.revenue.current
    assert data.low_products.count == 2
    assert [(r.name, r.stock) for r in data.low_products.rows] == [
        ("Zero Lamp", 0),
        ("Five Lamp", 5),
    ]
    assert data.low_books.count == 1
    assert [r.name for r in data.low_books.rows] == ["Low Book"]
    recent = [r.id for r in data.recent_orders]
    placed_order = [1, 0, 2, 8, 7, 3, 4, 5, 6]  # dataset positions, newest first
    assert recent == [dataset[i] for i in placed_order]


def test_empty_database(app):
    with app.app_context():
        data = dashboard.snapshot(NOW, low_stock_threshold=5)
    assert data.users["total"] == 0
    assert set(data.orders_by_status.values()) == {0}
    assert (data.revenue.current, data.revenue.change_percent) == (Decimal("0.00"), None)
    assert data.low_products.count == 0
    assert data.recent_orders == []


def test_window_starts_at_midnight_utc_29_days_back():
    late = dt.datetime(2025, 7, 1, 1, 30, tzinfo=dt.timezone(dt.timedelta(hours=5)))  # 20:30 UTC
    assert dashboard.window_start(late) == dt.datetime(2025, 6, 1, tzinfo=UTC)


def test_each_figure_is_one_query_however_many_rows(app, dataset, users):
    def statements_for_snapshot() -> int:
        seen = []
        with app.app_context():
            engine = db.engine
            listener = lambda *args: seen.append(args[2])  # noqa: E731
            event.listen(engine, "before_cursor_execute", listener)
            try:
                dashboard.snapshot(NOW, low_stock_threshold=5)
            finally:
                event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    assert statements_for_snapshot() == 7
    lamp = add_product(app, sku="MORE", stock=100)
    with app.app_context():
        for n in range(20):
            place_order(users["customer"], [(lamp, 1)], "1 High St", created_at=at(6, 1 + n))
        db.session.commit()
    assert statements_for_snapshot() == 7


def figures(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-figure="([^"]+)">([^<]*)<', page))


@pytest.mark.config(CLOCK=lambda: NOW, LOW_STOCK_THRESHOLD=5)
def test_page_shows_the_figures_charts_and_links(app, staff_client, dataset):
    response = staff_client.get("/admin/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    shown = figures(page)
    expected = {
        "users-total": "8",
        "users-suspended": "1",
        "users-locked": "1",
        "users-new": "2",
        "orders-total": "9",
        "orders-paid": "4",
        "revenue-current": "47.50",
        "revenue-previous": "42.50",
        "revenue-change": "+11.8%",
        "low-products-count": "2",
        "low-books-count": "1",
        "revenue-2025-06-30": "30.00",
        "revenue-2025-06-02": "0.00",
    }
    assert {k: shown.get(k) for k in expected} == expected
    # Charts: server-drawn SVG with the values printed on them.
    assert page.count('<svg class="chart') == 2
    assert re.search(r'class="chart-value"[^>]*>30</text>', page)
    assert re.search(r'class="chart-value"[^>]*>4</text>', page)  # 4 paid orders
    assert f'href="/admin/order/details/?id={dataset[1]}"' in page
    assert "/admin/product/details/?id=" in page
    assert "Figures as of 2025-06-30 15:00 UTC" in page
    # The low-stock card links to the product list filtered the same way.
    link = re.search(r'href="(/admin/product/\?[^"]+)">Products<', page).group(1)
    listed = staff_client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert "LOW0" in listed
    assert "LOW5" in listed
    assert "OK6" not in listed
    assert "OFF1" not in listed


@pytest.mark.config(LOW_STOCK_THRESHOLD=0)
def test_threshold_comes_from_the_config(app, staff_client, dataset):
    shown = figures(staff_client.get("/admin/").get_data(as_text=True))
    assert (shown["low-products-count"], shown["low-books-count"]) == ("1", "0")


# Staff/admin 200 and customer 403 are in tests/admin/test_access.py::test_dashboard_access.
def test_anonymous_visitors_log_in_first(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]
