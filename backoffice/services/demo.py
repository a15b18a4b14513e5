"""Realistic demo data, inserted in bulk so large volumes stay fast."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal

from flask_security import hash_password
from sqlalchemy import func, insert, select

from backoffice.extensions import db
from backoffice.models import Book, Order, OrderItem, Product, User, UserProfile
from backoffice.services.catalog import isbn13_check_digit

FIRST = [
    "Ada",
    "Alan",
    "Grace",
    "Linus",
    "Margaret",
    "Ken",
    "Barbara",
    "Dennis",
    "Frances",
    "Guido",
    "Radia",
    "Tim",
    "Katherine",
    "Edsger",
    "John",
    "Hedy",
    "Claude",
    "Donald",
    "Sophie",
    "Niklaus",
]
LAST = [
    "Lovelace",
    "Turing",
    "Hopper",
    "Torvalds",
    "Hamilton",
    "Thompson",
    "Liskov",
    "Ritchie",
    "Allen",
    "Rossum",
    "Perlman",
    "Berners-Lee",
    "Johnson",
    "Dijkstra",
    "McCarthy",
    "Lamarr",
    "Shannon",
    "Knuth",
    "Wilson",
    "Wirth",
]
CITIES = [
    ("Paris", "750"),
    ("Lyon", "690"),
    ("London", "SW1A "),
    ("Berlin", "101"),
    ("Madrid", "280"),
]
STREETS = [
    "Rue de la Paix",
    "High Street",
    "Hauptstrasse",
    "Calle Mayor",
    "Avenue des Champs",
    "Baker Street",
]
CATEGORIES = ["stationery", "electronics", "home", "toys", "garden", "kitchen", "music"]
ADJECTIVES = [
    "Classic",
    "Compact",
    "Deluxe",
    "Eco",
    "Ergonomic",
    "Heavy-duty",
    "Mini",
    "Smart",
    "Vintage",
    "Wireless",
]
NOUNS = [
    "Notebook",
    "Lamp",
    "Kettle",
    "Speaker",
    "Backpack",
    "Mug",
    "Pen",
    "Chair",
    "Clock",
    "Headphones",
    "Blender",
    "Puzzle",
]
GENRES = ["fiction", "science", "history", "children", "poetry", "travel", "cookery", "crime"]
TITLE_A = [
    "The Silent",
    "A Brief",
    "The Last",
    "Hidden",
    "The Lost",
    "Beyond the",
    "The Quiet",
    "Under the",
]
TITLE_B = [
    "Garden",
    "River",
    "Algorithm",
    "Empire",
    "Machine",
    "Harbour",
    "Winter",
    "Library",
    "Compass",
    "Orchard",
]
PUBLISHERS = ["Penguin", "Gallimard", "Faber", "Suhrkamp", "Anagrama", "Vintage", "Folio"]
STATUS_WEIGHTS = {"delivered": 55, "shipped": 12, "paid": 10, "pending": 13, "cancelled": 10}
DEMO_PASSWORD = "demo-customer-password"  # noqa: S105 - demo data only, printed by seed-demo

Progress = Callable[[str, int], None]


def _batches(total: int, size: int) -> Iterator[range]:
    for start in range(0, total, size):
        yield range(start, min(start + size, total))


def _next_id(model) -> int:
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def _sync_id_sequence(model) -> None:
    """After inserting explicit ids, move PostgreSQL's id sequence past them.

    Otherwise the next row the app creates (a user signing up, an order placed)
    collides with a seeded id. SQLite picks max(rowid) + 1 by itself.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        sequence = func.pg_get_serial_sequence(model.__table__.name, "id")
        db.session.execute(select(func.setval(sequence, func.max(model.id))))


def seed_users(rng: random.Random, count: int, progress: Progress, batch: int = 5000) -> None:
    """Customers with profiles; all share one bcrypt hash, computed once."""
    password = hash_password(DEMO_PASSWORD)
    first_id = _next_id(User)
    now = dt.datetime.now(dt.UTC)
    for chunk in _batches(count, batch):
        users, profiles = [], []
        for n in chunk:
            uid = first_id + n
            first, last = rng.choice(FIRST), rng.choice(LAST)
            city, zip_prefix = rng.choice(CITIES)
            created = now - dt.timedelta(days=rng.uniform(0, 730))
            users.append(
                {
                    "id": uid,
                    "email": f"{first}.{last}.{uid}@example.com".lower(),
                    "username": f"{first[:3]}{last[:3]}{uid}".lower(),
                    "password": password,
                    "active": rng.random() > 0.03,
                    "fs_uniquifier": uuid.uuid4().hex,
                    "confirmed_at": created,
                    "login_count": rng.randint(0, 40),
                    "failed_logins": 0,
                    "created_at": created,
                    "updated_at": created,
                }
            )
            profiles.append(
                {
                    "user_id": uid,
                    "full_name": f"{first} {last}",
                    "address": f"{rng.randint(1, 200)} {rng.choice(STREETS)}, {city}",
                    "zipcode": f"{zip_prefix}{rng.randint(10, 99)}",
                    "phone": f"+33 6 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",  # noqa: E501
                    "created_at": created,
                    "updated_at": created,
                }
            )
        db.session.execute(insert(User), users)
        db.session.execute(insert(UserProfile), profiles)
        progress("users", len(chunk))
    _sync_id_sequence(User)


