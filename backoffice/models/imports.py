"""The column mapping last chosen for an import, remembered for the next one."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.extensions import db
from backoffice.models.base import UTCDateTime, utcnow


class ImportMapping(db.Model):
    """``{field: header}`` last used for an import ``kind``: for one set of headers
    (``headers_key``, their digest), and for the kind whatever the headers (``""``).
    Written and read by ``services.imports.memory``."""

    __tablename__ = "import_mappings"
    __table_args__ = (UniqueConstraint("kind", "headers_key", name="uq_import_mappings_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    headers_key: Mapped[str] = mapped_column(String(64))
    mapping: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Who chose it (None: the command line, or an erased account).
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
