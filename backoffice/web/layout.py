"""Template context so every page (admin, Flask-Security, account, errors) shares one layout."""

from __future__ import annotations

from flask import Flask, current_app, url_for
from flask_admin import helpers as admin_helpers
from flask_login import current_user
from markupsafe import Markup

from backoffice.permissions import can
from backoffice.web.headers import csp_nonce


class OutsideAdmin:
    """Stands in for ``admin_view`` on pages outside the admin (account, sign-in, errors).

    The layout draws the admin menu from ``admin_view.admin``; a real view there (the
    dashboard) would be highlighted as the current page. This one matches no menu item.
    """

    name = None
    endpoint = None
    extra_css = None
    extra_js = None

    def __init__(self, admin) -> None:
        self.admin = admin


def _layout_context() -> dict:
    admin = current_app.extensions["backoffice_admin"]
    return {
        # Flask-Admin's templates need these; its own views pass them explicitly and
        # explicit values win, so this only fills them in for non-admin pages.
        "admin_view": OutsideAdmin(admin),
        "admin_base_template": admin.theme.base_template,
        "theme": admin.theme,
        "h": admin_helpers,
        "get_url": url_for,
        # The nonce is URL-safe base64 from secrets.token_urlsafe: nothing to escape.
        "admin_csp_nonce_attribute": Markup(f'nonce="{csp_nonce()}"'),  # noqa: S704
        "can": lambda permission: can(current_user, permission),
        "app_name": current_app.config.get("APP_NAME", "Backoffice"),
    }


def init_layout(app: Flask) -> None:
    """Register the context processor."""
    app.context_processor(_layout_context)
