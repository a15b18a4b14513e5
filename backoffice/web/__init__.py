"""Public pages and plumbing shared by every page: home, health check, errors, headers.

Also: the input guard (``input_guard.py``, ``input_checks.py``) every request passes,
response encoding, and problem+json (``problems.py``) for every error under ``/api/``.
May import: models, services, storage and the base helpers; never admin, account, auth,
api or cli.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, jsonify, redirect, render_template, url_for
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from backoffice.extensions import db
from backoffice.web.encoding import init_encoding
from backoffice.web.errors import init_errors
from backoffice.web.headers import init_headers
from backoffice.web.input_guard import init_input_guard
from backoffice.web.layout import init_layout
from backoffice.web.media import init_media

log = logging.getLogger(__name__)

bp = Blueprint("web", __name__)


@bp.get("/")
def home():
    """Landing page with the way in for customers and staff."""
    return render_template("home.html")


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page says; point them at the SVG."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@bp.get("/healthz")
def healthz():
    """200 when the database answers, 503 when it does not (for load balancers)."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        log.exception("health check: database unreachable")
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


def init_web(app: Flask) -> None:
    """Register the public blueprint, media, error pages, input guard, headers, layout."""
    app.register_blueprint(bp)
    init_media(app)
    init_errors(app)
    init_input_guard(app)
    init_encoding(app)
    init_headers(app)
    init_layout(app)
