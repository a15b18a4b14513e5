"""The column mapping chosen for an import, remembered in the database for the next one.

Two rows per choice: one for the exact set of headers (a supplier's file looks the same
every month) and one for the kind whatever the headers. ``remembered`` prefers the
first, then the second if it still fits the file (every column it names is there and
it passes ``check_mapping``), else None: the caller proposes ``auto_mapping``. The admin's
map step and ``manage.py import`` (without ``--mapping``) both start from it; both
remember what was chosen. Nothing here commits.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from backoffice.extensions import db
from backoffice.models import ImportMapping, utcnow
from backoffice.services.imports.fields import auto_mapping, check_mapping, normalise_header

#: ``headers_key`` of the row that holds a kind's last mapping whatever the headers.
ANY_HEADERS = ""


def headers_key(headers: list[str]) -> str:
    """A digest of the file's headers (case, spaces and punctuation ignored, order kept)."""
    text = "\x1f".join(normalise_header(h) for h in headers)
    return hashlib.sha256(text.encode()).hexdigest()


def remembered(kind: str, headers: list[str]) -> dict | None:
    """The mapping last chosen for these headers, else for this kind, if it fits; or None."""
    query = select(ImportMapping.headers_key, ImportMapping.mapping).where(
        ImportMapping.kind == kind,
        ImportMapping.headers_key.in_([headers_key(headers), ANY_HEADERS]),
    )
    found = dict(db.session.execute(query).all())
    for key in (headers_key(headers), ANY_HEADERS):
        mapping = found.get(key)
        if not isinstance(mapping, dict):
            continue
        mapping = {f: h for f, h in mapping.items() if h in headers}
        try:
            check_mapping(kind, mapping, headers)
        except ValueError:
            continue
        return mapping
    return None


def remember(kind: str, headers: list[str], mapping: dict, user_id: int | None = None) -> None:
    """Keep ``mapping`` as the one chosen for these headers and for ``kind``."""
    make = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    now = utcnow()
    for key in (headers_key(headers), ANY_HEADERS):
        values = {"mapping": dict(mapping), "updated_at": now, "updated_by_id": user_id}
        statement = make(ImportMapping.__table__).values(kind=kind, headers_key=key, **values)
        db.session.execute(
            statement.on_conflict_do_update(index_elements=["kind", "headers_key"], set_=values)
        )


def choose_mapping(kind: str, given: dict | None, headers: list[str]) -> tuple[dict, str]:
    """The mapping to use and where it came from: ``given``, else remembered, else proposed."""
    if given:
        return given, "given"
    found = remembered(kind, headers)
    if found:
        return found, "remembered"
    return auto_mapping(kind, headers), "proposed"
