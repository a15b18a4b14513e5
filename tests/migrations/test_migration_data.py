"""Every revision steps down and back up on a database full of data, and loses none of it.

The walk covers whatever revisions exist (Alembic's ScriptDirectory), head first: each
step down either keeps every row of the older schema and comes back up to exactly the
same data, or refuses with a message and changes nothing at all.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing

import pytest
from alembic import command
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import column, inspect, select
from sqlalchemy import table as sa_table

from backoffice import create_app
from backoffice.extensions import db
from backoffice.models import IdempotencyRecord, Order, OrderItem, Product, User
from backoffice.services.api_keys import create_key
from backoffice.services.demo import seed_demo
from backoffice.services.erasure import erase_user
from backoffice.services.imports.memory import remember
from backoffice.services.order_notes import add_note
from backoffice.services.second_factor import enrol_authenticator
from backoffice.services.users import create_user
from tests.migrations.test_migrations import schema_drift
from tests.support.databases import scratch_database

PASSWORD = "correct horse battery staple 42"
ACCOUNTS_REVISION = "364c42edadf9"  # users.erased_at; confirmable
INITIAL_REVISION = "2148d5b27c81"
API_KEYS_REVISION = "29440f1af0cc"  # api_keys; audit_log.api_key
IDEMPOTENCY_REVISION = "3c2de7bca3da"  # idempotency_records
IMPORT_MAPPINGS_REVISION = "d07c905cbcbe"  # import_mappings
OUTBOX_REVISION = "6dc840d812d9"  # order_notifications; orders.carrier; users.shipping_updates
NOTES_REVISION = "e45d54af152b"  # order_notes
TWO_FACTOR_REVISION = "059d44ce23dd"  # users' second factors; webauthn

Snapshot = dict[str, tuple[list[str], list[dict]]]


@pytest.fixture
def migrated_app(tmp_path):
    """An app on a database of its own, migrated to head."""
    url_base = os.environ.get("TEST_DATABASE_URL")
    with scratch_database(url_base, tmp_path, "backoffice_migdata") as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url}, env="testing")
        with app.app_context():
            upgrade()
            yield app
            db.session.remove()
            db.engine.dispose()


def seed(*, erased_and_pending: bool) -> None:
    """Demo data, plus the accounts a migration most easily gets wrong."""
    seed_demo(users=30, products=15, books=10, orders=60, seed=10, progress=lambda *_: None)
    products = db.session.scalars(select(Product).order_by(Product.id).limit(2)).all()
    staff = create_user(
        "staff@example.com", PASSWORD, username="staffer", full_name="Sam Staff", roles=["admin"]
    )
    staff.profile.avatar = "avatars/" + "a" * 32 + ".webp"
    create_user("suspended@example.com", PASSWORD, roles=["staff"], active=False)
    customers = [staff]
    if erased_and_pending:
        create_user("pending@example.com", PASSWORD).confirmed_at = None  # never clicked the link
        gone = create_user("gone@example.com", PASSWORD, full_name="Gone Soon", roles=["staff"])
        customers.append(gone)
    for user in customers:
        items = [OrderItem(product=p, quantity=2, unit_price=p.price) for p in products]
        total = sum(item.unit_price * item.quantity for item in items)
        db.session.add(
            Order(user=user, status="paid", total=total, shipping_address="1 Main St", items=items)
        )
    db.session.flush()
    if erased_and_pending:
        erase_user(None, gone)  # keeps its orders, loses its roles and personal data
    db.session.commit()
    db.session.remove()


def snapshot() -> Snapshot:
    """Every table's columns and rows (ordered by primary key), as the database has them."""
    result: Snapshot = {}
    with db.engine.connect() as conn:
        inspector = inspect(conn)
        for table in inspector.get_table_names():
            if table == "alembic_version":
                continue
            columns = sorted(c["name"] for c in inspector.get_columns(table))
            rows = sa_table(table, *(column(c) for c in columns))
            order = inspector.get_pk_constraint(table)["constrained_columns"]
            found = conn.execute(select(rows).order_by(*(rows.c[c] for c in order))).mappings()
            result[table] = (columns, [dict(row) for row in found])
    return result


