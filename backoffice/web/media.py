"""``/media/<key>``: stored files (avatars), served by the app from whichever backend holds them.

Only signed-in users get them (anonymous browsers go to the login page, JSON clients get
401): avatars are personal data. Keys are random and never reused, so a response can be
cached for a year; ``private`` keeps shared caches (proxies, CDNs) from storing it.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, Response, abort, request, url_for
from flask_security import auth_required

from backoffice.services.avatars import thumbnail_key
from backoffice.storage import InvalidKey, KeyNotFound, StorageError, get_storage, is_valid_key

log = logging.getLogger(__name__)

bp = Blueprint("media", __name__)

CACHE_CONTROL = "private, max-age=31536000, immutable"
# By extension, since the app wrote every file itself; anything else is a download,
# never rendered (nosniff stops the browser from guessing).
CONTENT_TYPES = {
    "webp": "image/webp",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
}


@bp.get("/media/<path:key>")
@auth_required()
def file(key: str):
    """The bytes stored under ``key``; 404 for a missing or malformed key."""
    if not is_valid_key(key):
        abort(404)  # "../x", "%2e%2e/x", absolute paths, odd characters: never reach I/O
    try:
        data = get_storage().open(key)
    except (KeyNotFound, InvalidKey):  # InvalidKey: a symlink out of the local root
        abort(404)
    except StorageError as exc:
        log.error("media %s unavailable: %s", key, exc)
        abort(503, description="The file store is not available right now; try again later.")
    ext = key.rpartition(".")[2]
    response = Response(data, mimetype=CONTENT_TYPES.get(ext, "application/octet-stream"))
    if ext not in CONTENT_TYPES:
        response.headers["Content-Disposition"] = "attachment"
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.add_etag()  # a hash of the bytes: If-None-Match gets a bodyless 304
    return response.make_conditional(request)


def media_url(key: str) -> str:
    """The URL that serves ``key``."""
    return url_for("media.file", key=key)


def avatar_url(key: str | None, thumbnail: bool = False) -> str | None:
    """The URL of an avatar (or of its 128 px thumbnail); None for no avatar."""
    if not key:
        return None
    return media_url(thumbnail_key(key) if thumbnail else key)


def init_media(app: Flask) -> None:
    """Serve /media/ and give templates ``avatar_url``."""
    app.register_blueprint(bp)
    app.jinja_env.globals["avatar_url"] = avatar_url
