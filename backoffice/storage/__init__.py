"""File storage: one interface (``Storage``), a local and an FTP backend, chosen by config.

Everything here imports without a Flask app except ``init_storage`` and ``get_storage``.
Keys: ``STORAGE_BACKEND`` (local|ftp), ``UPLOAD_DIR``; ``FTP_HOST``, ``FTP_PORT``,
``FTP_USER``, ``FTP_PASSWORD``, ``FTP_DIR``, ``FTP_TLS``, ``FTP_TLS_CAFILE``,
``FTP_TIMEOUT``, ``FTP_PASSIVE``, as numbers and booleans or as environment-style strings
(parsed by ``config.settings``, the one parser of settings).

May import only the base helpers and config: services use storage, never the reverse.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from config.settings import ConfigError, as_bool, as_number

from .base import (
    InvalidKey,
    KeyNotFound,
    Storage,
    StorageError,
    is_valid_key,
    new_key,
    validate_key,
)
from .ftp import FTPStorage
from .local import LocalStorage

__all__ = [
    "BACKENDS",
    "FTPStorage",
    "InvalidKey",
    "KeyNotFound",
    "LocalStorage",
    "Storage",
    "StorageError",
    "get_storage",
    "init_storage",
    "is_valid_key",
    "new_key",
    "storage_from_config",
    "validate_key",
]

DEFAULT_UPLOAD_DIR = Path(__file__).resolve().parents[2] / "uploads"
BACKENDS = ("local", "ftp")


def _ftp_from_config(config: Mapping[str, Any]) -> FTPStorage:
    if not config.get("FTP_HOST"):
        raise ConfigError("STORAGE_BACKEND=ftp needs FTP_HOST")
    tls = as_bool("FTP_TLS", config.get("FTP_TLS"), False)
    context = None
    if tls and config.get("FTP_TLS_CAFILE"):
        # A private CA for an internal server: still verified, never "trust anything".
        try:
            context = ssl.create_default_context(cafile=config["FTP_TLS_CAFILE"])
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"FTP_TLS_CAFILE cannot be loaded: {exc}") from None
    try:
        return FTPStorage(
            host=str(config["FTP_HOST"]),
            port=as_number("FTP_PORT", config.get("FTP_PORT"), 21, int),
            user=str(config.get("FTP_USER") or "anonymous"),
            password=str(config.get("FTP_PASSWORD") or ""),
            directory=str(config.get("FTP_DIR") or ""),
            tls=tls,
            timeout=as_number("FTP_TIMEOUT", config.get("FTP_TIMEOUT"), 10.0, float),
            passive=as_bool("FTP_PASSIVE", config.get("FTP_PASSIVE"), True),
            ssl_context=context,
        )
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def storage_from_config(config: Mapping[str, Any]) -> Storage:
    """Build the backend named by ``STORAGE_BACKEND`` (default ``local``)."""
    backend = str(config.get("STORAGE_BACKEND") or "local").strip().lower()
    if backend == "local":
        return LocalStorage(config.get("UPLOAD_DIR") or DEFAULT_UPLOAD_DIR)
    if backend == "ftp":
        return _ftp_from_config(config)
    raise ConfigError(f"STORAGE_BACKEND={backend!r} is not one of {', '.join(BACKENDS)}")


def init_storage(app: Flask) -> Storage:
    """Put the configured backend on ``app.extensions["storage"]``."""
    # No connection is made here: a web node must start even while the FTP server is
    # down; `storage check` is the place to find out.
    storage = storage_from_config(app.config)
    app.extensions["storage"] = storage
    return storage


def get_storage() -> Storage:
    """The current app's storage backend."""
    try:
        return current_app.extensions["storage"]
    except KeyError:
        raise RuntimeError("init_storage(app) has not been called for this app") from None
