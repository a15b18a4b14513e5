"""``/api/docs``: the API's documentation page (Swagger UI over ``/api/openapi.json``).

Swagger UI is served by the app (``static/vendor/swagger-ui``), never from a CDN, and
its scripts carry the request's CSP nonce like every page's.
"""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("api_docs", __name__)


@bp.get("/api/docs")
def docs():
    """The interactive reference of the API."""
    return render_template("api/docs.html")
