"""Shared by the benchmarks: scratch databases, the app's CLI, seeding, statistics, CPU use.

Every benchmark works on a database of its own: a SQLite file in a temporary directory,
or a PostgreSQL database created on --pg-server and dropped at the end, whatever
happens (``scratch_database`` is a context manager).
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
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
        # Kept for the run, like the salt: staff enrol once (signed_in_client) and sign in again.
        SECURITY_TOTP_SECRETS=os.environ.get("SECURITY_TOTP_SECRETS", "1:" + secrets.token_hex(32)),
        SECURITY_MULTI_FACTOR_RECOVERY_CODES_KEYS=os.environ.get(
            "SECURITY_MULTI_FACTOR_RECOVERY_CODES_KEYS",
            base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        ),
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
    from tests.support.databases import scratch_postgres  # the test suite's, shared

    with scratch_postgres(pg_server, "bench") as url:
        yield url


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
    """An admin (or staff) account with a fresh password and no second factor yet (its
    first sign-in through ``signed_in_client`` sets one up); the password."""
    password = secrets.token_urlsafe(16)
    manage(env, "create-admin", email, "--password", password, "--role", role, "--reset",
           quiet=True)  # fmt: skip
    manage(env, "tf-reset", email, quiet=True)
    AUTHENTICATORS.pop(email, None)
    return password


def csrf_from(html: str) -> str:
    """The CSRF token embedded in a rendered form."""
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


#: Test-client request options: production cookies are Secure, and CSRF on HTTPS checks
#: the Referer.
HTTPS = {"base_url": "https://localhost", "headers": {"Referer": "https://localhost/login"}}


#: Authenticator keys read off the setup page, by email (the benchmark's phone app).
AUTHENTICATORS: dict[str, str] = {}
#: The authenticator key as /tf-setup shows it for manual entry ("ABCD-EFGH-...").
SETUP_KEY = re.compile(r"<div>([A-Z2-7]{4}(?:-[A-Z2-7]{4})+)</div>")


def authenticator_code(email: str) -> str:
    """The current code of the authenticator set up for ``email``."""
    import pyotp

    return pyotp.TOTP(AUTHENTICATORS[email]).now()


def second_factor(client, response, email: str):
    """Finish a sign-in the password started: set up the authenticator the first time
    (reading the key off the page), then send its code. Returns the last response."""
    location = response.headers.get("Location", "")
    if location.endswith("/tf-setup"):
        token = csrf_from(client.get("/tf-setup", **HTTPS).get_data(as_text=True))
        data = {"setup": "authenticator", "csrf_token": token}
        page = client.post("/tf-setup", data=data, **HTTPS).get_data(as_text=True)
        AUTHENTICATORS[email] = SETUP_KEY.search(page).group(1).replace("-", "")
    elif "/tf-validate" not in location:
        return response
    token = csrf_from(client.get("/tf-validate", **HTTPS).get_data(as_text=True))
    data = {"code": authenticator_code(email), "csrf_token": token}
    return client.post("/tf-validate", data=data, **HTTPS)


def signed_in_client(app, email: str, password: str):
    """A Flask test client logged in through the real forms (password, then the code)."""
    client = app.test_client()
    token = csrf_from(client.get("/login", **HTTPS).get_data(as_text=True))
    data = {"email": email, "password": password, "csrf_token": token}
    response = second_factor(client, client.post("/login", data=data, **HTTPS), email)
    assert response.status_code == 302, "login failed"
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


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [float(v) for v in f.readline().split()[1:]]
    ticks = os.sysconf("SC_CLK_TCK")
    return (sum(fields) - fields[3] - fields[4]) / ticks, sum(fields) / ticks  # minus idle, iowait


def process_cpu(master: int) -> float:
    """CPU seconds used so far by gunicorn: the master and its workers."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if stat.parent.name == str(master) or fields[1] == str(master):
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def cpu_snapshot(master: int) -> tuple[float, float, float, float]:
    """(machine busy, machine total, this process, gunicorn) CPU seconds so far."""
    busy, total = machine_cpu()
    return busy, total, time.process_time(), process_cpu(master)


def cpu_split(before: tuple, after: tuple) -> str:
    """Where the CPU went between two snapshots: machine, clients, gunicorn, the rest."""
    busy, total, clients, server = (a - b for a, b in zip(after, before, strict=True))
    cores = os.cpu_count() or 1
    return (
        f"CPU over {total / cores:.0f} s on {cores} cores: machine {busy / total:.0%} busy;"
        f" load clients {clients:.1f} s, gunicorn {server:.1f} s, the rest (PostgreSQL,"
        f" Redis, anything else running) {busy - clients - server:.1f} s"
    )
