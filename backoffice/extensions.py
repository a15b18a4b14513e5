"""Extension objects, created bare and bound to an app in ``create_app``.

Nothing here imports the rest of the package, so any module may import it.
Two exceptions are built per app instead: Flask-Admin (its views hold per-app state,
see ``init_admin``) and Flask-Security (it takes our utility classes only in its
constructor, see ``auth.init_auth``); ``current_security()`` reaches the latter.
"""

from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Predictable constraint names, so migrations can drop and alter them by name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Model(DeclarativeBase):
    """Declarative base carrying the naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Model)
migrate = Migrate()
mail = Mail()
csrf = CSRFProtect()
# Per client address (request.remote_addr, after ProxyFix when PROXY_FIX_X_FOR is set).
limiter = Limiter(key_func=get_remote_address)


def current_security():
    """The Flask-Security extension bound to the current app."""
    return current_app.extensions["security"]
