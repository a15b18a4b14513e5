"""The end-user area under /account: pages in ``views.py``, the picture page in ``avatar.py``.

The customer's own pages (overview, profile, orders, password, deletion), behind
sign-in, through the same services as the admin. May import: models, services,
storage, validation, web and the base helpers; never admin, auth internals or cli.
"""

from __future__ import annotations

from flask import Flask

from backoffice.account.avatar import bp as avatar_bp
from backoffice.account.views import bp


def init_account(app: Flask) -> None:
    """Register the account blueprint and the picture page (``avatar_url``: web.media)."""
    app.register_blueprint(bp)
    app.register_blueprint(avatar_bp)
