"""Shared by the benchmarks: scratch databases, the app's CLI, seeding, statistics.

Every benchmark works on a database of its own: a SQLite file in a temporary directory,
or a PostgreSQL database created on --pg-server and dropped at the end, whatever
happens (``scratch_database`` is a context manager).
"""

from __future__ import annotations

import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = "postgresql://postgres@127.0.0.1:5432/test"
ADMIN = "bench-admin@example.com"


def production_env(**extra: str) -> dict:
    """Environment for the app in production mode with throwaway secrets."""
    env = dict(
        os.environ,
        BACKOFFICE_ENV="production",
        SECRET_KEY=secrets.token_hex(32),
        SECURITY_PASSWORD_SALT=os.environ.get("SECURITY_PASSWORD_SALT", secrets.token_hex(16)),
        LOG_LEVEL="WARNING",
        MAIL_BACKEND="locmem",
    )
    env.update(extra)
    return env


def manage(env: dict, *args: str, quiet: bool = False) -> str:
    """Run ``manage.py ARGS`` with ``env``; its standard output."""
    out = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.PIPE if quiet else None,
        text=True,
    )
    return out.stdout or ""


@contextmanager
def scratch_database(kind: str, pg_server: str = PG_SERVER) -> Iterator[str]:
    """A fresh, empty database URL (``kind`` is sqlite or postgres), removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bench-") as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server = make_url(pg_server).set(drivername="postgresql+psycopg")
    name = f"bench_{uuid.uuid4().hex[:10]}"
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def seed(env: dict, *, users: int, orders: int, products: int = 200, books: int = 1000) -> float:
    """Migrate and seed the database in ``env``; the seconds seed-demo took."""
    manage(env, "db", "upgrade", quiet=True)
    started = time.perf_counter()
    manage(env, "seed-demo", "--users", str(users), "--orders", str(orders),
           "--products", str(products), "--books", str(books))  # fmt: skip
    seconds = time.perf_counter() - started
    print(f"seeded {users:,} users and {orders:,} orders in {seconds:.0f} s", flush=True)
    return seconds


def create_admin(env: dict, email: str = ADMIN, role: str = "admin") -> str:
    """An admin (or staff) account with a fresh password; the password."""
    password = secrets.token_urlsafe(16)
    manage(env, "create-admin", email, "--password", password, "--role", role, "--reset",
           quiet=True)  # fmt: skip
    return password


def csrf_from(html: str) -> str:
    """The CSRF token embedded in a rendered form."""
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


#: Test-client request options: production cookies are Secure, and CSRF on HTTPS checks
#: the Referer.
HTTPS = {"base_url": "https://localhost", "headers": {"Referer": "https://localhost/login"}}


def signed_in_client(app, email: str, password: str):
    """A Flask test client logged in through the real login form."""
    client = app.test_client()
    token = csrf_from(client.get("/login", **HTTPS).get_data(as_text=True))
    data = {"email": email, "password": password, "csrf_token": token}
    assert client.post("/login", data=data, **HTTPS).status_code == 302, "login failed"
    return client


def percentile(values: list[float], share: float) -> float:
    """The ``share`` (0-1) percentile, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def summary(values: list[float]) -> dict[str, float]:
    """Median, p95, p99 and min of a list of timings."""
    return {
        "median": statistics.median(values),
        "p95": percentile(values, 0.95),
        "p99": percentile(values, 0.99),
        "min": min(values),
    }
