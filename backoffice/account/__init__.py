"""The end-user area under /account: every page behind the login wall, own data only."""

from __future__ import annotations

from flask import Blueprint, Flask, render_template
from flask_security import auth_required, current_user

from backoffice.account.avatar import bp as avatar_bp

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.get("/")
@auth_required()
def overview():
    """The signed-in user's own summary page."""
    return render_template("account/overview.html", user=current_user)


def init_account(app: Flask) -> None:
    """Register the account blueprints."""
    app.register_blueprint(bp)
    app.register_blueprint(avatar_bp)
