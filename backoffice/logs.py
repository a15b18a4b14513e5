"""Logging to stderr in a format gunicorn and journald both read well."""

from __future__ import annotations

import logging

from flask import Flask


def init_logging(app: Flask) -> None:
    """Send the package's log records to stderr at LOG_LEVEL (default INFO)."""
    level = app.config.get("LOG_LEVEL", "INFO")
    logger = logging.getLogger("backoffice")
    logger.setLevel(level)
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
