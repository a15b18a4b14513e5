"""What every v1 resource shares: its blueprint, cursor pagination and the list arguments."""

from __future__ import annotations

import base64
import binascii

import marshmallow as ma
from flask_smorest import Blueprint, abort
from sqlalchemy import Select

from backoffice.api.auth import authenticate_request
from backoffice.extensions import db
from backoffice.ranges import parse_id

PREFIX = "/api/v1"
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
_CURSOR_TAG = "after:"


def api_blueprint(name: str, path: str, description: str) -> Blueprint:
    """A v1 blueprint at ``/api/v1<path>`` whose views all need a valid API key."""
    blp = Blueprint(f"api_{name}", __name__, url_prefix=PREFIX + path, description=description)
    blp.before_request(authenticate_request)
    blp.after_request(no_store)
    return blp


def no_store(response):
    """``after_request`` of API blueprints: answers hold business data for one caller only,
    so no cache, shared or private, keeps them."""
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def money_filter(maximum: int) -> ma.fields.Decimal:
    """A ``?min_…=`` / ``?max_…=`` amount between 0 and ``maximum``, or absent.

    The bounds are documented as JSON numbers: apispec writes a Range on a Decimal
    field through the field itself, i.e. as the strings "0" and "100000000", which is
    no valid OpenAPI ``minimum``/``maximum`` (schemathesis refused the document).
    """
    return ma.fields.Decimal(
        load_default=None,
        allow_nan=False,
        validate=ma.validate.Range(0, maximum),
        metadata={"minimum": 0, "maximum": maximum},
    )


class PageArgs(ma.Schema):
    """``?limit=&cursor=``: keyset pagination on the primary key (each page one index range)."""

    limit = ma.fields.Integer(
        load_default=DEFAULT_LIMIT,
        validate=ma.validate.Range(1, MAX_LIMIT),
        metadata={"description": f"Rows per page, 1-{MAX_LIMIT}."},
    )
    cursor = ma.fields.String(
        load_default=None,
        validate=ma.validate.Length(max=64),
        metadata={"description": "The next_cursor of the previous page (opaque)."},
    )


def encode_cursor(last_id: int) -> str:
    """The opaque cursor of the page after the row ``last_id``."""
    return base64.urlsafe_b64encode(f"{_CURSOR_TAG}{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str, column) -> int:
    """The id a cursor continues after; a 400 naming ``cursor`` when it is not one of ours."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, ValueError):
        text = ""
    last_id = (
        parse_id(text.removeprefix(_CURSOR_TAG), column) if text.startswith(_CURSOR_TAG) else None
    )
    if last_id is None:
        abort(400, message="The cursor is not valid.", errors={"cursor": ["Not a valid cursor."]})
    return last_id


def keyset_page(query: Select, key_column, args: dict, *, rows_of=None) -> dict:
    """One page of ``query`` in ``key_column`` order, and the next cursor.

    ``query`` selects entities; or columns (one of them ``id``), when ``rows_of`` turns
    the page's rows into what the schema dumps. Rows are read after the cursor's id
    with ``WHERE key > :after ORDER BY key LIMIT n+1``: the ten-thousandth page costs
    what the first does, and rows inserted meanwhile never shift a page (a new row has
    a higher id, so it appears at the end).
    """
    limit = args["limit"]
    if args.get("cursor") is not None:
        query = query.where(key_column > decode_cursor(args["cursor"], key_column))
    query = query.order_by(key_column).limit(limit + 1)
    # Column rows go through the Core connection: the ORM's row loading is for entities.
    rows = list(
        db.session.scalars(query) if rows_of is None else db.session.connection().execute(query)
    )
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = encode_cursor(rows[-1].id) if more else None
    return {"items": rows if rows_of is None else rows_of(rows), "next_cursor": cursor}


def page_schema(item_schema, name: str) -> type[ma.Schema]:
    """The response schema of a page of ``item_schema``."""
    return ma.Schema.from_dict(
        {
            "items": ma.fields.List(ma.fields.Nested(item_schema)),
            "next_cursor": ma.fields.String(allow_none=True),
        },
        name=name,
    )
