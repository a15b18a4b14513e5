"""backoffice: an admin-panel-centric back office for a small shop and book catalogue."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from flask import Flask

from backoffice.account import init_account
from backoffice.admin import init_admin
from backoffice.api import init_api
from backoffice.auth import init_auth
from backoffice.cli import init_cli
from backoffice.extensions import csrf, db, mail, migrate
from backoffice.jobs import init_jobs
from backoffice.logs import init_logging
from backoffice.storage import init_storage
from backoffice.web import init_web
from config import ConfigError, config_for_env
from config.settings import Base


def create_app(config: Base | Mapping | None = None, env: str | None = None) -> Flask:
    """Build the app: settings for ``env`` (default BACKOFFICE_ENV), then ``config`` overrides."""
    app = Flask(__name__, instance_relative_config=True)
    init_config(app, config, env)
    init_logging(app)
    init_extensions(app)
    init_storage(app)
    init_jobs(app)
    init_auth(app)
    init_admin(app)
    init_account(app)
    init_api(app)
    init_web(app)
    init_cli(app)
    return app


def init_config(app: Flask, config: Base | Mapping | None, env: str | None) -> None:
    """Load settings; refuse a production app in debug mode."""
    settings = config if isinstance(config, Base) else config_for_env(env)
    app.config.from_mapping(settings.as_dict())
    if isinstance(config, Mapping):
        app.config.from_mapping(config)
    if app.config["ENV_NAME"] == "production" and (app.debug or app.config.get("DEBUG")):
        raise ConfigError("Production must not run with debug on (unset FLASK_DEBUG).")


def init_extensions(app: Flask) -> None:
    """Bind the bare extensions from ``extensions.py``."""
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    mail.init_app(app)
    csrf.init_app(app)
    _install_proxy_fix(app)
    _sqlite_pragmas(app)


def _install_proxy_fix(app: Flask) -> None:
    """Trust X-Forwarded-* from this many proxies (0 when the app faces clients directly)."""
    hops = int(app.config.get("PROXY_FIX_X_FOR", 0))
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def _sqlite_pragmas(app: Flask) -> None:
    """SQLite ignores foreign keys unless each connection asks for them; a file database
    is put in WAL mode, so a worker reading a long export does not lock out writes."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("sqlite"):
        return
    in_memory = url in ("sqlite://", "sqlite:///:memory:") or "mode=memory" in url
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()
