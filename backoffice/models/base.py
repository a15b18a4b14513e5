"""Column types and mixins shared by every model."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_security import AsaList
from sqlalchemy import DateTime, Numeric
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> dt.datetime:
    """The current time as an aware UTC datetime."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored as naive UTC and returned as an aware UTC datetime.

    SQLite keeps no time zone, and Flask-Security writes naive UTC values, so
    naive input is taken as UTC and aware input is converted to UTC.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Convert to naive UTC for storage."""
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        """Attach the UTC zone on the way out."""
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value


class TextList(AsaList):
    """Flask-Security's comma-separated list column, usable in queries.

    AsaList holds no state, so its SQL can be cached; without ``cache_ok`` SQLAlchemy
    warns whenever a query names such a column (``mf_recovery_codes IS NOT NULL``).
    """

    cache_ok = True


# Money: exact decimals, two places, never floats.
Money = Numeric(10, 2, asdecimal=True)
MoneyTotal = Numeric(12, 2, asdecimal=True)
ZERO = Decimal("0.00")


class TimestampMixin:
    """``created_at`` and ``updated_at``, both set by the application in UTC."""

    created_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime(), default=utcnow, nullable=False, index=True
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )
