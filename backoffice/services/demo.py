"""Realistic demo data, inserted in bulk so a million orders take about two minutes.

Rows go in through Core ``insert()`` on the tables (no ORM unit of work) with explicit
ids, in large batches inside one transaction; customers share one bcrypt hash.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal

from flask_security import hash_password
from sqlalchemy import func, select

from backoffice import clock
from backoffice.extensions import db
from backoffice.models import Book, Order, OrderItem, Product, User, UserProfile
from backoffice.models.catalog import name_key
from backoffice.services import bulk_load
from backoffice.services import demo_data as words
from backoffice.services.catalog import isbn13_check_digit

DEMO_PASSWORD = "demo-customer-password"  # noqa: S105 - demo data only, printed by seed-demo
DAY = 86400.0
TWO_YEARS = 730 * DAY

Progress = Callable[[str, int], None]
#: The tables seed_demo fills.
SEEDED = (User, UserProfile, Product, Book, Order, OrderItem)


def _next_id(model) -> int:
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def _new_ids(model, count: int, size: int) -> Iterator[range]:
    """Ids for ``count`` new rows of ``model`` after its last one, ``size`` at a time."""
    first = _next_id(model)
    for start in range(first, first + count, size):
        yield range(start, min(start + size, first + count))


def _insert(model, rows: list[dict]) -> None:
    if rows:
        db.session.execute(model.__table__.insert(), rows)


def _pick(rng: random.Random, seq):
    return seq[int(rng.random() * len(seq))]


def seed_users(rng: random.Random, count: int, progress: Progress, batch: int = 10000) -> None:
    """Customers with profiles; all share one bcrypt hash, computed once."""
    password = hash_password(DEMO_PASSWORD)
    now = clock.now()
    for chunk in _new_ids(User, count, batch):
        users, profiles = [], []
        for uid in chunk:
            first, last = _pick(rng, words.FIRST), _pick(rng, words.LAST)
            city, zip_prefix = _pick(rng, words.CITIES)
            created = now - dt.timedelta(seconds=rng.random() * TWO_YEARS)
            logins = int(rng.random() * 40)
            last_login = created + (now - created) * rng.random() if logins else None
            users.append(
                {
                    "id": uid,
                    "email": f"{first}.{last}.{uid}@example.com".lower(),
                    "username": f"{first[:3]}{last[:3]}{uid}".lower(),
                    "password": password,
                    "active": rng.random() > 0.03,
                    "fs_uniquifier": uuid.UUID(int=rng.getrandbits(128)).hex,
                    "confirmed_at": created,
                    "login_count": logins,
                    "last_login_at": last_login,
                    "current_login_at": last_login,
                    "failed_logins": 0,
                    "created_at": created,
                    "updated_at": created,
                }
            )
            digits = int(rng.random() * 10**8)
            profiles.append(
                {
                    "id": uid,
                    "user_id": uid,
                    "full_name": f"{first} {last}",
                    "address": f"{1 + int(rng.random() * 200)} {_pick(rng, words.STREETS)}, {city}",
                    "zipcode": f"{zip_prefix}{10 + int(rng.random() * 90)}",
                    "phone": f"+33 6 {digits:08d}",
                    "created_at": created,
                    "updated_at": created,
                }
            )
        _insert(User, users)
        _insert(UserProfile, profiles)
        progress("users", len(chunk))


def seed_products(rng: random.Random, count: int, progress: Progress) -> None:
    """Products across a handful of categories, a few low or out of stock."""
    start = _next_id(Product)
    now = clock.now()
    rows = [
        {
            "id": start + n,
            "name": f"{_pick(rng, words.ADJECTIVES)} {_pick(rng, words.NOUNS)}",
            "sku": f"SKU-{start + n:06d}",
            "description": "Demo product.",
            "category": _pick(rng, words.CATEGORIES),
            "price": Decimal(rng.randint(199, 19999)) / 100,
            "stock": rng.choice([0, 2, 4]) if rng.random() < 0.1 else rng.randint(5, 500),
            "is_available": rng.random() > 0.05,
            "created_at": now - dt.timedelta(seconds=rng.random() * TWO_YEARS),
            "updated_at": now,
        }
        for n in range(count)
    ]
    for row in rows:  # a Core insert skips the model's validator that keeps it
        row["name_key"] = name_key(row["name"])
    _insert(Product, rows)
    progress("products", count)


def seed_books(rng: random.Random, count: int, progress: Progress) -> None:
    """Books with valid, unique ISBN-13s."""
    start = _next_id(Book)
    now = clock.now()
    rows = []
    for n in range(count):
        core = f"978{(start + n) % 10**9:09d}"
        rows.append(
            {
                "id": start + n,
                "title": f"{_pick(rng, words.TITLE_A)} {_pick(rng, words.TITLE_B)}",
                "author": f"{_pick(rng, words.FIRST)} {_pick(rng, words.LAST)}",
                "isbn": core + isbn13_check_digit(core),
                "publisher": _pick(rng, words.PUBLISHERS),
                "published_year": rng.randint(1950, now.year),
                "genre": _pick(rng, words.GENRES),
                "price": Decimal(rng.randint(499, 4999)) / 100,
                "stock": rng.randint(0, 120),
                "is_available": True,
                "created_at": now - dt.timedelta(seconds=rng.random() * TWO_YEARS),
                "updated_at": now,
            }
        )
    _insert(Book, rows)
    progress("books", count)


def seed_orders(rng: random.Random, count: int, progress: Progress, batch: int = 20000) -> None:
    """Orders over two years, 1–4 items each, statuses by age, totals from the items."""
    users = db.session.scalars(select(User.id)).all()
    products = db.session.execute(select(Product.id, Product.price)).all()
    if count and (not users or not products):
        raise ValueError("Orders need users and products first.")
    item_id = _next_id(OrderItem)
    now = clock.now()
    for chunk in _new_ids(Order, count, batch):
        orders, items = [], []
        for oid in chunk:
            age = rng.random() * TWO_YEARS
            created = now - dt.timedelta(seconds=age)
            old = age > 14 * DAY
            status = _pick(rng, words.OLD_STATUSES if old else words.RECENT_STATUSES)
            total = Decimal("0.00")
            for pid, price in rng.sample(products, k=min(len(products), 1 + int(rng.random() * 4))):
                qty = 1 + int(rng.random() * 3)
                total += price * qty
                items.append(
                    {
                        "id": item_id,
                        "order_id": oid,
                        "product_id": pid,
                        "quantity": qty,
                        "unit_price": price,
                    }
                )
                item_id += 1
            street = _pick(rng, words.STREETS)
            orders.append(
                {
                    "id": oid,
                    "user_id": _pick(rng, users),
                    "status": status,
                    "total": total,
                    "shipping_address": f"{1 + int(rng.random() * 200)} {street}",
                    "created_at": created,
                    "updated_at": created + dt.timedelta(seconds=min(age, rng.random() * 5 * DAY)),
                }
            )
        _insert(Order, orders)
        _insert(OrderItem, items)
        progress("orders", len(chunk))


def seed_demo(
    *, users: int, products: int, books: int, orders: int, seed: int, progress: Progress
) -> None:
    """Insert the demo catalogue, customers and orders; the caller commits.

    The planners' statistics are refreshed once the load is committed.
    """
    rng = random.Random(seed)
    bulk_load.fast_sqlite_session()
    seed_users(rng, users, progress)
    seed_products(rng, products, progress)
    seed_books(rng, books, progress)
    seed_orders(rng, orders, progress)
    bulk_load.sync_id_sequences(SEEDED)
    bulk_load.refresh_statistics_after_commit(SEEDED)
