"""The app's notion of "now", so time-dependent rules can be tested without patching.

``app.config["CLOCK"]`` may hold a callable returning an aware UTC datetime (tests set
one they can advance); without it, or outside an app context, the real clock is used.

Which "now" to use (one rule for the whole package):

- ``clock.now()`` for every time the app decides something with, or records as a fact
  of the business: lockout expiry and the lock it sets, ``confirmed_at``, ``erased_at``,
  the dashboard's windows, the minimum age of files ``storage sweep`` removes, demo data
  spread over "the last two years", the time in an export's file name. Tests move it.
- ``models.utcnow`` only for the bookkeeping columns that say when a row was written:
  the ``created_at`` / ``updated_at`` defaults and ``onupdate`` in the models, and the
  ``updated_at=utcnow()`` that a bulk ``UPDATE`` statement sets itself because it
  bypasses ``onupdate``.
- ``datetime.now`` nowhere else: it lives in this module and in ``models.utcnow``,
  always with ``datetime.UTC`` (the database stores naive UTC; see ``UTCDateTime``).
"""

from __future__ import annotations

import datetime as dt

from flask import current_app, has_app_context


def now() -> dt.datetime:
    """The current aware UTC time, from the app's CLOCK when one is configured."""
    clock = current_app.config.get("CLOCK") if has_app_context() else None
    return clock() if clock else dt.datetime.now(dt.UTC)
