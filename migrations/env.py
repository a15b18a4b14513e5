import logging
from contextlib import contextmanager
from logging.config import fileConfig

from alembic import context
from alembic.util import CommandError
from flask import current_app
from sqlalchemy import event
from sqlalchemy.types import TypeDecorator

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging.
# This line sets up loggers basically.
# Keep the app's loggers alive when migrations run inside the app (tests, CLI).
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")


def get_engine():
    """The app's engine (Flask-SQLAlchemy 3)."""
    return current_app.extensions["migrate"].db.engine


def get_engine_url():
    """The database URL, escaped for the ini-style config."""
    return get_engine().url.render_as_string(hide_password=False).replace("%", "%%")


# add your model's MetaData object here
# for 'autogenerate' support
# from myapp import mymodel
# target_metadata = mymodel.Base.metadata
config.set_main_option("sqlalchemy.url", get_engine_url())
target_db = current_app.extensions["migrate"].db

# other values from the config, defined by the needs of env.py,
# can be acquired:
# my_important_option = config.get_main_option("my_important_option")
# ... etc.


def get_metadata():
    if hasattr(target_db, "metadatas"):
        return target_db.metadatas[None]
    return target_db.metadata


def render_item(type_, obj, autogen_context):
    """Render our TypeDecorators (UTCDateTime, AsaList) as their plain SQL types.

    Revisions then depend on SQLAlchemy alone, not on our code or library internals.
    """
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


def configure_args(connection=None):
    """Options shared by online and offline runs."""
    is_sqlite = connection is not None and connection.dialect.name == "sqlite"
    return {
        "target_metadata": get_metadata(),
        "render_item": render_item,
        "compare_type": True,
        # SQLite cannot ALTER constraints: batch mode rebuilds the table instead.
        "render_as_batch": is_sqlite,
    }


def _begin_immediate(connection):
    # The driver is in autocommit mode (see sqlite_guards): open every transaction
    # ourselves, taking the write lock at once.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def check_foreign_keys(ctx, step, heads, run_args):
    """After each SQLite revision: no row may point at a missing parent (keys were off)."""
    dangling = ctx.connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if dangling:
        direction = "upgrade" if step.is_upgrade else "downgrade"
        raise CommandError(
            f"The {direction} of {step.up_revision_id} left rows pointing at missing parents "
            f"(table, rowid, parent, key): {dangling[:10]}. Nothing was changed."
        )


@contextmanager
def sqlite_guards(connection):
    """On SQLite: foreign keys off, and one real transaction, around the migrations.

    Yields the extra ``context.configure`` options (none on other databases).

    Batch mode rebuilds a table: copy, drop the old one, rename the copy. With foreign
    keys on, dropping ``users`` deletes its rows first, so ON DELETE CASCADE empties
    roles_users and user_profiles, and RESTRICT (orders) stops the rebuild half-way.
    SQLite ignores ``PRAGMA foreign_keys`` inside a transaction: it is switched off
    before the first one and back on after the last (the app turns it on for each new
    connection, see ``backoffice._sqlite_foreign_keys``); ``check_foreign_keys`` then
    runs ``PRAGMA foreign_key_check`` after every revision, inside its transaction.

    pysqlite opens a transaction only before INSERT/UPDATE/DELETE, so DDL committed as
    it went and a failed rebuild left ``_alembic_tmp_<table>`` behind. With the driver
    in autocommit mode and our own BEGIN (SQLAlchemy's pysqlite recipe), the whole run
    is one transaction, as on PostgreSQL: a refused or failed migration changes nothing.
    """
    if connection.dialect.name != "sqlite":
        yield {}
        return
    raw = connection.connection.driver_connection
    isolation = raw.isolation_level
    raw.isolation_level = None
    raw.execute("PRAGMA foreign_keys=OFF")
    if raw.execute("PRAGMA foreign_keys").fetchone()[0]:
        raise CommandError("Could not turn SQLite foreign keys off for the migration.")
    event.listen(connection, "begin", _begin_immediate)
    try:
        yield {"transactional_ddl": True, "on_version_apply": [check_foreign_keys]}
    finally:
        event.remove(connection, "begin", _begin_immediate)
        raw.execute("PRAGMA foreign_keys=ON")
        raw.isolation_level = isolation
        if not raw.execute("PRAGMA foreign_keys").fetchone()[0]:
            connection.invalidate()  # never hand the pool a connection without foreign keys


def run_migrations_offline():
    """Run migrations in 'offline' mode.

    This configures the context with just a URL
    and not an Engine, though an Engine is acceptable
    here as well.  By skipping the Engine creation
    we don't even need a DBAPI to be available.

    Calls to context.execute() here emit the given string to the
    script output.

    """
    url = config.get_main_option("sqlalchemy.url")
    context.configure(url=url, literal_binds=True, **configure_args())

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run migrations in 'online' mode.

    In this scenario we need to create an Engine
    and associate a connection with the context.

    """

    # this callback is used to prevent an auto-migration from being generated
    # when there are no changes to the schema
    # reference: http://alembic.zzzcomputing.com/en/latest/cookbook.html
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = current_app.extensions["migrate"].configure_args
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    connectable = get_engine()

    with connectable.connect() as connection, sqlite_guards(connection) as sqlite_args:
        context.configure(
            connection=connection, **{**configure_args(connection), **sqlite_args, **conf_args}
        )

        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
