"""Databases for tests: a throwaway PostgreSQL database of their own; SQLite lock helpers."""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from backoffice.extensions import db


def is_postgres(url: str | None) -> bool:
    """True for postgres:// and postgresql(+driver):// URLs."""
    return bool(url) and url.startswith(("postgres://", "postgresql://", "postgresql+"))


@contextmanager
def scratch_postgres(server_url: str, prefix: str) -> Iterator[str]:
    """Create an empty database on ``server_url``'s server; yield its URL; drop it after."""
    url = make_url(server_url).set(drivername="postgresql+psycopg")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@contextmanager
def scratch_database(env_url: str | None, directory, prefix: str) -> Iterator[str]:
    """An empty database: SQLite in ``directory``, or PostgreSQL when ``env_url`` is set."""
    if not env_url:
        yield f"sqlite:///{directory / (prefix + '.db')}"
        return
    with scratch_postgres(env_url, prefix) as url:
        yield url


#: For tests of SQLite's own behaviour (its busy timeout, its database-wide write lock).
sqlite_only = pytest.mark.skipif(
    is_postgres(os.environ.get("TEST_DATABASE_URL")), reason="SQLite behaviour"
)


@contextmanager
def sqlite_write_lock(url: str) -> Iterator[None]:
    """Hold the SQLite database's write lock from another connection, as a long write would."""
    holder = sqlite3.connect(make_url(url).database)
    try:
        holder.execute("BEGIN IMMEDIATE")
        yield
    finally:
        holder.rollback()
        holder.close()


@contextmanager
def temporary_ddl(app, create: list[str], drop: list[str]) -> Iterator[None]:
    """Run ``create`` (a test trigger, say) for the block, then ``drop`` it again."""
    for statements in (create, None, drop):
        if statements is None:
            yield
            continue
        with app.app_context():
            for statement in statements:
                db.session.execute(text(statement))
            db.session.commit()