def lost(before: Snapshot, after: Snapshot) -> list[str]:
    """What ``before`` holds that ``after`` does not (rows compared on ``after``'s columns)."""
    problems = []
    for table, (columns, rows) in before.items():
        if table not in after:
            if rows:
                problems.append(f"table {table} dropped with {len(rows)} rows")
            continue
        kept_columns, kept_rows = after[table]
        expected = [{c: row[c] for c in kept_columns if c in columns} for row in rows]
        if len(kept_rows) != len(rows):
            problems.append(f"{table}: {len(rows)} rows before, {len(kept_rows)} after")
        elif expected != [{c: row[c] for c in kept_columns if c in columns} for row in kept_rows]:
            was, now = next((a, b) for a, b in zip(expected, kept_rows, strict=True) if a != b)
            problems.append(f"{table}: row {was} became {now}")
    problems += [f"table {t} appeared" for t in after.keys() - before.keys()]
    return problems


def current_revision() -> str | None:
    """The revision the database is at."""
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def walk_down(config) -> tuple[str, str]:
    """Step down one revision at a time, and back up each time, until a step is refused.

    Returns the refused revision and the refusal's message.
    """
    for revision in ScriptDirectory.from_config(config).walk_revisions():
        before = snapshot()
        assert current_revision() == revision.revision
        target = revision.down_revision or "base"
        try:
            command.downgrade(config, target)
        except CommandError as exc:
            assert current_revision() == revision.revision, "a refused downgrade moved"
            assert lost(before, snapshot()) == [], "a refused downgrade changed data"
            return revision.revision, str(exc)
        assert lost(before, snapshot()) == [], f"downgrade of {revision.revision} lost data"
        command.upgrade(config, revision.revision)
        after = snapshot()
        assert lost(before, after) == [], f"{revision.revision}: down and up again lost data"
        assert after == before, f"{revision.revision}: down and up again changed data"
        command.downgrade(config, target)
    pytest.fail("every downgrade went through, down to an empty database")


def test_every_revision_round_trips_its_data_and_the_initial_one_refuses(migrated_app):
    config = current_app.extensions["migrate"].migrate.get_config()
    seed(erased_and_pending=False)
    at_head = snapshot()
    assert len(at_head["users"][1]) == 32
    assert at_head["roles_users"][1]
    assert any(p["avatar"] for p in at_head["user_profiles"][1])

    refused, message = walk_down(config)

    assert refused == INITIAL_REVISION
    assert "would drop every table" in message
    assert "users (32 rows)" in message
    upgrade()
    assert snapshot() == at_head
    assert schema_drift() == []


def test_accounts_revision_refuses_while_erased_or_pending_accounts_exist(migrated_app):
    config = current_app.extensions["migrate"].migrate.get_config()
    seed(erased_and_pending=True)
    at_head = snapshot()
    head = current_revision()
    assert [u["email"] for u in at_head["users"][1] if u["erased_at"]] == ["deleted-34@invalid"]
    assert [u["email"] for u in at_head["users"][1] if not u["confirmed_at"]] == [
        "pending@example.com"
    ]

    with pytest.raises(CommandError) as refusal:
        command.downgrade(config, "base")  # one transaction: nothing changes, not even the top
    assert "1 erased account" in str(refusal.value)
    assert current_revision() == head
    assert snapshot() == at_head

    refused, message = walk_down(config)

    assert refused == ACCOUNTS_REVISION
    assert "1 erased account and 1 account awaiting confirmation" in message
    assert "roll back the code" in message
    upgrade()
    assert snapshot() == at_head
    assert schema_drift() == []


