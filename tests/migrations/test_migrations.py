"""Migrations build the schema from empty, tear it down again, and match the models."""

from __future__ import annotations

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from backoffice import create_app
from backoffice.extensions import db
from tests.support.databases import scratch_database


@pytest.fixture
def empty_database(tmp_path):
    """A database of its own, separate from the one the rest of the suite uses."""
    with scratch_database(os.environ.get("TEST_DATABASE_URL"), tmp_path, "backoffice_mig") as url:
        yield url


def tables(app) -> set[str]:
    return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_upgrade_builds_every_table_and_downgrade_removes_them(empty_database):
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database}, env="testing")
    with app.app_context():
        upgrade()
        assert tables(app) == set(db.metadata.tables)
        downgrade(revision="base")
        assert tables(app) == set()
        upgrade()  # and back up again, cleanly
        assert tables(app) == set(db.metadata.tables)
        db.engine.dispose()


def schema_drift() -> list:
    """How the migrated database differs from the models (inside an app context)."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": False}
        )
        return compare_metadata(context, db.metadata)


def test_models_and_migrations_do_not_drift(empty_database):
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database}, env="testing")
    with app.app_context():
        upgrade()
        diff = schema_drift()
        db.engine.dispose()
    assert diff == [], f"models and migrations differ; run `python manage.py db migrate`: {diff}"
