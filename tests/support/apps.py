"""The test app: built on a given database, its client, wiping it, and a clock moved by hand."""

from __future__ import annotations

import datetime as dt

from flask.testing import FlaskClient

from backoffice import create_app
from backoffice.extensions import db


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


def wipe(app) -> None:
    """Delete every row, children first, so each test starts empty."""
    with app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()


class Clock:
    """A clock the test moves by hand; the app reads it through ``app.config["CLOCK"]``."""

    def __init__(self) -> None:
        self.now = dt.datetime(2030, 1, 15, 12, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        """Move time forward by ``datetime.timedelta(**delta)``."""
        self.now += dt.timedelta(**delta)
