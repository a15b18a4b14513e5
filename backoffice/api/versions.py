"""Row versions for the API: a strong ``ETag`` per row, and ``If-Match`` checked (412).

A row's ETag is a digest of what the API shows of it, so any change (an order taking
stock, an edit in the admin) gives a new one. A write carrying ``If-Match`` with an
older ETag is refused with 412: the client decided on a row that has moved on.
"""

from __future__ import annotations

import hashlib
import json

from flask import request
from flask_smorest import abort


def row_etag(schema, row) -> str:
    """The strong ETag of ``row`` as ``schema`` shows it."""
    shown = json.dumps(schema().dump(row), sort_keys=True, default=str)
    return '"' + hashlib.sha256(shown.encode()).hexdigest()[:32] + '"'


def check_if_match(schema, row) -> None:
    """412 when the request's If-Match names neither the row's current ETag nor ``*``."""
    wanted = request.headers.get("If-Match")
    if wanted is None:
        return
    tags = {tag.strip() for tag in wanted.split(",")}
    if "*" not in tags and row_etag(schema, row) not in tags:
        abort(412, message="The row has changed since that ETag: read it again.")