def test_sqlite_migration_that_leaves_a_dangling_reference_changes_nothing(migrated_app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL never lets a dangling reference in")
    config = current_app.extensions["migrate"].migrate.get_config()
    seed(erased_and_pending=False)
    # An order of a user who does not exist, slipped in by a connection without foreign keys.
    with closing(sqlite3.connect(db.engine.url.database)) as raw, raw:
        raw.execute("UPDATE orders SET user_id = 999 WHERE id = 1")
    before, head = snapshot(), current_revision()

    with pytest.raises(CommandError, match=r"left rows pointing at missing parents.*orders"):
        command.downgrade(config, INITIAL_REVISION)

    assert current_revision() == head
    assert snapshot() == before  # the steps before the check are rolled back too, DDL included
    with db.engine.connect() as conn:  # and the pooled connection has its foreign keys back
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_api_keys_revision_refuses_while_keys_exist(migrated_app):
    config = current_app.extensions["migrate"].migrate.get_config()
    seed(erased_and_pending=False)
    create_key("warehouse", ["stock:write"])
    db.session.commit()
    at_head = snapshot()

    refused, message = walk_down(config)

    assert refused == API_KEYS_REVISION
    assert "1 API key(s)" in message
    assert "roll back the code" in message
    upgrade()
    assert snapshot() == at_head


def test_idempotency_revision_refuses_while_answers_are_recorded(migrated_app):
    config = current_app.extensions["migrate"].migrate.get_config()
    seed(erased_and_pending=False)
    key, _ = create_key("storefront", ["orders:write"])
    db.session.flush()
    answer = {"id": 1, "status": "pending"}
    db.session.add(
        IdempotencyRecord(
            api_key_id=key.id, key="cart-7", fingerprint="f" * 64, status_code=201, response=answer
        )
    )
    db.session.commit()
    at_head = snapshot()

    refused, message = walk_down(config)

    assert refused == IDEMPOTENCY_REVISION
    assert "1 recorded answer(s)" in message
    assert "place its order again" in message
    assert "roll back the code" in message
    upgrade()
    assert snapshot() == at_head
    assert schema_drift() == []


def test_import_mappings_revision_refuses_while_mappings_are_remembered(migrated_app):
    config = current_app.extensions["migrate"].migrate.get_config()
    seed(erased_and_pending=False)
    remember("product", ["Code", "Label"], {"sku": "Code", "name": "Label"})
    db.session.commit()
    at_head = snapshot()

    refused, message = walk_down(config)

    assert refused == IMPORT_MAPPINGS_REVISION
    assert "2 remembered import mapping(s)" in message
    assert "roll back the code" in message
    upgrade()
    assert snapshot() == at_head


def test_two_factor_revision_refuses_while_someone_has_a_second_factor(migrated_app):
    config = current_app.extensions["migrate"].migrate.get_config()
    seed(erased_and_pending=False)
    enrol_authenticator(create_user("secure@example.com", PASSWORD, roles=["staff"]))
    db.session.commit()
    at_head = snapshot()

    refused, message = walk_down(config)

    assert refused == TWO_FACTOR_REVISION
    assert "1 user(s) have a second factor" in message
    upgrade()
    assert snapshot() == at_head


def test_order_notes_revision_refuses_while_notes_are_kept(migrated_app):
    config = current_app.extensions["migrate"].migrate.get_config()
    seed(erased_and_pending=False)
    staff = db.session.scalar(select(User).where(User.email == "staff@example.com"))
    order_id = db.session.scalar(select(Order.id).order_by(Order.id).limit(1))
    add_note(order_id, staff, "Customer asked us to call before shipping.")
    db.session.commit()
    at_head = snapshot()

    refused, message = walk_down(config)

    assert refused == NOTES_REVISION
    assert "1 staff note(s)" in message
    assert "roll back the code" in message
    upgrade()
    assert snapshot() == at_head


def test_outbox_revision_refuses_while_parcels_or_choices_are_kept(migrated_app):
    config = current_app.extensions["migrate"].migrate.get_config()
    seed(erased_and_pending=False)
    db.session.scalar(
        select(User).where(User.email == "staff@example.com")
    ).shipping_updates = False
    db.session.scalar(select(Order).order_by(Order.id).limit(1)).tracking_number = "PF1GB"
    db.session.commit()
    at_head = snapshot()

    refused, message = walk_down(config)

    assert refused == OUTBOX_REVISION
    assert "1 orders with a carrier or tracking number" in message
    assert "1 customers who turned off shipping updates" in message
    upgrade()
    assert snapshot() == at_head
