"""Fixtures of the browser tests: one live server and one Chromium per run, a journey per test.

Run them with ``make e2e`` (``pytest -m e2e tests/e2e``); the unit suite leaves them
out (``-m "not e2e"`` in pyproject.toml). Screenshots, console logs and the server
log go to ``artifacts/e2e/``.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect, sync_playwright
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from tests.e2e.browser import CHROMIUM, TIMEOUT_MS, Journey, launch
from tests.e2e.mailbox import Mailbox
from tests.e2e.server import ROOT, LiveServer, Worker, manage, server_env

# Screenshots, console logs, downloads and the server log of the run (wiped at its start).
ARTIFACTS = ROOT / os.environ.get("E2E_ARTIFACTS", "artifacts/e2e")
ADMIN = ("admin@e2e.example.com", "admin e2e password 4 Tolstoy")
STAFF = ("staff@e2e.example.com", "staff e2e password 7 Austen")
DEMO_PASSWORD = "demo-customer-password"  # printed by seed-demo


@dataclass
class World:
    """The running server and what was seeded into it."""

    url: str
    env: dict[str, str]
    mailbox: Mailbox
    db: Engine
    customers: list[str]  # active demo customers, by email
    products: list[dict]  # available products with stock, as exported
    worker: Worker | None = None  # the background-job worker beside the server

    def manage(self, *args: str) -> str:
        """``python manage.py ARGS`` against this server's database."""
        return manage(self.env, *args)

    def scalar(self, sql: str, **params):
        """One value straight from the database: the oracle the pages are checked against."""
        with self.db.connect() as conn:
            return conn.execute(text(sql), params).scalar_one()

    def column(self, sql: str, **params) -> list:
        """The first column of every row of ``sql``."""
        with self.db.connect() as conn:
            return list(conn.execute(text(sql), params).scalars())

    def export(self, model: str, *args: str) -> list[dict]:
        """Rows of ``manage.py export MODEL ... --out -`` (the admin's CSV columns)."""
        return list(csv.DictReader(io.StringIO(self.manage("export", model, *args, "--out", "-"))))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Every test under tests/e2e is a browser test (deselected from the unit suite)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, for the journey fixture's failure dump."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """A journey that passed its assertions still fails on browser errors along the way."""
    result = yield
    journey = item.funcargs.get("journey")
    if journey is not None:
        journey.assert_clean()
    return result


@pytest.fixture(scope="session")
def world(database_url, tmp_path_factory) -> Iterator[World]:
    """Migrate a fresh database, seed it through the CLI, serve it with gunicorn and a worker."""
    if not Path(CHROMIUM).exists():
        pytest.exit(f"{CHROMIUM} is missing: `make e2e` installs it (apt-get install chromium)")
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    workdir = tmp_path_factory.mktemp("e2e")
    env = server_env(database_url, workdir)
    manage(env, "db", "upgrade")
    manage(env, "create-admin", ADMIN[0], "--password", ADMIN[1])
    manage(env, "create-admin", STAFF[0], "--password", STAFF[1], "--role", "staff")
    manage(env, "seed-demo", "--users", "24", "--products", "12", "--books", "6",
           "--orders", "60", "--seed", "7")  # fmt: skip
    server = LiveServer(env, ARTIFACTS / "server.log")
    worker = Worker(env, ARTIFACTS / "worker.log")
    engine = create_engine(env["DATABASE_URL"])
    try:
        server.start()
        worker.start()
        world = World(server.url, env, Mailbox(workdir / "mail"), engine, [], [], worker)
        users = world.export("user", "--filter", "status_equals=1")
        world.customers = [u["Email"] for u in users if not u["Roles"]]
        world.products = [
            p for p in world.export("product") if p["Available"] == "true" and int(p["Stock"]) > 20
        ]
        yield world
    finally:
        worker.stop()
        server.stop()
        engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One Chromium for the run; every journey opens its own contexts."""
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


_journeys = iter(range(1, 250))


@pytest.fixture
def journey(request, world, browser) -> Iterator[Journey]:
    """A journey named after the test, with its own client address and screenshot folder."""
    name = request.node.name.removeprefix("test_")
    trip = Journey(
        name=name,
        browser=browser,
        base_url=world.url,
        directory=ARTIFACTS / name,
        address=f"10.77.{next(_journeys)}.",
    )
    yield trip
    report = getattr(request.node, "report_call", None)
    if report is None or report.failed:
        trip.dump()
    trip.close()