def seed_products(rng: random.Random, count: int, progress: Progress) -> None:
    """Products across a handful of categories, a few out of stock."""
    start = _next_id(Product)
    now = dt.datetime.now(dt.UTC)
    rows = [
        {
            "name": f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}",
            "sku": f"SKU-{start + n:06d}",
            "description": "Demo product.",
            "category": rng.choice(CATEGORIES),
            "price": Decimal(rng.randint(199, 19999)) / 100,
            "stock": rng.choice([0, 2, 4]) if rng.random() < 0.1 else rng.randint(5, 500),
            "is_available": rng.random() > 0.05,
            "created_at": now - dt.timedelta(days=rng.uniform(0, 730)),
            "updated_at": now,
        }
        for n in range(count)
    ]
    if rows:
        db.session.execute(insert(Product), rows)
    progress("products", count)


def seed_books(rng: random.Random, count: int, progress: Progress) -> None:
    """Books with valid, unique ISBN-13s."""
    start = _next_id(Book)
    now = dt.datetime.now(dt.UTC)
    rows = []
    for n in range(count):
        core = f"978{(start + n) % 10**9:09d}"
        rows.append(
            {
                "title": f"{rng.choice(TITLE_A)} {rng.choice(TITLE_B)}",
                "author": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                "isbn": core + isbn13_check_digit(core),
                "publisher": rng.choice(PUBLISHERS),
                "published_year": rng.randint(1950, now.year),
                "genre": rng.choice(GENRES),
                "price": Decimal(rng.randint(499, 4999)) / 100,
                "stock": rng.randint(0, 120),
                "is_available": True,
                "created_at": now - dt.timedelta(days=rng.uniform(0, 730)),
                "updated_at": now,
            }
        )
    if rows:
        db.session.execute(insert(Book), rows)
    progress("books", count)


def seed_orders(rng: random.Random, count: int, progress: Progress, batch: int = 10000) -> None:
    """Orders over two years, 1–4 items each, statuses by age, totals from the items."""
    users = db.session.scalars(select(User.id)).all()
    products = db.session.execute(select(Product.id, Product.price)).all()
    if count and (not users or not products):
        raise ValueError("Orders need users and products first.")
    statuses = list(STATUS_WEIGHTS)
    weights = list(STATUS_WEIGHTS.values())
    first_id = _next_id(Order)
    now = dt.datetime.now(dt.UTC)
    for chunk in _batches(count, batch):
        orders, items = [], []
        for n in chunk:
            oid = first_id + n
            age = rng.uniform(0, 730)
            created = now - dt.timedelta(days=age)
            status = (
                rng.choices(statuses, weights)[0]
                if age > 14
                else rng.choice(["pending", "paid", "shipped", "cancelled"])
            )
            total = Decimal("0.00")
            for pid, price in rng.sample(products, k=min(len(products), rng.randint(1, 4))):
                qty = rng.randint(1, 3)
                total += price * qty
                items.append(
                    {"order_id": oid, "product_id": pid, "quantity": qty, "unit_price": price}
                )
            orders.append(
                {
                    "id": oid,
                    "user_id": rng.choice(users),
                    "status": status,
                    "total": total,
                    "shipping_address": f"{rng.randint(1, 200)} {rng.choice(STREETS)}",
                    "created_at": created,
                    "updated_at": created + dt.timedelta(days=min(age, rng.uniform(0, 5))),
                }
            )
        db.session.execute(insert(Order), orders)
        db.session.execute(insert(OrderItem), items)
        progress("orders", len(chunk))
    _sync_id_sequence(Order)


def seed_demo(
    *, users: int, products: int, books: int, orders: int, seed: int, progress: Progress
) -> None:
    """Insert the demo catalogue, customers and orders in one transaction."""
    rng = random.Random(seed)
    seed_users(rng, users, progress)
    seed_products(rng, products, progress)
    seed_books(rng, books, progress)
    seed_orders(rng, orders, progress)
    db.session.commit()
