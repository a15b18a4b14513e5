"""Helpers for the list-page tests: a big enough data set, and the SQL a request runs."""

from __future__ import annotations

import random
import re
from contextlib import contextmanager

from sqlalchemy import event, insert, select, text, update

from backoffice.extensions import db
from backoffice.models import AuditLog, Role, User, UserProfile, utcnow
from backoffice.models.users import roles_users
from backoffice.services.demo import seed_demo

#: Every admin list, by URL.
LISTS = (
    "/admin/user/",
    "/admin/userprofile/",
    "/admin/product/",
    "/admin/book/",
    "/admin/order/",
    "/admin/auditlog/",
)


def fill(app, rows: int = 120) -> None:
    """More than ``rows`` rows in every list, with what the columns show filled in.

    Customers with profiles and avatars (every user), a role on every third one,
    products, books, orders with items, and audit entries.
    """
    with app.app_context():
        seed_demo(
            users=rows,
            products=rows,
            books=rows,
            orders=rows,
            seed=7,
            progress=lambda *_: None,
        )
        staff = db.session.scalar(select(Role.id).where(Role.name == "staff"))
        user_ids = db.session.scalars(select(User.id).order_by(User.id)).all()
        db.session.execute(
            insert(roles_users),
            [{"user_id": uid, "role_id": staff} for uid in user_ids[::3]],
        )
        db.session.execute(
            update(UserProfile).values(avatar="avatars/" + "ab" * 16 + ".webp"),
        )
        now = utcnow()
        db.session.execute(
            insert(AuditLog),
            [
                {
                    "created_at": now,
                    "actor_email": "admin@example.com",
                    "ip": "127.0.0.1",
                    "action": random.Random(n).choice(["create", "update", "login"]),
                    "model": "Order",
                    "object_id": str(n),
                    "changes": {"status": {"before": "pending", "after": "paid"}},
                    "summary": f"Updated Order {n}",
                }
                for n in range(rows)
            ],
        )
        db.session.commit()


@contextmanager
def recorded_sql(app):
    """Collect ``(statement, parameters)`` of every SQL statement run inside the block."""
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def refresh_statistics(app, *tables: str) -> None:
    """ANALYZE on PostgreSQL (its row estimates come from there); nothing on SQLite."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            return
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in tables:
                conn.execute(text(f"ANALYZE {table}"))


def plans(app, statements) -> list[tuple[str, str]]:
    """``(statement, plan line)`` for every SELECT, as the database would run it now."""
    lines = []
    with app.app_context(), db.engine.connect() as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            conn.execute(text("SET LOCAL enable_seqscan = off"))
            conn.execute(text("SET LOCAL enable_sort = off"))
        for statement, params in statements:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            if postgres:
                plan = conn.exec_driver_sql("EXPLAIN " + statement, params).scalars()
            else:
                rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)
                plan = [row[3] for row in rows]
            lines += [(statement, line) for line in plan]
        conn.rollback()
    return lines


def full_scans(plan) -> set[str]:
    """Tables read in full, without an index."""
    scanned = set()
    for statement, line in plan:
        scanned.update(re.findall(r"Seq Scan on (\w+)", line))  # PostgreSQL
        match = re.fullmatch(r"SCAN (\w+)", line)  # SQLite
        # A bare SCAN in primary-key order walks the table's B-tree and stops at the
        # LIMIT: not a full read.
        if match and not re.search(rf"ORDER BY {match[1]}\.id\b", statement):
            scanned.add(match[1])
    return scanned


def sorts(plan) -> list[str]:
    """Plan lines that sort rows themselves (no index gives the order)."""
    return [
        line
        for _, line in plan
        if re.search(r"(^|->)\s*Sort\s+\(", line) or re.search(r"TEMP B-TREE FOR.*ORDER BY", line)
    ]


def forget_statistics(app) -> None:
    """Drop SQLite's ANALYZE results left by other tests (tiny tables plan as scans)."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return
        with db.engine.begin() as conn:
            stats = "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"
            if conn.exec_driver_sql(stats).first():
                conn.exec_driver_sql("DELETE FROM sqlite_stat1")
        db.engine.dispose()  # pooled connections keep the statistics they loaded


def row_count(html: str) -> int:
    """Rows on a rendered list page (each has a bulk-selection checkbox)."""
    return html.count('name="rowid"')
