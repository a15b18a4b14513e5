"""Fixtures: database → app → client → login helpers.

The suite runs on SQLite by default. With TEST_DATABASE_URL=postgresql://host/db it
creates a fresh database of its own on that server, builds the schema with the real
migrations, and drops the database at the end.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy.orm import joinedload, selectinload

from backoffice import create_app
from backoffice.extensions import db
from backoffice.models import Book, Order, OrderItem, Product, User
from backoffice.services.users import create_user, ensure_roles
from tests.databases import is_postgres as is_postgres_url
from tests.databases import scratch_postgres

# ftp_server, ftp_server_factory and closed_port for every test package.
pytest_plugins = ("tests.ftpserver",)

PASSWORD = "correct horse battery staple 42"
LOGIN = "/login"


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


def _wipe(app) -> None:
    """Delete every row, children first, so each test starts empty."""
    with app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()


class ClosingClient(FlaskClient):
    """A test client that reads and closes each response, as a WSGI server does.

    Werkzeug's client leaves the response open unless asked for ``buffered=True``, so work
    hung on ``Response.call_on_close`` (mail, see ``backoffice.outgoing_mail``) would never
    run. Pass ``buffered=False`` to read a streamed response as it comes.
    """

    def open(self, *args, buffered: bool = True, **kwargs):
        """Like ``FlaskClient.open``, buffered (and so closed) unless told otherwise."""
        return super().open(*args, buffered=buffered, **kwargs)


def make_app(database_url: str, **overrides):
    """Build a test app on ``database_url`` with extra settings."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, **overrides}, env="testing")
    app.test_client_class = ClosingClient
    return app


@pytest.fixture
def app_config(request, tmp_path) -> dict:
    """Settings for the test's app: its own UPLOAD_DIR, then ``@pytest.mark.config`` values."""
    overrides = {"UPLOAD_DIR": str(tmp_path / "uploads")}
    for marker in reversed(list(request.node.iter_markers("config"))):
        overrides.update(marker.kwargs)
    return overrides


@pytest.fixture
def app(migrated, app_config):
    """A fresh app per test; ``@pytest.mark.config(KEY=value)`` adds settings."""
    app = make_app(migrated, **app_config)
    yield app
    _wipe(app)
    with app.app_context():
        db.engine.dispose()


class Clock:
    """A clock the test moves by hand; the app reads it through ``app.config["CLOCK"]``."""

    def __init__(self) -> None:
        self.now = dt.datetime(2030, 1, 15, 12, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        """Move time forward by ``datetime.timedelta(**delta)``."""
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock(app) -> Clock:
    """Control the app's notion of now (lockout expiry and other time rules)."""
    app.config["CLOCK"] = Clock()
    return app.config["CLOCK"]


@pytest.fixture
def outbox(app) -> list:
    """Mail sent during the test (Flask-Mailman's in-memory backend)."""
    state = app.extensions["mailman"]
    state.outbox = []
    return state.outbox


@pytest.fixture
def is_postgres(migrated) -> bool:
    """True when the suite runs on PostgreSQL."""
    return migrated.startswith("postgresql")


@pytest.fixture
def client(app):
    """A test client; no app context is held between requests (as in production)."""
    return app.test_client()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_from(html: str) -> str:
    """The CSRF token embedded in a rendered form."""
    match = CSRF_RE.search(html)
    assert match, "no csrf_token in page"
    return match.group(1) or match.group(2)


def csrf_token(client, url: str = LOGIN) -> str:
    """Fetch a page with a form and return its CSRF token (valid for the session).

    Signed-in users are redirected away from /login; their pages carry the token in
    the navbar's logout form instead.
    """
    response = client.get(url)
    if response.status_code == 302:
        response = client.get("/")
    return csrf_from(response.get_data(as_text=True))


def post_form(client, url: str, data: dict | None = None, *, token_from=LOGIN, **kw):
    """POST a form with a valid CSRF token, like a browser would."""
    payload = dict(data or {})
    payload.setdefault("csrf_token", csrf_token(client, token_from))
    return client.post(url, data=payload, **kw)


def add_user(app, email: str, *, roles=(), password: str = PASSWORD, **kwargs):
    """Create a user through the service (with profile) and return its id."""
    with app.app_context():
        ensure_roles()
        user = create_user(email, password, roles=list(roles), **kwargs)
        db.session.commit()
        return user.id


def login(client, identity: str, password: str = PASSWORD, field: str = "email"):
    """Log in through the real form; returns the response."""
    return post_form(client, "/login", {field: identity, "password": password})


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


def get_user(app, email: str) -> User | None:
    """The user with its profile and roles loaded, detached from any session."""
    with app.app_context():
        user = db.session.scalar(
            db.select(User)
            .where(User.email == email)
            .options(joinedload(User.profile), selectinload(User.roles))
        )
        if user is not None:
            db.session.expunge(user)
        return user


def add_product(app, sku="SKU-1", **fields) -> int:
    """Insert a product and return its id."""
    values = {"name": "Desk Lamp", "category": "home", "price": Decimal("19.99"), "stock": 10}
    values.update(fields)
    with app.app_context():
        product = Product(sku=sku, **values)
        db.session.add(product)
        db.session.commit()
        return product.id


def add_book(app, isbn="9780306406157", **fields) -> int:
    """Insert a book and return its id."""
    values = {"title": "Dune", "author": "Frank Herbert", "price": Decimal("9.50"), "stock": 3}
    values.update(fields)
    with app.app_context():
        book = Book(isbn=isbn, **values)
        db.session.add(book)
        db.session.commit()
        return book.id


def add_order(app, user_id: int, lines: list[tuple[int, int]], status="pending") -> int:
    """Insert an order with (product_id, quantity) lines priced from the products."""
    with app.app_context():
        order = Order(user_id=user_id, status=status, shipping_address="1 High Street")
        for product_id, quantity in lines:
            product = db.session.get(Product, product_id)
            order.items.append(
                OrderItem(product=product, quantity=quantity, unit_price=product.price)
            )
        order.total = sum((i.unit_price * i.quantity for i in order.items), Decimal("0.00"))
        db.session.add(order)
        db.session.commit()
        return order.id


@pytest.fixture
def catalog(app, users) -> dict[str, int]:
    """One product, one book and one order of the customer's."""
    product = add_product(app)
    book = add_book(app)
    order = add_order(app, users["customer"], [(product, 2)])
    with app.app_context():
        profile = db.session.get(User, users["customer"]).profile.id
    return {"product": product, "book": book, "order": order, "userprofile": profile}
