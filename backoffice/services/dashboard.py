"""The dashboard's figures: each card is ONE aggregate query, whatever the table sizes.

Definitions (also in the README):

- Days are UTC calendar days. "The last 30 days" are the 30 days ending today, today
  included (from midnight UTC 29 days ago until ``now``); "the 30 before" are the 30
  whole days before that.
- Revenue is the sum of ``total`` over orders that are paid, shipped or delivered
  (pending orders are not money yet; cancelled ones never will be), counted on the day
  the order was placed (``created_at``). The revenue card and the revenue chart use
  the same window, so the chart's bars add up to the card.
- Users: suspended = not active; locked = ``locked_until`` later than ``now``; new =
  created in the 7 days before ``now``.
- Low stock: products or books still on sale with stock at or below the threshold.

The queries lean on indexes, so the page stays fast with millions of orders: counts
are index range counts (users(active), users(locked_until), users(created_at),
orders(status)); revenue reads orders(status, created_at, total) only (index-only);
low stock uses products(stock) and books(stock); recent orders orders(created_at).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Date, cast, func, select, true
from sqlalchemy.sql import ColumnElement

from backoffice.extensions import db
from backoffice.models import ORDER_STATUSES, Book, Order, OrderStatus, Product, User
from backoffice.models.base import ZERO

REVENUE_STATUSES = (OrderStatus.PAID.value, OrderStatus.SHIPPED.value, OrderStatus.DELIVERED.value)
WINDOW_DAYS = 30
NEW_USER_DAYS = 7
LIST_LIMIT = 10
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Revenue:
    """Revenue of the last 30 days against the 30 before, with the change in percent."""

    current: Decimal
    previous: Decimal

    @property
    def change_percent(self) -> Decimal | None:
        """(current - previous) / previous × 100, to one place; None when previous is 0."""
        if not self.previous:
            return None
        return ((self.current - self.previous) * 100 / self.previous).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class LowStock:
    """How many rows are low on stock, and the lowest few of them."""

    count: int
    rows: list


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard shows."""

    now: dt.datetime
    users: dict[str, int]
    orders_by_status: dict[str, int]
    revenue: Revenue
    revenue_by_day: list[tuple[dt.date, Decimal]]
    low_products: LowStock
    low_books: LowStock
    recent_orders: list
    low_stock_threshold: int


def day_of(column, dialect_name: str) -> ColumnElement:
    """The UTC calendar day of a timestamp column, as a DATE, per database.

    Timestamps are stored as naive UTC (see UTCDateTime). PostgreSQL casts them to
    DATE. SQLite keeps them as ISO text, which ``date()`` cuts to ``YYYY-MM-DD``;
    typing the result as Date makes SQLAlchemy hand back ``datetime.date`` there too.
    """
    if dialect_name == "sqlite":
        return func.date(column, type_=Date)
    return cast(column, Date)


def window_start(now: dt.datetime, days: int = WINDOW_DAYS) -> dt.datetime:
    """Midnight UTC at the start of the ``days`` calendar days ending on ``now``'s day."""
    today = now.astimezone(dt.UTC).date()
    start = today - dt.timedelta(days=days - 1)
    return dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC)


def _count(model, *where) -> ColumnElement:
    """``(SELECT count(*) FROM model WHERE ...)``: one index range count, as a column."""
    return select(func.count()).select_from(model).where(*where).scalar_subquery()


def user_counts(now: dt.datetime) -> dict[str, int]:
    """Total, active, suspended, locked and new users, in one query.

    Each figure is a count over one index (active, locked_until, created_at) rather
    than a pass over every user row; suspended is total - active (``active`` is NOT
    NULL).
    """
    row = db.session.execute(
        select(
            _count(User).label("total"),
            _count(User, User.active == true()).label("active"),
            _count(User, User.locked_until > now).label("locked"),
            _count(
                User,
                User.created_at > now - dt.timedelta(days=NEW_USER_DAYS),
                User.created_at <= now,
            ).label("new"),
        )
    ).one()
    counts = row._mapping
    return {
        "total": counts["total"],
        "active": counts["active"],
        "suspended": counts["total"] - counts["active"],
        "locked": counts["locked"],
        "new": counts["new"],
    }


def order_counts() -> dict[str, int]:
    """Orders per status (every status, zeros included), in one query.

    One count per status over the small orders(status) index (index-only on
    PostgreSQL): no hashing of a million status strings, no table rows read.
    """
    row = db.session.execute(
        select(*(_count(Order, Order.status == s).label(s) for s in ORDER_STATUSES))
    ).one()
    return dict(row._mapping)


def _revenue_scope(start: dt.datetime, now: dt.datetime):
    return Order.status.in_(REVENUE_STATUSES), Order.created_at >= start, Order.created_at <= now


def revenue(now: dt.datetime) -> Revenue:
    """Revenue in the last 30 days and in the 30 before, in one query."""
    start = window_start(now)
    before = start - dt.timedelta(days=WINDOW_DAYS)
    total = func.sum(Order.total)
    row = db.session.execute(
        select(
            total.filter(Order.created_at >= start), total.filter(Order.created_at < start)
        ).where(*_revenue_scope(before, now))
    ).one()
    return Revenue(*(_money(v) for v in row))


def revenue_by_day(now: dt.datetime) -> list[tuple[dt.date, Decimal]]:
    """Revenue per UTC day over the last 30 days (days without sales are 0), in one query."""
    start = window_start(now)
    day = day_of(Order.created_at, db.session.get_bind().dialect.name).label("day")
    sums = dict(
        db.session.execute(
            select(day, func.sum(Order.total))
            .where(*_revenue_scope(start, now))
            .group_by(day)
            .order_by(day)
        ).all()
    )
    days = [start.date() + dt.timedelta(days=n) for n in range(WINDOW_DAYS)]
    return [(d, _money(sums.get(d))) for d in days]


def low_stock(model, title, threshold: int, limit: int = LIST_LIMIT) -> LowStock:
    """Rows on sale with stock <= threshold: the count and the ``limit`` lowest, in one query."""
    rows = db.session.execute(
        select(
            model.id,
            title.label("name"),
            model.stock,
            func.count().over().label("matching"),
        )
        .where(model.is_available, model.stock <= threshold)
        .order_by(model.stock, title, model.id)
        .limit(limit)
    ).all()
    return LowStock(rows[0].matching if rows else 0, rows)


def recent_orders(limit: int = LIST_LIMIT) -> list:
    """The latest orders with their customer's email, in one query."""
    return db.session.execute(
        select(Order.id, Order.status, Order.total, Order.created_at, User.email)
        .join(User, Order.user_id == User.id)
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(limit)
    ).all()


def snapshot(now: dt.datetime, low_stock_threshold: int) -> Dashboard:
    """Every dashboard figure as of ``now`` (seven queries in all)."""
    return Dashboard(
        now=now,
        users=user_counts(now),
        orders_by_status=order_counts(),
        revenue=revenue(now),
        revenue_by_day=revenue_by_day(now),
        low_products=low_stock(Product, Product.name, low_stock_threshold),
        low_books=low_stock(Book, Book.title, low_stock_threshold),
        recent_orders=recent_orders(),
        low_stock_threshold=low_stock_threshold,
    )


def _money(value) -> Decimal:
    """A SUM as Decimal to the cent (SQLite sums NUMERIC as float; NULL means no rows)."""
    return ZERO if value is None else Decimal(str(value)).quantize(CENT)
