"""The end-user area under /account (views in ``views.py``, forms in ``forms.py``)."""

from __future__ import annotations

from flask import Flask

from backoffice.account.views import avatar_url, bp


def init_account(app: Flask) -> None:
    """Register the account blueprint and the avatar URL helper for templates."""
    app.register_blueprint(bp)
    app.jinja_env.globals["avatar_url"] = avatar_url
