"""The app's notion of "now", so time-dependent rules can be tested without patching.

``app.config["CLOCK"]`` may hold a callable returning an aware UTC datetime (tests set
one they can advance); without it the real clock is used.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app, has_app_context


def now() -> dt.datetime:
    """The current aware UTC time, from the app's CLOCK when one is configured."""
    clock = current_app.config.get("CLOCK") if has_app_context() else None
    return clock() if clock else dt.datetime.now(dt.UTC)
