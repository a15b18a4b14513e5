"""Fixtures (database → app → client → signed-in clients) and pytest hooks; helpers: tests/support/.

The suite runs on SQLite by default. With TEST_DATABASE_URL=postgresql://host/db it
creates a fresh database of its own on that server, builds the schema with the real
migrations, and drops the database at the end.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from flask_migrate import upgrade

from backoffice import create_app
from backoffice.extensions import db
from backoffice.models import User
from tests.support.apps import Clock, make_app, wipe
from tests.support.databases import is_postgres as is_postgres_url
from tests.support.databases import scratch_postgres
from tests.support.factories import add_book, add_order, add_product, add_user
from tests.support.http import login
from tests.support.worker import Outbox, running_worker

# ftp_server, ftp_server_factory and closed_port for every test package.
pytest_plugins = ("tests.support.ftpserver",)


def pytest_runtest_setup(item):
    """Skip ``@pytest.mark.postgres_only`` tests on SQLite."""
    if item.get_closest_marker("postgres_only") and not is_postgres_url(
        os.environ.get("TEST_DATABASE_URL", "")
    ):
        pytest.skip("needs PostgreSQL (set TEST_DATABASE_URL)")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    """A brand-new, empty database for this test run."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    if not is_postgres_url(base):
        raise pytest.UsageError("TEST_DATABASE_URL must be a postgresql:// URL")
    with scratch_postgres(base, "backoffice_test") as url:
        yield url


@pytest.fixture(scope="session")
def migrated(database_url) -> str:
    """The test database with the schema built by the real migrations."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url}, env="testing")
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return database_url


@pytest.fixture
def app_config(request, tmp_path, tmp_path_factory) -> dict:
    """Settings for the test's app: its own UPLOAD_DIR and queue file, then ``@pytest.mark.config``.

    A queue of its own, so a test's worker never sends the mail other tests left queued;
    outside ``tmp_path``, which tests may expect to hold only what they wrote.
    """
    overrides = {
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "JOBS_SQLITE_PATH": str(tmp_path_factory.mktemp("queue") / "jobs.db"),
    }
    for marker in reversed(list(request.node.iter_markers("config"))):
        overrides.update(marker.kwargs)
    return overrides


@pytest.fixture
def app(migrated, app_config):
    """A fresh app per test; ``@pytest.mark.config(KEY=value)`` adds settings."""
    app = make_app(migrated, **app_config)
    yield app
    wipe(app)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def clock(app) -> Clock:
    """Control the app's notion of now (lockout expiry and other time rules)."""
    app.config["CLOCK"] = Clock()
    return app.config["CLOCK"]


@pytest.fixture
def outbox(app) -> Iterator[Outbox]:
    """Mail sent during the test by the app's real worker (a consumer in threads).

    Each read waits until the worker has ended every task enqueued so far.
    """
    with running_worker(app) as worker:
        yield Outbox(app, worker)


@pytest.fixture
def is_postgres(migrated) -> bool:
    """True when the suite runs on PostgreSQL."""
    return migrated.startswith("postgresql")


@pytest.fixture
def client(app):
    """A test client; no app context is held between requests (as in production)."""
    return app.test_client()


@pytest.fixture
def users(app) -> dict[str, int]:
    """One user per kind: admin, staff and a plain customer."""
    return {
        "admin": add_user(app, "admin@example.com", roles=["admin"], full_name="Ada Admin"),
        "staff": add_user(app, "staff@example.com", roles=["staff"], full_name="Sam Staff"),
        "customer": add_user(app, "customer@example.com", full_name="Carl Customer"),
    }


@pytest.fixture
def admin_client(client, users):
    """A client logged in as the admin."""
    assert login(client, "admin@example.com").status_code == 302
    return client


@pytest.fixture
def staff_client(client, users):
    """A client logged in as staff."""
    assert login(client, "staff@example.com").status_code == 302
    return client


@pytest.fixture
def customer_client(client, users):
    """A client logged in as a customer without any staff role."""
    assert login(client, "customer@example.com").status_code == 302
    return client


@pytest.fixture
def catalog(app, users) -> dict[str, int]:
    """One product, one book and one order of the customer's."""
    product = add_product(app)
    book = add_book(app)
    order = add_order(app, users["customer"], [(product, 2)])
    with app.app_context():
        profile = db.session.get(User, users["customer"]).profile.id
    return {"product": product, "book": book, "order": order, "userprofile": profile}
