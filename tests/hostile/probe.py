"""Sending hostile requests and judging the answers: no 5xx, no ERROR log, nothing changed.

A ``Probe`` wraps one app and its clients. Every request goes through ``Probe.send``,
which encodes values byte-exactly (so a lone surrogate reaches the server as the
invalid UTF-8 ``%ED%A0%80`` and ``b"\\xff"`` as ``%FF``), catches anything raised,
watches the log for ERROR records, and writes one line per failure. A test collects
the lines of all its values and asserts once, so one run lists every failing URL.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import quote

from flask_admin.contrib.sqla import ModelView
from sqlalchemy import func, select, update

from backoffice import create_app
from backoffice.extensions import db
from backoffice.models import Product, User
from tests.support.http import csrf_token, login

Value = str | bytes
#: Tables whose rows a refused request must leave alone (the audit log legitimately grows).
GUARDED_TABLES = (
    "users",
    "roles_users",
    "user_profiles",
    "products",
    "books",
    "orders",
    "order_items",
)


def encode(value: Value) -> str:
    """Percent-encode every byte of ``value`` (a str is UTF-8, surrogates passed through)."""
    if isinstance(value, bytes):
        return quote(value, safe="")
    return quote(value, safe="", errors="surrogatepass")


def query_string(pairs: Iterable[tuple[str, Value]]) -> str:
    """``?a=1&b=%00`` from pairs, each value encoded byte for byte."""
    text = "&".join(f"{encode(k)}={encode(v)}" for k, v in pairs)
    return f"?{text}" if text else ""


def form_body(pairs: Iterable[tuple[str, Value]]) -> bytes:
    """An ``application/x-www-form-urlencoded`` body, encoded like ``query_string``."""
    return query_string(pairs)[1:].encode("ascii")


@cache
def route_app():
    """An app used only to read the URL map and the admin views (never touches a database)."""
    return create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}, env="testing")


def model_views(app=None) -> list[ModelView]:
    """Every Flask-Admin model view registered on the app, in menu order."""
    app = app or route_app()
    views = []
    for admin in app.extensions["admin"]:
        views += [v for v in admin._views if isinstance(v, ModelView)]
    return views


def view_for(app, endpoint: str) -> ModelView:
    """The model view with this endpoint."""
    return next(v for v in model_views(app) if v.endpoint == endpoint)


class ErrorTrap(logging.Handler):
    """Collects ERROR-and-worse log records from every logger while installed."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record."""
        self.records.append(record)

    def summary(self) -> str:
        """The first record as ``message: ExceptionType: text`` (one line)."""
        record = self.records[0]
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            text += f": {type(exc).__name__}: {str(exc).splitlines()[0][:160] if str(exc) else ''}"
        return text


@dataclass
class Probe:
    """One app, its signed-in clients, and the failures seen so far."""

    app: object
    clients: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)
    requests: int = 0

    def client(self, who: str):
        """The client signed in as ``who`` ("admin", "customer") or anonymous ("anon")."""
        if who not in self.clients:
            client = self.app.test_client()
            if who != "anon":
                self.lift_lock(f"{who}@example.com")
                response = login(client, f"{who}@example.com")
                assert response.status_code == 302, f"{who} could not sign in"
            self.clients[who] = client
        return self.clients[who]

    def token(self, who: str) -> str:
        """A CSRF token valid for ``who``'s session (the session keeps one token)."""
        if who not in self.tokens:
            self.tokens[who] = csrf_token(self.client(who))
        return self.tokens[who]

    def lift_lock(self, email: str) -> None:
        """Clear a lockout hostile posts earned (wrong passwords on /change count), as its
        expiry would, so the next probe can sign in again."""
        with self.app.app_context():
            db.session.execute(
                update(User).where(User.email == email).values(failed_logins=0, locked_until=None)
            )
            db.session.commit()

    def still_signed_in(self, who: str) -> None:
        """Sign ``who`` in again if a request ended the session (a logout, a lockout)."""
        if who == "anon":
            return
        if self.client(who).get("/account/").status_code != 200:
            del self.clients[who]
            self.tokens.pop(who, None)
            self.client(who)

    def send(self, who: str, method: str, url: str, **kw) -> tuple[int | None, str | None]:
        """Make one request; ``(status, problem)``, problem None when the answer is fine."""
        trap = ErrorTrap()
        root = logging.getLogger()
        root.addHandler(trap)
        self.requests += 1
        status = None
        try:
            response = self.client(who).open(url, method=method, **kw)
            response.get_data()  # a streamed body (CSV export) fails only while read
            status = response.status_code
        except Exception as exc:  # the suite reports it as a failure like a 500
            return None, f"raised {type(exc).__name__}: {str(exc)[:160]}"
        finally:
            root.removeHandler(trap)
        if status >= 500:
            detail = trap.summary() if trap.records else "(nothing logged)"
            return status, f"{status}: {detail}"
        if trap.records:
            return status, f"{status} but logged ERROR: {trap.summary()}"
        return status, None

    def snapshot(self) -> dict[str, list]:
        """Every row of the guarded tables, to prove a request changed nothing."""
        rows = {}
        with self.app.app_context():
            for name in GUARDED_TABLES:
                table = db.metadata.tables[name]
                query = select(table).order_by(*table.primary_key.columns)
                rows[name] = [tuple(map(repr, row)) for row in db.session.execute(query)]
            db.session.rollback()
        return rows

    def counts(self) -> dict[str, int]:
        """How many rows each guarded table has (where a request may touch counters)."""
        with self.app.app_context():
            return {
                name: db.session.scalar(select(func.count()).select_from(db.metadata.tables[name]))
                for name in GUARDED_TABLES
            }

    def user_id(self, name: str) -> int:
        """The id of the seeded account ``name@example.com``."""
        with self.app.app_context():
            return db.session.scalar(select(User.id).where(User.email == f"{name}@example.com"))

    def product_id(self, sku: str) -> int:
        """The id of the seeded product with this SKU."""
        with self.app.app_context():
            return db.session.scalar(select(Product.id).where(Product.sku == sku))

    def mails(self) -> int:
        """Mail sent or queued so far (nothing consumes the probe's queue: it only grows)."""
        sent = len(getattr(self.app.extensions["mailman"], "outbox", None) or [])
        return sent + self.app.extensions["huey"].pending_count()

    def max_id(self, model) -> int:
        """The highest primary key of ``model`` (the seeded victim row)."""
        with self.app.app_context():
            pk = model.__mapper__.primary_key[0]
            return db.session.scalar(select(func.max(pk)))


def changed_tables(before: dict, after: dict) -> list[str]:
    """Names of the guarded tables whose rows differ."""
    return [name for name in before if before[name] != after[name]]


def label(method: str, url: str, extra: str = "") -> str:
    """A failure line's request part, cut to a readable length."""
    text = f"{method} {url}"
    if len(text) > 140:
        text = text[:120] + f"...({len(url)} chars)"
    return f"{text} {extra}".rstrip()


def lists_still_render(probe: Probe, endpoint: str) -> list[str]:
    """Failures of a list and its export after hostile requests (which write audit rows)."""
    failures = []
    for url in (f"/admin/{endpoint}/", f"/admin/{endpoint}/export/csv/"):
        _, problem = probe.send("admin", "GET", url)
        if problem:
            failures.append(f"GET {url} -> {problem}")
    return failures
