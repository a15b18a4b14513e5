"""One seeded app per hostile module, shared by its tests (thousands of requests, one setup).

The app runs with ``PROPAGATE_EXCEPTIONS=False``, as in production: a crash answers
500 through the app's error handler (which logs "unhandled error"), and the probe
sees both. The data has one row of each kind a hostile request could hit, and a
"victim" row last in each table (the highest id) that a loosely parsed id would act on.
"""

from __future__ import annotations

import pytest

from backoffice.extensions import db
from tests.hostile.probe import Probe
from tests.support.apps import make_app, wipe
from tests.support.factories import add_book, add_order, add_product, add_user

#: Requests made by the hostile suite in this run, for the summary line.
REQUESTS: list[int] = []


@pytest.fixture(scope="module")
def probe(migrated, tmp_path_factory):
    """A seeded app with admin, staff and customer accounts; yields its Probe."""
    uploads = tmp_path_factory.mktemp("hostile-uploads")
    # A queue of its own: Probe.mails counts the mail queued there.
    queue = tmp_path_factory.mktemp("hostile-queue") / "jobs.db"
    app = make_app(
        migrated, PROPAGATE_EXCEPTIONS=False, UPLOAD_DIR=str(uploads), JOBS_SQLITE_PATH=str(queue)
    )
    wipe(app)
    seed(app)
    probe = Probe(app)
    yield probe
    REQUESTS.append(probe.requests)
    wipe(app)
    with app.app_context():
        db.engine.dispose()


def seed(app) -> None:
    """Accounts, catalogue and orders; the victims (highest ids) are the easiest to harm."""
    add_user(app, "admin@example.com", roles=["admin"], full_name="Ada Admin")
    add_user(app, "staff@example.com", roles=["staff"], full_name="Sam Staff")
    customer = add_user(app, "customer@example.com", full_name="Carl Customer")
    product = add_product(app, sku="SKU-1")
    add_book(app, isbn="9780306406157")
    add_order(app, customer, [(product, 1)], status="delivered")
    add_order(app, customer, [(product, 2)])  # pending: "mark paid" would change it
    # Victims: an unavailable product and book ("make available" would change them)
    # and a customer without orders (suspend or delete would succeed).
    add_product(app, sku="SKU-VICTIM", is_available=False)
    add_book(app, isbn="9780441478125", is_available=False)
    add_user(app, "victim@example.com", full_name="Vic Victim")


def pytest_terminal_summary(terminalreporter):
    """Say how many hostile requests the run made."""
    if REQUESTS:
        terminalreporter.write_line(f"hostile suite: {sum(REQUESTS):,} requests")
